// `pgmi deploy <project_path>`: flags, offline configuration (the .env file, pgmi.yaml,
// parameters, timeout, connection), then the deploy sequence and its report.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/reporter.hpp"
#include "conn/connection_config.hpp"
#include "ephemeral/server.hpp"
#include "report/redact.hpp"
#include "util/env.hpp"

namespace pgmi::cli {

/// Adds the deploy subcommand to `app`; `result` receives the exit code when it runs.
void add_deploy_command(CLI::App& app, int& result, const Reporter& reporter);

/// Teaches `redact` the secrets the environment hands to libpq or to cloud/ (PGPASSWORD,
/// PGSSLPASSWORD, the Azure and AWS secrets), so they are masked wherever they might appear.
void learn_environment_secrets(report::Redactor& redact, const EnvLookup& env);

/// Where a deploy into the throwaway `server` goes: its socket, its superuser, `database`.
conn::ResolvedConnection ephemeral_connection(const ephemeral::Server& server,
                                              const std::string& database);

}  // namespace pgmi::cli
