// Prepares the deploy session (session-api §3, §6, §7): creates the internal tables in pg_temp,
// loads every project file with one COPY per table, loads the parameters as rows and `pgmi.<key>`
// session variables, and applies the versioned API (views). Never decides what runs.
#pragma once

#include <functional>
#include <string_view>

#include "config/params.hpp"
#include "pg/connection.hpp"
#include "project/scanner.hpp"
#include "util/error.hpp"

namespace pgmi::session {

/// API versions this build can apply (`--compat`).
constexpr int kLatestApiVersion = 1;

/// Resolves a `--compat` value ("" or "1"); anything else is a Config error.
Result<int> resolve_api_version(std::string_view compat);

struct Prepared {
    size_t files_loaded = 0;
    size_t params_loaded = 0;
};

using VerboseLog = std::function<void(std::string_view)>;

/// Runs on the session connection after the deploy lock. Errors are General (exit 1) and read
/// "session preparation failed: <stage>: <cause>".
Result<Prepared> prepare(pg::Connection& conn, const project::Project& project,
                         const config::Params& params, int api_version, const VerboseLog& verbose);

/// The COPY text rows for _pgmi_source (exposed for tests and benchmarks).
std::string source_copy_data(const std::vector<project::SourceFile>& files);

}  // namespace pgmi::session
