// `pgmi serve`: an MCP server on stdin/stdout for coding assistants and agents (commands §11).
// stdout carries protocol messages only; logs and deploy notices go to stderr.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/reporter.hpp"

namespace pgmi::cli {

/// Adds the serve subcommand to `app`; `result` receives the exit code when it ends.
void add_serve_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
