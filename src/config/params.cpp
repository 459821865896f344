#include "config/params.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstring>
#include <filesystem>

#include "config/text.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::config {

namespace {

constexpr std::size_t kMaxLineBytes = 64 * 1024;
constexpr std::size_t kMaxKeyBytes = 63;
// A --param without '=' is quoted only when it is at most this long (see params.hpp).
constexpr std::size_t kMaxQuotedFlagBytes = 24;
constexpr std::string_view kExample = "(example: --param env=production)";
constexpr std::string_view kParseTip = "Tip: Verify the file format (KEY=VALUE)";

Error config_error(std::string message) {
    return make_error(ErrorKind::Config, std::move(message));
}

bool is_key_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_key_char(char c) {
    return is_key_start(c) || (c >= '0' && c <= '9');
}

bool is_valid_key(std::string_view key) {
    if (key.empty() || key.size() > kMaxKeyBytes || !is_key_start(key.front()))
        return false;
    for (const char c : key) {
        if (!is_key_char(c))
            return false;
    }
    return true;
}

// "export KEY" from a shell-style params file.
bool has_export_prefix(std::string_view key) {
    if (key.size() < 7 || util::to_lower(key.substr(0, 6)) != "export")
        return false;
    return key[6] == ' ' || key[6] == '\t';
}

Error params_file_line_error(const std::string& path, std::size_t line, std::string_view what) {
    return config_error(fmt::format("failed to parse params file '{}': line {}: {}\n\n{}", path,
                                    line, what, kParseTip));
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_param_flag(std::string_view arg) {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos) {
        if (text::is_name_like(arg, kMaxQuotedFlagBytes, false)) {
            return config_error(fmt::format(
                "invalid parameter format: parameter \"{}\" is not in key=value format {}", arg,
                kExample));
        }
        return config_error(
            fmt::format("invalid parameter format: a --param value is not in key=value format "
                        "(its text is not shown because it may hold a secret) {}",
                        kExample));
    }
    if (eq == 0) {
        if (arg.size() == 1) {
            return config_error(fmt::format(
                "invalid parameter format: parameter has empty key: \"=\" {}", kExample));
        }
        return config_error(fmt::format(
            "invalid parameter format: parameter has empty key: \"=...\" (value not shown) {}",
            kExample));
    }
    return std::pair{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

Result<std::vector<std::pair<std::string, std::string>>> parse_params_text(
    std::string_view content, const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string_view rest = text::strip_bom(content);
    std::size_t line_no = 0;
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() > kMaxLineBytes) {
            return params_file_line_error(path, line_no, "line longer than 64 KiB");
        }
        line = util::trim(line);
        if (line.empty() || line.front() == '#')
            continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            return params_file_line_error(path, line_no, "invalid format, expected KEY=VALUE");
        }
        const std::string_view key = util::trim(line.substr(0, eq));
        std::string_view value = util::trim(line.substr(eq + 1));
        if (key.empty())
            return params_file_line_error(path, line_no, "empty key");
        if (value.size() >= 2 && value.front() == value.back() &&
            (value.front() == '"' || value.front() == '\'')) {
            value = value.substr(1, value.size() - 2);
        }
        out.emplace_back(std::string(key), std::string(value));
    }
    return out;
}

Result<std::vector<std::pair<std::string, std::string>>> read_params_file(const std::string& path) {
    // A path the user names: a link is followed (like any command-line file), but what is read
    // must be a regular file under the cap (a named pipe would block, /dev/zero never ends).
    util::ReadResult read = util::read_regular_file(
        path,
        {.max_bytes = kMaxParamsFileBytes, .follow_symlinks = true, .limit_for = "a params file"});
    if (!read) {
        const util::FileError& e = read.error();
        const bool os = e.fault == util::FileFault::Missing ||
                        e.fault == util::FileFault::Unreadable ||
                        e.fault == util::FileFault::Directory;
        return config_error(fmt::format(
            "failed to read params file '{}': {}\n\nTip: check the path, or pass values directly "
            "with --param KEY=VALUE",
            path, os ? std::string(std::strerror(e.os_error)) : "it " + e.reason));
    }
    return parse_params_text(read.value(), path);
}

Status validate_param(std::string_view key, std::string_view value) {
    if (!is_valid_key(key)) {
        const std::string shown =
            text::is_name_like(key, kMaxKeyBytes + 1, true)
                ? fmt::format("'{}'", key)
                : std::string("(not shown because it looks like it may hold a value)");
        std::string message = fmt::format(
            "invalid parameter key {}: must start with a letter or underscore and contain only "
            "letters, digits and underscores, 1-63 characters (PostgreSQL identifier limit)",
            shown);
        if (has_export_prefix(key)) {
            message += "; remove the leading \"export\": params files hold plain KEY=VALUE lines";
        }
        return config_error(std::move(message));
    }
    if (const auto nul = value.find('\0'); nul != std::string_view::npos) {
        return config_error(fmt::format(
            "invalid parameter value for '{}': contains NUL byte at offset {}", key, nul));
    }
    if (!text::is_valid_utf8(value)) {
        return config_error(fmt::format("invalid parameter value for '{}': not valid UTF-8", key));
    }
    return Status::ok();
}

Result<Params> merge_params(const ParamSources& sources, const VerboseSink& verbose) {
    Params out;
    auto put = [&out](std::string_view key, std::string_view value) -> Status {
        if (auto st = validate_param(key, value); !st)
            return st;
        out.insert_or_assign(util::to_lower(key), std::string(value));
        return Status::ok();
    };

    for (const auto& [key, value] : sources.yaml) {
        if (auto st = put(key, value); !st)
            return std::move(st).error();
    }

    for (const auto& path : sources.files) {
        if (verbose)
            verbose("Loading parameters from file: " + path);
        auto pairs = read_params_file(path);
        if (!pairs)
            return std::move(pairs).error();
        for (const auto& [key, value] : *pairs) {
            if (auto st = put(key, value); !st)
                return std::move(st).error();
        }
        if (verbose) {
            verbose(fmt::format("Loaded {} parameters from file (total: {})", pairs->size(),
                                out.size()));
        }
    }

    std::size_t overridden = 0;
    for (const auto& flag : sources.flags) {
        auto pair = parse_param_flag(flag);
        if (!pair)
            return std::move(pair).error();
        const bool existed = is_valid_key(pair->first) && out.count(util::to_lower(pair->first));
        if (auto st = put(pair->first, pair->second); !st)
            return std::move(st).error();
        if (existed)
            ++overridden;
    }
    if (verbose && overridden > 0) {
        verbose(fmt::format("CLI parameters override {} value(s)", overridden));
    }
    return out;
}

}  // namespace pgmi::config
