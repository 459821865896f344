#include "config/dotenv.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdlib.h>  // setenv

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "config/text.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::config {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_key_char(char c) {
    return is_name_char(c) || c == '.' || c == '-';
}
/// A variable name for a message: at most 40 bytes.
std::string short_name(std::string_view name) {
    return name.size() <= 40 ? std::string(name) : std::string(name.substr(0, 37)) + "...";
}

/// True for a refused name that something on this machine would act on: pgmi, libpq, the cloud
/// SDK conventions, the dynamic loader, OpenSSL, libcurl or a program pgmi starts. Those are
/// worth a warning; an application's own variables sharing the file (NODE_ENV) are not.
bool acted_on_by_this_machine(std::string_view name) {
    const std::string upper = util::to_upper(name);
    for (std::string_view prefix : {"PG", "AWS_", "AZURE_", "GOOGLE_", "GCE_", "CLOUDSDK_",
                                    "IDENTITY_", "MSI_", "LD_", "OPENSSL_", "SSL_", "CURL_"}) {
        if (upper.starts_with(prefix))
            return true;
    }
    for (std::string_view exact : {"PATH", "HOME", "TMPDIR", "SHELL", "PAGER", "SSLKEYLOGFILE",
                                   "GCONV_PATH", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"}) {
        if (upper == exact)
            return true;
    }
    return upper.ends_with("_PROXY");
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// "\r\n" -> "\n", BOM removed, so line counting and multi-line values see one terminator.
std::string normalize(std::string_view text) {
    return util::crlf_to_lf(text::strip_bom(text));
}

class Parser {
  public:
    Parser(std::string_view text, const EnvLookup& env) : s_(text), env_(env) {}

    Result<Pairs> run() {
        if (const auto nul = s_.find('\0'); nul != std::string_view::npos) {
            return fail(line_at(nul), "contains a NUL byte");
        }
        for (;;) {
            skip_blanks();
            if (at_end())
                break;
            if (s_[i_] == '\n') {
                ++i_;
                ++line_;
                continue;
            }
            if (s_[i_] == '#') {
                skip_to_eol();
                continue;
            }
            if (auto st = entry(); !st)
                return std::move(st).error();
        }
        return std::move(out_);
    }

  private:
    bool at_end() const { return i_ >= s_.size(); }
    char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

    void skip_blanks() {
        while (!at_end() && is_blank(s_[i_]))
            ++i_;
    }

    void skip_to_eol() {
        while (!at_end() && s_[i_] != '\n')
            ++i_;
    }

    std::size_t line_at(std::size_t pos) const {
        std::size_t line = 1;
        for (std::size_t k = 0; k < pos; ++k)
            line += s_[k] == '\n' ? 1 : 0;
        return line;
    }

    static Error fail(std::size_t line, std::string_view what) {
        return make_error(ErrorKind::Config, fmt::format("line {}: {}", line, what));
    }

    /// A reference's value. A secret is never copied into another variable: the reference is
    /// refused (`refused_` names it) and expands to nothing.
    std::optional<std::string> lookup(const std::string& name) const {
        if (is_secret_variable(name)) {
            if (!refused_)
                refused_ = name;
            return std::nullopt;
        }
        std::optional<std::string> v;
        if (auto it = index_.find(name); it != index_.end()) {
            v = out_[it->second].second;
        } else {
            v = env_(name);
        }
        // References can double a value per line (B=$A$A, C=$B$B, ...): 2^n bytes from a small
        // file. All expansions of one file share one budget; past it a reference expands to
        // nothing and the entry fails (found by the dotenv fuzz campaign: out of memory).
        if (v && v->size() > kExpansionBudget - expanded_) {
            exhausted_ = true;
            return std::nullopt;
        }
        if (v)
            expanded_ += v->size();
        return v;
    }

    // At "${" in `src`: appends the expansion and moves `pos` past '}'. False when malformed.
    bool expand_braced(std::string_view src, std::size_t& pos, std::string& out) const {
        std::size_t k = pos + 2;
        if (k >= src.size() || !is_name_start(src[k]))
            return false;
        const std::size_t name_start = k;
        while (k < src.size() && is_name_char(src[k]))
            ++k;
        const std::string name(src.substr(name_start, k - name_start));
        std::optional<std::string_view> fallback;
        if (src.substr(k, 2) == ":-") {
            k += 2;
            const std::size_t def_start = k;
            while (k < src.size() && src[k] != '}' && src[k] != '\n' && src[k] != '"')
                ++k;
            fallback = src.substr(def_start, k - def_start);
        }
        if (k >= src.size() || src[k] != '}')
            return false;
        pos = k + 1;
        const auto value = lookup(name);
        if (fallback && (!value || value->empty())) {
            out += *fallback;
        } else if (value) {
            out += *value;
        }
        return true;
    }

    Status entry() {
        const std::size_t entry_line = line_;
        if (s_.substr(i_, 6) == "export" && (peek(6) == ' ' || peek(6) == '\t')) {
            std::size_t j = i_ + 6;
            while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t'))
                ++j;
            if (j < s_.size() && is_name_start(s_[j]))
                i_ = j;
        }
        if (!is_name_start(peek()))
            return fail(entry_line, "expected a variable name");
        const std::size_t key_start = i_;
        while (!at_end() && is_key_char(s_[i_]))
            ++i_;
        std::string key(s_.substr(key_start, i_ - key_start));
        skip_blanks();
        if (peek() != '=')
            return fail(entry_line, "expected '=' after the variable name");
        ++i_;
        const std::size_t value_start = i_;
        skip_blanks();
        const bool blank_before = i_ > value_start;

        std::string value;
        if (peek() == '\'' || peek() == '"') {
            Status st = peek() == '\'' ? single_quoted(entry_line, value)
                                       : double_quoted(entry_line, value);
            if (!st)
                return st;
            skip_blanks();
            if (peek() == '#')
                skip_to_eol();
            if (!at_end() && s_[i_] != '\n') {
                return fail(line_, "unexpected text after the closing quote");
            }
        } else if (auto st = unquoted(blank_before, value); !st) {
            return st;
        }
        if (exhausted_) {
            return fail(entry_line,
                        fmt::format("variable references expand to more than {} MiB; .env "
                                    "values must be written out, not built by doubling",
                                    kExpansionBudget >> 20));
        }
        if (refused_) {
            // Names only, never values; shortened so the message stays one short line.
            return fail(entry_line,
                        fmt::format("${{{}}} holds a secret; .env may not copy a secret into "
                                    "another variable (set {} itself instead)",
                                    short_name(*refused_), short_name(key)));
        }
        store(std::move(key), std::move(value));
        return Status::ok();
    }

    Status single_quoted(std::size_t entry_line, std::string& value) {
        const auto close = s_.find('\'', i_ + 1);
        if (close == std::string_view::npos) {
            return fail(entry_line, "unterminated single-quoted value");
        }
        value.assign(s_.substr(i_ + 1, close - i_ - 1));
        for (const char c : value)
            line_ += c == '\n' ? 1 : 0;
        i_ = close + 1;
        return Status::ok();
    }

    Status double_quoted(std::size_t entry_line, std::string& value) {
        ++i_;
        for (;;) {
            if (at_end())
                return fail(entry_line, "unterminated double-quoted value");
            const char c = s_[i_];
            if (c == '"') {
                ++i_;
                return Status::ok();
            }
            if (c == '\\' && i_ + 1 < s_.size()) {
                const char n = s_[i_ + 1];
                switch (n) {
                    case 'n':
                        value += '\n';
                        break;
                    case 'r':
                        value += '\r';
                        break;
                    case 't':
                        value += '\t';
                        break;
                    case '"':
                    case '\\':
                    case '$':
                        value += n;
                        break;
                    default:
                        value += c;
                        value += n;
                        if (n == '\n')
                            ++line_;
                }
                i_ += 2;
                continue;
            }
            if (c == '$' && peek(1) == '{') {
                if (!expand_braced(s_, i_, value))
                    return fail(line_, "malformed ${...} reference");
                continue;
            }
            if (c == '\n')
                ++line_;
            value += c;
            ++i_;
        }
    }

    Status unquoted(bool blank_before, std::string& value) {
        const std::size_t start = i_;
        skip_to_eol();
        std::string_view raw = s_.substr(start, i_ - start);
        for (std::size_t k = 0; k < raw.size(); ++k) {
            if (raw[k] == '#' && (k == 0 ? blank_before : is_blank(raw[k - 1]))) {
                raw = raw.substr(0, k);
                break;
            }
        }
        raw = util::trim(raw);
        for (std::size_t k = 0; k < raw.size();) {
            if (raw[k] == '$' && k + 1 < raw.size() && raw[k + 1] == '{') {
                if (!expand_braced(raw, k, value))
                    return fail(line_, "malformed ${...} reference");
            } else if (raw[k] == '$' && k + 1 < raw.size() && is_name_start(raw[k + 1])) {
                std::size_t e = k + 1;
                while (e < raw.size() && is_name_char(raw[e]))
                    ++e;
                if (auto v = lookup(std::string(raw.substr(k + 1, e - k - 1))))
                    value += *v;
                k = e;
            } else {
                value += raw[k++];
            }
        }
        return Status::ok();
    }

    void store(std::string key, std::string value) {
        if (auto it = index_.find(key); it != index_.end()) {
            out_[it->second].second = std::move(value);
            return;
        }
        index_.emplace(key, out_.size());
        out_.emplace_back(std::move(key), std::move(value));
    }

    std::string_view s_;
    const EnvLookup& env_;
    std::size_t i_ = 0;
    std::size_t line_ = 1;
    Pairs out_;
    std::map<std::string, std::size_t> index_;
    mutable std::optional<std::string> refused_;
    static constexpr std::size_t kExpansionBudget = std::size_t{16} << 20;
    mutable std::size_t expanded_ = 0;  // bytes references have expanded to so far
    mutable bool exhausted_ = false;
};

}  // namespace

bool dotenv_may_set(std::string_view name) {
    // libpq's connection variables (libpq's "Environment Variables" list), pgmi's own, and cloud
    // credentials. Files they name (PGPASSFILE, PGSSLKEY, GOOGLE_APPLICATION_CREDENTIALS) only
    // shape the connection or the identity used; none runs a program or redirects a secret of
    // the user's to another endpoint (a Google key file's token_uri carries that key's own JWT).
    static constexpr std::string_view kAllowed[] = {
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGDATABASE",
        "PGUSER",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGOPTIONS",
        "PGAPPNAME",
        "PGSSLMODE",
        "PGSSLNEGOTIATION",
        "PGREQUIRESSL",
        "PGSSLCOMPRESSION",
        "PGSSLCERT",
        "PGSSLKEY",
        "PGSSLCERTMODE",
        "PGSSLROOTCERT",
        "PGSSLCRL",
        "PGSSLCRLDIR",
        "PGSSLSNI",
        "PGSSLPASSWORD",
        "PGREQUIREPEER",
        "PGSSLMINPROTOCOLVERSION",
        "PGSSLMAXPROTOCOLVERSION",
        "PGGSSENCMODE",
        "PGKRBSRVNAME",
        "PGGSSLIB",
        "PGGSSDELEGATION",
        "PGREQUIREAUTH",
        "PGCHANNELBINDING",
        "PGCONNECT_TIMEOUT",
        "PGCLIENTENCODING",
        "PGTARGETSESSIONATTRS",
        "PGLOADBALANCEHOSTS",
        "PGDATESTYLE",
        "PGTZ",
        "PGGEQO",
        "PGMI_CONNECTION_STRING",
        "DATABASE_URL",
        "PGMI_MAX_FILE_SIZE",
        "PGMI_NON_INTERACTIVE",
        "PGMI_NO_BANNER",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AWS_ACCESS_KEY_ID",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_EC2_METADATA_DISABLED",
        "GOOGLE_APPLICATION_CREDENTIALS",
    };
    return std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed);
}

bool is_secret_variable(std::string_view name) {
    const std::string upper = util::to_upper(name);
    for (std::string_view whole : {"DATABASE_URL", "PGMI_CONNECTION_STRING", "IDENTITY_HEADER"}) {
        if (upper == whole)
            return true;
    }
    for (std::string_view part : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE_KEY"}) {
        if (upper.find(part) != std::string::npos)
            return true;
    }
    return false;
}

Result<Pairs> parse_dotenv(std::string_view text, const EnvLookup& env) {
    const std::string normalized = normalize(text);
    return Parser(normalized, env).run();
}

Result<Pairs> parse_dotenv(std::string_view text) {
    return parse_dotenv(text, process_env());
}

Result<DotenvLoad> load_project_dotenv(const std::string& project_dir) {
    const std::string path = (std::filesystem::path(project_dir) / ".env").string();
    DotenvLoad load;
    // A file of the project: never through a link, never a named pipe or device, never unbounded.
    util::ReadResult read = util::read_regular_file(
        path, {.max_bytes = kMaxDotenvBytes, .follow_symlinks = false, .limit_for = ".env"});
    if (!read) {
        const util::FileError& e = read.error();
        switch (e.fault) {
            case util::FileFault::Missing:
                return load;
            case util::FileFault::Directory:  // e.g. a Python virtualenv named .env
            case util::FileFault::Unreadable:
                load.warning = fmt::format(
                    "WARNING: {} could not be read ({}), so none of its values were applied.", path,
                    std::strerror(e.os_error));
                return load;
            case util::FileFault::Symlink:
                return make_error(ErrorKind::Config,
                                  e.message +
                                      "; pgmi does not follow links inside a project (copy the "
                                      "file in)");
            case util::FileFault::Special:
            case util::FileFault::TooLarge:
            case util::FileFault::Grew:
                break;
        }
        return make_error(ErrorKind::Config, e.message);
    }
    const std::string& content = read.value();
    const auto parsed = parse_dotenv(content);
    if (!parsed) {
        // The parser's message names a line and the kind of fault, never the content.
        load.warning = fmt::format(
            "WARNING: {} could not be parsed ({}), so none of its values were applied.\n"
            "Every line must be KEY=VALUE, a # comment, or blank.",
            path, parsed.error().message);
        return load;
    }
    for (const auto& [key, value] : parsed.value()) {
        if (!dotenv_may_set(key)) {
            load.refused.push_back(key);
            continue;
        }
        if (::getenv(key.c_str()) != nullptr)
            continue;  // the environment wins
        ::setenv(key.c_str(), value.c_str(), 0);
        load.applied.push_back(key);
    }
    std::vector<std::string> named;
    for (const std::string& key : load.refused) {
        if (acted_on_by_this_machine(key))
            named.push_back(short_name(key));
    }
    if (!named.empty()) {
        constexpr std::size_t kShown = 6;
        std::string list = fmt::format(
            "{}", fmt::join(named.begin(), named.begin() + std::min(named.size(), kShown), ", "));
        if (named.size() > kShown)
            list += fmt::format(" and {} more", named.size() - kShown);
        load.warning = fmt::format(
            "WARNING: {} sets {}, which a project may not choose, so {} not applied.\n"
            "A project's .env may set connection variables (PG*, PGMI_CONNECTION_STRING, "
            "DATABASE_URL) and cloud credentials; export anything else in your own environment.",
            path, list, named.size() == 1 ? "it was" : "they were");
    }
    return load;
}

}  // namespace pgmi::config
