// `pgmi deploy <project_path>`: flags, offline configuration (the .env file, pgmi.yaml,
// parameters, timeout, connection), then the deploy sequence and its report.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/reporter.hpp"

namespace pgmi::cli {

/// Adds the deploy subcommand to `app`; `result` receives the exit code when it runs.
void add_deploy_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
