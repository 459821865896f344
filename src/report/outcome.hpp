// The result of one deploy, as the report modules print it (human summary on stderr, --json on
// stdout). Filled by deploy::run_deploy (deploy/deployer.hpp); the exit code is derived from
// `error` in one place.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "report/test_report.hpp"
#include "script/location.hpp"
#include "util/error.hpp"

namespace pgmi::report {

/// The notices a deploy showed, for --json: the last kKept of them (memory stays bounded however
/// much a project raises) and how many earlier ones were dropped.
class NoticeLog {
  public:
    static constexpr size_t kKept = 1000;

    void add(const ServerError& notice) {
        if (kept_.size() == kKept) {
            kept_.pop_front();
            ++dropped_;
        }
        kept_.push_back(notice);
    }
    const std::deque<ServerError>& kept() const { return kept_; }
    size_t dropped() const { return dropped_; }

  private:
    std::deque<ServerError> kept_;
    size_t dropped_ = 0;
};

struct Outcome {
    bool service_ran = false;  // configuration was assembled and the deploy sequence started
    std::string database;
    std::chrono::nanoseconds duration{0};
    size_t files_loaded = 0;
    size_t test_macros = 0;
    std::optional<size_t> execution_units;
    std::optional<size_t> units_committed;
    std::optional<size_t> failed_unit;  // 0-based
    std::optional<std::string> failed_file;
    std::optional<script::Location> location;
    bool location_in_file = false;  // location is inside failed_file, not deploy.sql
    /// The lines just before and after the location's line, for the excerpt of the error block.
    std::vector<std::string> lines_before, lines_after;
    bool script_expanded = false;
    std::optional<Error> error;
    /// The test gate's results (no cases when the deploy stopped before any test ran; then
    /// `tests.error` says why).
    TestRun tests;
    /// The notices shown while the deploy ran (not pgmi's own test markers).
    NoticeLog notices;
    /// Why --test-report could not be written (disk full, the directory gone): named on stderr
    /// and in --json, but the deploy's own exit code stands (what it committed is committed).
    std::optional<std::string> test_report_error;

    bool ok() const { return !error.has_value(); }
    int exit_code() const { return error ? pgmi::exit_code(error->kind) : 0; }
};

}  // namespace pgmi::report
