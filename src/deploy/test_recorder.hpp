// Follows the test gate while deploy.sql runs, for --test-report and the progress line.
// pg_temp.pgmi_run_test_source announces each test and fixture with INFO messages carrying
// pgmi's SQLSTATEs (PGMT1 started, PGMT2 passed, PGMT3 failed; DETAIL is JSON with the path,
// whether it is a fixture, the server-measured microseconds, and for a failure its SQLSTATE,
// message and CONTEXT). The recorder consumes those
// notices, so users never see them, and turns them, the planned tests and the deploy's final
// error into a report::TestRun.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "report/test_report.hpp"
#include "script/test_macro.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

class TestRecorder {
  public:
    /// True when `notice` is one of the markers (then it is recorded and must not be shown).
    /// `running` is set to the path of a test or fixture that just started, "" when it ended.
    bool observe(const ServerError& notice, std::string* running = nullptr);

    /// The tests the macro calls of deploy.sql will run, in order (asked from the session's
    /// pgmi_test_plan, one query per call). Errors are ignored: a plan that cannot be read
    /// only means not-run tests are missing from the report.
    void plan(pg::Connection& session, const script::MacroScan& macros);

    /// The run so far: every recorded case in order, the one still running (if any) as failed
    /// with `error`, then the planned tests that did not run as not run.
    report::TestRun finish(const std::optional<Error>& error) const;

    /// The server's CONTEXT inside the test or fixture `path` when it failed (its failure
    /// marker carries it; the error re-raised after it does not), or nullptr.
    const std::string* failure_context(const std::string& path) const;

    /// The test or fixture whose failure marker was seen, or nullptr: the file to name when the
    /// error re-raised after it carries nothing that points there (a test's own COMMIT, 0A000).
    const std::string* failed_path() const;

  private:
    std::string failed_path_, failed_context_;
    std::vector<report::TestCase> cases_;
    std::optional<report::TestCase> running_;
    std::vector<std::string> planned_;
};

}  // namespace pgmi::deploy
