// `pgmi version` and `pgmi --version`: what this binary is and what it was built with.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace pgmi::cli {

/// The version report, one "Label: value" per line after the first:
///   pgmi <version> (compat <latest session API>)
///   Commit: <commit>, Built: <date>, Platform: <os>/<arch>
///   Compiler: <compiler and version>
///   libpq: <runtime libpq version>
///   OpenSSL: <runtime OpenSSL version>
///   Repository: https://github.com/vvka-141/pgmi
/// With `full` false only the first two lines (the --version text).
std::string version_text(bool full);

/// "<os>/<arch>" of this build, e.g. "linux/amd64".
std::string platform();

/// Adds `version`; extra arguments are ignored.
void add_version_command(CLI::App& app, int& result);

}  // namespace pgmi::cli
