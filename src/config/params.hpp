// Deployment parameters (connections §6): `--param k=v`, `--params-file` (.env-like format) and
// pgmi.yaml `params:`, merged with precedence yaml < files (in order) < flags (in order).
// Keys are lower-cased before merging, so sources override case-insensitively, and validated
// here, offline, before anything connects.
//
// Secrets: values are never quoted in an error. Keys are quoted only when they look like names
// (see config/text.hpp): a --param without '=' is quoted only when it is a short identifier-like
// word (`--param env`), because `--param "$TOKEN"` would otherwise print the token; an invalid key
// such as `DB_URL: postgres://u:pw@h/db?sslmode` (a pasted YAML line) is described, not quoted.
// Params-file syntax errors name the file and line number only.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace pgmi::config {

/// Final parameters: lower-cased key -> value, sorted by key.
using Params = std::map<std::string, std::string>;

/// Parses one `--param` occurrence ("key=value", split at the first '='; neither part trimmed,
/// the value may be empty or contain '='). Errors are Config and never show the value.
Result<std::pair<std::string, std::string>> parse_param_flag(std::string_view arg);

/// Parses the text of a params file (pgmi's minimal KEY=VALUE format, connections §6.2). `path`
/// only names the file in messages. Returns pairs in file order. Errors are Config and name the
/// line number, never its content. Keys are not validated here (merge_params does).
Result<std::vector<std::pair<std::string, std::string>>> parse_params_text(std::string_view text,
                                                                           const std::string& path);

/// The largest params file read (values are session parameters, not payloads).
inline constexpr std::size_t kMaxParamsFileBytes = std::size_t{1} << 20;

/// Reads and parses a params file (a link is followed; the target must be a regular file of at
/// most kMaxParamsFileBytes). Otherwise a Config error naming the path and the reason.
Result<std::vector<std::pair<std::string, std::string>>> read_params_file(const std::string& path);

/// Checks a key (^[A-Za-z_][A-Za-z0-9_]{0,62}$) and value (UTF-8, no NUL). Errors are Config,
/// worded as in connections §6.3, and never include the value.
Status validate_param(std::string_view key, std::string_view value);

struct ParamSources {
    std::vector<std::pair<std::string, std::string>> yaml;  // pgmi.yaml params, document order
    std::vector<std::string> files;                         // --params-file paths, in order
    std::vector<std::string> flags;                         // raw --param values, in order
};

/// Receives verbose progress lines (counts and file paths only, never keys or values), without
/// the "[VERBOSE] " prefix.
using VerboseSink = std::function<void(const std::string&)>;

/// Merges every source with its precedence, lower-cases keys and validates all of them.
/// Files are read here, in order; the first error stops the merge.
Result<Params> merge_params(const ParamSources& sources, const VerboseSink& verbose = {});

}  // namespace pgmi::config
