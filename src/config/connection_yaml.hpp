// The `connection:` block of pgmi.yaml: writing it for the settings a wizard captured, and putting
// it into an existing file while keeping every other line (comments, params, timeout, key order)
// as it was. Never a password: pgmi.yaml holds no secrets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/project_config.hpp"
#include "util/error.hpp"

namespace pgmi::config {

/// Connection defaults captured by a wizard. Never a password. An empty string (port 0) is not
/// written: Google Cloud SQL has no host or port, password auth no auth_method.
struct ConnectionSettings {
    std::string host = "localhost";
    int port = 5432;
    std::string database;
    std::string maintenance_database;
    std::string username;
    std::string sslmode = "prefer";
    std::string sslcert, sslkey, sslrootcert;
    std::string auth_method;  // "azure", "aws", "google"; "" = password
    std::string azure_tenant_id, azure_client_id;
    std::string aws_region;
    std::string google_instance;
};

/// The keys `c` sets with their values, in the order they are written (port as decimal text).
std::vector<std::pair<std::string_view, std::string>> connection_fields(
    const ConnectionSettings& c);

/// The settings pgmi.yaml's `connection:` block holds (unset keys as "" / 0).
ConnectionSettings settings_from(const YamlConnection& yaml);

/// `s` as a YAML scalar: plain when that reads back as the same string, else double-quoted with
/// `"`, `\` and control characters escaped.
std::string yaml_scalar(std::string_view s);

/// The `connection:` mapping of pgmi.yaml for `c` (ends in "\n").
std::string connection_block(const ConnectionSettings& c);

/// `yaml` with its top-level `connection:` block replaced by `c` (or added after the leading
/// comments when it has none); other keys and comments are kept, and so are commented examples of
/// keys `c` does not set. The result is validated as a pgmi.yaml and must read back as `c`;
/// Config on failure. Linear in the size of `yaml` (it is a project file: hostile input).
Result<std::string> merge_connection(std::string_view yaml, const ConnectionSettings& c);

}  // namespace pgmi::config
