// The test gate of a deploy (session-api §4, deploy-execution §4.2): the `CALL pgmi_test(...)`
// calls of deploy.sql are checked offline, expanded on the session connection into the SQL that
// pg_temp.pgmi_test_generate returns, and a failing test is traced back to its file and line.
//
// Every problem that would stop a call from expanding or working (a call inside a DO or function
// body, outside BEGIN ... COMMIT, malformed, an invalid callback) is a configuration error found
// before anything connects. A bad regex pattern is the user's configuration too, but only the
// server can judge it: the generator's error is reported as Config (exit 10) before any
// statement of deploy.sql runs, not as an execution failure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pg/connection.hpp"
#include "script/location.hpp"
#include "script/test_macro.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

/// Finds the calls in deploy.sql and checks them offline. Fails with Config listing every
/// problem, one `deploy.sql:<line>: <message>` line each, ordered by line.
Result<script::MacroScan> check_test_macros(std::string_view deploy_sql);

/// deploy.sql with every call of `scan` replaced by `SELECT pg_temp.pgmi_test_generate($1, $2)`
/// (one query per call, empty arguments sent as NULL). A generator error (invalid regex, unknown
/// session API) is Config and names the call's line; the server's fields are kept.
Result<script::Expansion> expand_test_macros(pg::Connection& session, std::string_view deploy_sql,
                                             const script::MacroScan& scan);

/// A test or fixture that failed at a position PostgreSQL gave inside its own text.
struct TestFileError {
    std::string path;           // as stored in pg_temp._pgmi_test_source
    script::Location location;  // inside that file
};

/// Recognizes an error pg_temp.pgmi_run_test_source re-raised unchanged because PostgreSQL
/// positioned it inside the file (its internal query is the file behind a marker naming it).
/// Renames the message to `Failed in <path>: <message>`, like every other test failure, and
/// returns the file and the line and column inside it. nullopt for any other error.
std::optional<TestFileError> test_file_error(ServerError& error);

}  // namespace pgmi::deploy
