// The test gate's results as a file for CI (`--test-report PATH`): JUnit XML when PATH ends in
// `.xml`, TAP version 13 when it ends in `.tap`. One case per test (and per fixture that
// failed), in the order they ran, then the planned tests that never ran (an earlier failure
// aborted the transaction) as skipped. Times are the server's. Written on success and failure;
// every message passes through the run's Redactor first.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/redact.hpp"
#include "util/error.hpp"

namespace pgmi::report {

struct TestCase {
    enum class Status { Passed, Failed, NotRun };
    std::string path;  // as in pg_temp.pgmi_test_source_view, e.g. "./__test__/users.sql"
    bool fixture = false;
    Status status = Status::NotRun;
    std::chrono::microseconds duration{0};
    std::string message;   // Failed: the error; NotRun: why
    std::string sqlstate;  // Failed, when the server gave one
};

struct TestRun {
    std::vector<TestCase> cases;
    /// The deploy's error when it failed outside any test (or before tests could be planned).
    std::optional<std::string> error;
};

enum class TestReportFormat { JUnit, Tap };

/// The format named by the path's extension; Config error (exit 10) naming the flag otherwise.
Result<TestReportFormat> test_report_format(const std::filesystem::path& path);

/// Config error when the report could not be created there (missing or unwritable directory),
/// checked before the deploy starts so a long deploy does not end without its report.
Status check_test_report_path(const std::filesystem::path& path);

std::string junit_xml(const TestRun& run, const Redactor& redact);
std::string tap(const TestRun& run, const Redactor& redact);

/// Writes the report atomically: an exclusively created temporary file beside it, then rename
/// (util::write_file_atomic). A link at `path` is replaced, never written through.
Status write_test_report(const std::filesystem::path& path, TestReportFormat format,
                         const TestRun& run, const Redactor& redact);

}  // namespace pgmi::report
