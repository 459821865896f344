#include "config/project_config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <set>

#include "config/text.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::config {

namespace {

// Keys are quoted in messages only when they look like names (see config/text.hpp).
constexpr std::size_t kMaxQuotedKeyBytes = 64;

constexpr std::array<std::string_view, 3> kTopKeys = {"connection", "params", "timeout"};
constexpr std::array<std::string_view, 15> kConnectionKeys = {"host",
                                                              "port",
                                                              "username",
                                                              "database",
                                                              "maintenance_database",
                                                              "sslmode",
                                                              "sslcert",
                                                              "sslkey",
                                                              "sslrootcert",
                                                              "auth_method",
                                                              "azure_tenant_id",
                                                              "azure_client_id",
                                                              "aws_region",
                                                              "google_instance",
                                                              "google_ip_type"};

// A decoding fault: the message detail after "parse <path>: ".
using Fault = std::optional<std::string>;

std::string at(const YAML::Mark& mark, std::string_view what) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0)
        return std::string(what);
    return fmt::format("line {}, column {}: {}", mark.line + 1, mark.column + 1, what);
}

std::string join_path(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
}

// `"connection.host"`, or a description when the key does not look like a name.
std::string quoted_key(std::string_view prefix, std::string_view name) {
    if (text::is_name_like(name, kMaxQuotedKeyBytes, true)) {
        return fmt::format("\"{}\"", join_path(prefix, name));
    }
    return prefix.empty()
               ? std::string("(a key that is not a plain name, not shown)")
               : fmt::format("under \"{}\" (a key that is not a plain name, not shown)", prefix);
}

// Where a secret named by `name` belongs instead, or nullopt when the name is not a secret's.
std::optional<std::string_view> secret_home(std::string_view name) {
    std::string n = util::to_lower(name);
    for (char& c : n) {
        if (c == '-')
            c = '_';
    }
    auto has = [&n](std::string_view part) { return n.find(part) != std::string::npos; };
    const bool password = has("password") || has("passwd") || n == "pwd" || n == "pass";
    if (password && has("ssl"))
        return "PGSSLPASSWORD";
    if (password)
        return "PGPASSWORD, ~/.pgpass or a cloud identity";
    if (has("secret"))
        return "AZURE_CLIENT_SECRET or a managed identity";
    if (has("token"))
        return "a cloud identity (--azure, --aws or --google)";
    if (n == "api_key" || n == "apikey" || n == "private_key")
        return "environment variables";
    return std::nullopt;
}

template <std::size_t N>
std::string allowed_list(const std::array<std::string_view, N>& keys) {
    std::string out;
    for (const auto k : keys) {
        if (!out.empty())
            out += ", ";
        out += k;
    }
    return out;
}

// Checks the keys of a mapping (scalar, unique, not a secret, in `allowed`) and hands each
// (name, value) to `visit`, which returns a Fault.
template <std::size_t N, class Visit>
Fault each_entry(const YAML::Node& map, std::string_view prefix,
                 const std::array<std::string_view, N>& allowed, Visit visit) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
        const YAML::Node& key = kv.first;
        if (!key.IsScalar()) {
            return at(key.Mark(),
                      prefix.empty()
                          ? std::string("mapping keys must be plain names")
                          : fmt::format("keys under \"{}\" must be plain names", prefix));
        }
        const std::string& name = key.Scalar();
        if (auto home = secret_home(name)) {
            const std::string what = text::is_name_like(name, kMaxQuotedKeyBytes, false)
                                         ? fmt::format("remove {}", join_path(prefix, name))
                                         : std::string("remove that key");
            return at(key.Mark(),
                      fmt::format("pgmi.yaml must not hold secrets: {} and use {}", what, *home));
        }
        bool known = false;
        for (const auto k : allowed)
            known = known || k == name;
        if (!known) {
            std::string hint = fmt::format("(allowed: {})", allowed_list(allowed));
            const std::string lowered = util::to_lower(name);
            for (const auto k : allowed) {
                if (k == lowered) {
                    hint = fmt::format("(keys are case-sensitive: did you mean \"{}\"?)",
                                       join_path(prefix, k));
                }
            }
            return at(key.Mark(), fmt::format("unknown key {} {}", quoted_key(prefix, name), hint));
        }
        if (!seen.insert(name).second) {
            return at(key.Mark(), fmt::format("duplicate key {}", quoted_key(prefix, name)));
        }
        if (auto fault = visit(name, kv.second))
            return fault;
    }
    return std::nullopt;
}

Fault decode_string(const YAML::Node& value, std::string_view path,
                    std::optional<std::string>& out) {
    if (value.IsNull()) {
        out.reset();
        return std::nullopt;
    }
    if (!value.IsScalar())
        return at(value.Mark(), fmt::format("\"{}\" must be a string", path));
    out = value.Scalar();
    return std::nullopt;
}

Fault decode_port(const YAML::Node& value, std::optional<int>& out) {
    if (value.IsNull()) {
        out.reset();
        return std::nullopt;
    }
    const std::string_view what = "\"connection.port\" must be an integer";
    if (!value.IsScalar())
        return at(value.Mark(), what);
    if (value.Tag() != "?" && value.Tag() != "tag:yaml.org,2002:int") {
        return at(value.Mark(), fmt::format("{} (without quotes or a tag)", what));
    }
    std::string_view s = value.Scalar();
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty())
        return at(value.Mark(), what);
    std::int64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9')
            return at(value.Mark(), what);
        n = n * 10 + (c - '0');
        if (n > 65535)
            break;
    }
    if (negative && n != 0)
        n = -1;
    if (n < 0 || n > 65535) {
        return at(value.Mark(),
                  "\"connection.port\" must be between 1 and 65535 (0 or absent: default)");
    }
    out = static_cast<int>(n);
    return std::nullopt;
}

Fault decode_connection(const YAML::Node& node, YamlConnection& c) {
    if (node.IsNull())
        return std::nullopt;
    if (!node.IsMap()) {
        return at(node.Mark(), "\"connection\" must be a mapping of connection settings");
    }
    return each_entry(node, "connection", kConnectionKeys,
                      [&c](const std::string& name, const YAML::Node& value) -> Fault {
                          const std::string path = "connection." + name;
                          if (name == "port")
                              return decode_port(value, c.port);
                          std::optional<std::string>* field = nullptr;
                          if (name == "host")
                              field = &c.host;
                          if (name == "username")
                              field = &c.username;
                          if (name == "database")
                              field = &c.database;
                          if (name == "maintenance_database")
                              field = &c.maintenance_database;
                          if (name == "sslmode")
                              field = &c.sslmode;
                          if (name == "sslcert")
                              field = &c.sslcert;
                          if (name == "sslkey")
                              field = &c.sslkey;
                          if (name == "sslrootcert")
                              field = &c.sslrootcert;
                          if (name == "auth_method")
                              field = &c.auth_method;
                          if (name == "azure_tenant_id")
                              field = &c.azure_tenant_id;
                          if (name == "azure_client_id")
                              field = &c.azure_client_id;
                          if (name == "aws_region")
                              field = &c.aws_region;
                          if (name == "google_instance")
                              field = &c.google_instance;
                          if (name == "google_ip_type")
                              field = &c.google_ip_type;
                          return decode_string(value, path, *field);
                      });
}

Fault decode_params(const YAML::Node& node, std::vector<std::pair<std::string, std::string>>& out) {
    if (node.IsNull())
        return std::nullopt;
    if (!node.IsMap())
        return at(node.Mark(), "\"params\" must be a mapping of names to values");
    std::set<std::string> seen;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            return at(kv.first.Mark(), "keys under \"params\" must be plain names");
        }
        const std::string& name = kv.first.Scalar();
        if (!seen.insert(name).second) {
            return at(kv.first.Mark(), fmt::format("duplicate key {}", quoted_key("params", name)));
        }
        if (kv.second.IsNull()) {
            out.emplace_back(name, "");
        } else if (kv.second.IsScalar()) {
            out.emplace_back(name, kv.second.Scalar());
        } else {
            return at(kv.second.Mark(),
                      fmt::format("{} must be a single value (string, number or boolean)",
                                  text::is_name_like(name, kMaxQuotedKeyBytes, true)
                                      ? fmt::format("\"params.{}\"", name)
                                      : std::string("a params entry")));
        }
    }
    return std::nullopt;
}

Fault decode_root(const YAML::Node& root, ProjectConfig& cfg) {
    if (!root.IsDefined() || root.IsNull())
        return std::nullopt;
    if (!root.IsMap()) {
        return at(root.Mark(), fmt::format("the top level must be a mapping with the keys {}",
                                           allowed_list(kTopKeys)));
    }
    return each_entry(
        root, "", kTopKeys, [&cfg](const std::string& name, const YAML::Node& value) -> Fault {
            if (name == "connection")
                return decode_connection(value, cfg.connection);
            if (name == "params")
                return decode_params(value, cfg.params);
            if (!value.IsNull() && !value.IsScalar()) {
                return at(value.Mark(), "\"timeout\" must be a duration such as 30s, 5m or 1h30m");
            }
            return decode_string(value, "timeout", cfg.timeout);
        });
}

// yaml-cpp messages end in ": <text from the file>" for some faults (escapes, unicode); drop it.
std::string_view without_content(std::string_view msg) {
    if (const auto colon = msg.find(':'); colon != std::string_view::npos) {
        return msg.substr(0, colon);
    }
    return msg;
}

Error load_error(const std::string& path, std::string_view detail) {
    return make_error(ErrorKind::Config,
                      fmt::format("failed to load pgmi.yaml: parse {}: {}", path, detail));
}

}  // namespace

Result<ProjectConfig> parse_project_config(std::string_view content, const std::string& path) {
    ProjectConfig cfg;
    // The same cap as the file: yaml-cpp never sees more, whoever hands the text in.
    if (content.size() > kMaxProjectConfigBytes) {
        return load_error(path,
                          fmt::format("the text is {} bytes, over the {} limit for pgmi.yaml",
                                      content.size(), util::format_size(kMaxProjectConfigBytes)));
    }
    Fault fault;
    try {
        const YAML::Node root = YAML::Load(std::string(content));
        fault = decode_root(root, cfg);
    } catch (const YAML::Exception& e) {
        fault = at(e.mark, without_content(e.msg));
    } catch (const std::exception&) {
        fault = "the file could not be decoded";
    } catch (...) {
        fault = "the file could not be decoded";
    }
    if (fault)
        return load_error(path, *fault);
    return cfg;
}

Result<ProjectConfig> load_project_config(const std::filesystem::path& project_dir) {
    const std::filesystem::path path = project_dir / "pgmi.yaml";
    // A file of the project: never through a link (it could be any file the user can read), never
    // a named pipe or device (a pipe would block before --timeout starts), never unbounded.
    util::ReadResult read = util::read_regular_file(
        path,
        {.max_bytes = kMaxProjectConfigBytes, .follow_symlinks = false, .limit_for = "pgmi.yaml"});
    if (!read) {
        const util::FileError& e = read.error();
        switch (e.fault) {
            case util::FileFault::Missing:
                return ProjectConfig{};
            case util::FileFault::Directory:
            case util::FileFault::Unreadable:
                return load_error(path.string(), fmt::format("cannot read the file: {}",
                                                             std::strerror(e.os_error)));
            case util::FileFault::Symlink:
                return make_error(ErrorKind::Config,
                                  fmt::format("failed to load pgmi.yaml: {}; pgmi does not follow "
                                              "links inside a project (copy the file in)",
                                              e.message));
            case util::FileFault::Special:
            case util::FileFault::TooLarge:
            case util::FileFault::Grew:
                break;
        }
        return make_error(ErrorKind::Config, "failed to load pgmi.yaml: " + e.message);
    }
    return parse_project_config(read.value(), path.string());
}

}  // namespace pgmi::config
