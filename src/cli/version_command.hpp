// `pgmi version` and `pgmi --version`: what this binary is and what it was built with.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace pgmi::cli {

/// "pgmi <version>\ncommit <hash>, built <date>\n..." (first two lines are the --version text).
std::string version_text(bool full);

void add_version_command(CLI::App& app, int& result);

}  // namespace pgmi::cli
