// `pgmi config [path]`: the connection wizard (connection_wizard.hpp) writing the `connection:`
// block of `<path>/pgmi.yaml` (commands §9). Every other line of an existing file is kept byte
// for byte; a file that does not parse is never replaced; a cancelled wizard writes nothing.
// Needs an interactive terminal: without one it refuses (exit 2) and says what to do instead.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/reporter.hpp"

namespace pgmi::cli {

/// Adds `config`; `result` receives the exit code.
void add_config_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
