// `pgmi ai` and its subcommands: the guidance embedded in this binary for coding assistants
// (overview, skills, the session API contract) and writing/checking it into assistant files
// (`setup`, `check`). Documents go to stdout (through the pager at an interactive terminal);
// setup and check report on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/reporter.hpp"

namespace pgmi::cli {

/// Adds `ai` with `skills`, `skill`, `contract`, `setup` and `check`.
void add_ai_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
