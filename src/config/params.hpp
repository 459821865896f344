// Deployment parameters (connections §6): `--param k=v`, `--params-file` (.env-like format) and
// pgmi.yaml `params:`, merged with precedence yaml < files (in order) < flags (in order).
// Keys are lower-cased before merging, so sources override case-insensitively, and validated
// here, offline, before anything connects.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace pgmi::config {

/// Final parameters: lower-cased key -> value, sorted by key.
using Params = std::map<std::string, std::string>;

/// Parses one `--param` occurrence ("key=value", split at the first '='). Errors are Config.
Result<std::pair<std::string, std::string>> parse_param_flag(std::string_view arg);

/// Parses the text of a params file (pgmi's minimal KEY=VALUE format, §6.2). `path` only names
/// the file in messages. Returns pairs in file order. Errors are Config and name the line.
Result<std::vector<std::pair<std::string, std::string>>> parse_params_text(std::string_view text,
                                                                          const std::string& path);

/// Reads and parses a params file.
Result<std::vector<std::pair<std::string, std::string>>> read_params_file(const std::string& path);

/// Checks a key (^[A-Za-z_][A-Za-z0-9_]{0,62}$) and value (UTF-8, no NUL). Errors are Config.
Status validate_param(std::string_view key, std::string_view value);

struct ParamSources {
    std::vector<std::pair<std::string, std::string>> yaml;  // pgmi.yaml params, document order
    std::vector<std::string> files;                         // --params-file paths, in order
    std::vector<std::string> flags;                         // raw --param values, in order
};

/// Merges every source with its precedence, lower-cases keys and validates all of them.
Result<Params> merge_params(const ParamSources& sources);

}  // namespace pgmi::config
