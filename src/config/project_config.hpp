// pgmi.yaml (connections §3): strict schema, unknown keys and wrong types are Config errors that
// name the key. Missing file = empty config. Holds no secrets by design (no password key).
//
// Every error reads `failed to load pgmi.yaml: parse <path>: [line L, column C: ]<detail>` and
// names keys and positions only, never a scalar value from the file. Keys that name a secret
// (password, sslpassword, client_secret, token...) get a message pointing to the right source.
// Scalars for string fields and params keep their literal text (`5432`, `true`); null (`host:`,
// `~`) means unset for connection fields and "" for params; `port` must be a plain decimal
// integer 0-65535 (0 = unset); duplicate keys are errors; only the first document is read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"
#include "util/file.hpp"

namespace pgmi::config {

/// The largest pgmi.yaml read or parsed (a real one is a few hundred bytes).
inline constexpr std::size_t kMaxProjectConfigBytes = util::kConfigFileMaxBytes;

struct YamlConnection {
    std::optional<std::string> host;
    std::optional<int> port;
    std::optional<std::string> username;
    std::optional<std::string> database;
    std::optional<std::string> maintenance_database;
    std::optional<std::string> sslmode;
    std::optional<std::string> sslcert;
    std::optional<std::string> sslkey;
    std::optional<std::string> sslrootcert;
    std::optional<std::string> auth_method;
    std::optional<std::string> azure_tenant_id;
    std::optional<std::string> azure_client_id;
    std::optional<std::string> aws_region;
    std::optional<std::string> google_instance;
    std::optional<std::string> google_ip_type;  // "public" (default) or "private"
};

struct ProjectConfig {
    YamlConnection connection;
    std::vector<std::pair<std::string, std::string>> params;  // document order, literal text
    std::optional<std::string> timeout;                       // duration text
};

/// Parses YAML text (first document only). `path` only names the file in messages. Never throws.
/// Text over kMaxProjectConfigBytes is refused before parsing.
Result<ProjectConfig> parse_project_config(std::string_view text, const std::string& path);

/// Reads `<project>/pgmi.yaml` (the directory may be a link; pgmi.yaml may not); a missing file
/// gives an empty config. Config error when it is unreadable (naming the OS error), a link, a
/// named pipe or other special file, or over kMaxProjectConfigBytes.
Result<ProjectConfig> load_project_config(const std::filesystem::path& project_dir);

}  // namespace pgmi::config
