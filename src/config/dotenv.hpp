// The project's `.env` file (connections §2.3): dotenv semantics, loaded into the process
// environment before pgmi.yaml, never overriding a variable that is already set. All or nothing:
// a file that does not parse applies no value, and the warning never quotes its content.
//
// Syntax (one entry per line, blank lines and lines starting with # ignored; UTF-8 BOM and CRLF
// accepted):
//   [export ]KEY=VALUE         KEY is [A-Za-z_][A-Za-z0-9_.-]*; spaces around '=' are allowed
//   KEY=unquoted value # note  trimmed; " #" starts a comment; ${VAR}, ${VAR:-default} and $VAR
//                              are expanded; backslashes are literal
//   KEY='literal'              no escapes, no expansion; may span lines
//   KEY="text"                 escapes \n \r \t \" \\ \$ (other \x kept as is); ${VAR} and
//                              ${VAR:-default} expanded (a bare $ is literal); may span lines
// After a closing quote only blanks and a # comment may follow. ${VAR} resolves to the value of
// an earlier KEY of the same file, else the environment, else "". A NUL byte is an error.
// A key given twice keeps its first position and its last value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::config {

/// Parses dotenv text, resolving ${VAR} against `env` after the file's own earlier keys.
/// On failure the error (Config) says only the line number and the kind of fault, never content.
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view text,
                                                                      const EnvLookup& env);

/// Same, resolving against the process environment.
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view text);

/// Loads `<project>/.env` into the environment (setenv without overwrite). A missing file is
/// silent; an unparsable one returns the warning text to print (two lines, no trailing newline)
/// and applies nothing; an unreadable one returns a one-line warning with the OS error.
/// Returns an empty string when nothing needs to be said.
std::string load_project_dotenv(const std::string& project_dir);

}  // namespace pgmi::config
