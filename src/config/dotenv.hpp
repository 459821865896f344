// The project's `.env` file (connections §2.3): dotenv semantics, loaded into the process
// environment before pgmi.yaml, never overriding a variable that is already set. All or nothing:
// a file that does not parse applies no value, and the warning never quotes its content.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace pgmi::config {

/// Parses dotenv text: KEY=VALUE, optional `export `, # comments, single quotes (literal),
/// double quotes (escapes \n \t \\ \" and ${VAR}), unquoted values with ${VAR} and trailing
/// comments. `lookup` resolves ${VAR} (earlier keys of the same file win over it).
/// On failure the error says only the line number, never the content.
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view text);

/// Loads `<project>/.env` into the environment (setenv without overwrite). A missing file is
/// silent; an unparsable one returns the warning text to print (two lines) and applies nothing.
/// Returns an empty string when nothing needs to be said.
std::string load_project_dotenv(const std::string& project_dir);

}  // namespace pgmi::config
