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
// A reference to a secret (is_secret_variable) is an error: a project file must not be able to
// copy PGPASSWORD into PGUSER, where the server would log it.
// A key given twice keeps its first position and its last value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::config {

/// True for variables that hold a secret or may embed one: any name containing PASSWORD, PASSWD,
/// SECRET, TOKEN or PRIVATE_KEY (case-insensitive), and DATABASE_URL, PGMI_CONNECTION_STRING,
/// IDENTITY_HEADER.
bool is_secret_variable(std::string_view name);

/// True for the variables a project's .env may set: libpq's connection variables, pgmi's own
/// connection settings (PGMI_CONNECTION_STRING, DATABASE_URL, ...), and cloud credentials,
/// regions and profiles. A project is somebody else's text (a cloned repository): it must not
/// choose a program, a library, a trust store, a proxy, a credential file or an endpoint on this
/// machine (AWS_CONFIG_FILE's credential_process, LD_PRELOAD, PATH, OPENSSL_CONF,
/// AZURE_AUTHORITY_HOST, ...), so everything else is refused. Exact names, case-sensitive.
bool dotenv_may_set(std::string_view name);

/// Parses dotenv text, resolving ${VAR} against `env` after the file's own earlier keys.
/// On failure the error (Config) says only the line number and the kind of fault, never content.
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view text,
                                                                      const EnvLookup& env);

/// Same, resolving against the process environment.
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view text);

struct DotenvLoad {
    /// Empty when nothing needs to be said; else the text to print (no trailing newline).
    std::string warning;
    /// The variables this file set (those already in the environment are not), in file order.
    std::vector<std::string> applied;
    /// The variables it named that dotenv_may_set refuses, in file order; never applied.
    std::vector<std::string> refused;
};

/// The largest .env read.
inline constexpr std::size_t kMaxDotenvBytes = std::size_t{1} << 20;

/// Loads `<project>/.env` into the environment (setenv without overwrite), only the variables
/// dotenv_may_set allows; the others are refused, and named in a warning when pgmi, libpq or a
/// program pgmi starts would act on them (PG*, cloud, process-level names). A missing file is
/// silent; an unparsable one warns (two lines: the line number and kind of fault, never content)
/// and applies nothing; an unreadable one (or a directory, such as a virtualenv named .env) warns
/// in one line with the OS error. Config error, nothing applied, when .env is a link (never
/// followed: the project directory may be a link, .env may not), a named pipe or other special
/// file, or over kMaxDotenvBytes.
Result<DotenvLoad> load_project_dotenv(const std::string& project_dir);

}  // namespace pgmi::config
