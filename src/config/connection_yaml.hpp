// The `connection:` block of pgmi.yaml: writing it for the settings a wizard captured, and putting
// it into an existing file while keeping every other line (comments, params, timeout, key order)
// as it was. Never a password: pgmi.yaml holds no secrets.
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace pgmi::config {

/// Connection defaults captured by a wizard. Never a password.
struct ConnectionSettings {
    std::string host = "localhost";
    int port = 5432;
    std::string database;
    std::string username;  // empty = not written
    std::string sslmode = "prefer";
};

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
