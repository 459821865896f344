// `pgmi info [path] [--json]` (commands §5): what a project directory holds, without a database.
// Unlike the reference, a bad <pgmi-meta> block does not abort it: such files count as files
// without metadata and a warning on stderr points to `pgmi metadata validate`.
#pragma once

#include <CLI/CLI.hpp>

namespace pgmi::cli {

/// Adds the info subcommand to `app`; `result` receives the exit code when it runs.
void add_info_command(CLI::App& app, int& result);

}  // namespace pgmi::cli
