#include "deploy/test_recorder.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace pgmi::deploy {

namespace {

constexpr const char* kStarted = "PGMT1";
constexpr const char* kPassed = "PGMT2";
constexpr const char* kFailed = "PGMT3";

struct Marker {
    std::string path;
    bool fixture = false;
    std::chrono::microseconds duration{0};
    std::string sqlstate, message, context;  // failed only
};

std::optional<Marker> parse_marker(const std::string& detail) {
    auto j = nlohmann::json::parse(detail, nullptr, false);
    if (!j.is_object() || !j.contains("path") || !j["path"].is_string())
        return std::nullopt;
    Marker m;
    m.path = j["path"].get<std::string>();
    if (m.path.empty())
        return std::nullopt;
    if (j.contains("fixture") && j["fixture"].is_boolean())
        m.fixture = j["fixture"].get<bool>();
    if (j.contains("us") && j["us"].is_number_integer())
        m.duration = std::chrono::microseconds(j["us"].get<long long>());
    if (j.contains("sqlstate") && j["sqlstate"].is_string())
        m.sqlstate = j["sqlstate"].get<std::string>();
    if (j.contains("message") && j["message"].is_string())
        m.message = j["message"].get<std::string>();
    if (j.contains("context") && j["context"].is_string())
        m.context = j["context"].get<std::string>();
    return m;
}

}  // namespace

bool TestRecorder::observe(const ServerError& notice, std::string* running) {
    const std::string& code = notice.sqlstate;
    if (code != kStarted && code != kPassed && code != kFailed)
        return false;
    auto marker = parse_marker(notice.detail);
    if (!marker)
        return true;  // ours by its code, but unreadable: still not for the user's eyes
    if (code == kStarted) {
        running_ = report::TestCase{.path = marker->path, .fixture = marker->fixture};
        if (running)
            *running = marker->path;
        return true;
    }
    report::TestCase c = running_ && running_->path == marker->path
                             ? *running_
                             : report::TestCase{.path = marker->path, .fixture = marker->fixture};
    running_.reset();
    c.duration = marker->duration;
    if (code == kPassed) {
        c.status = report::TestCase::Status::Passed;
        // Fixtures that work are setup, not test cases.
        if (!c.fixture)
            cases_.push_back(std::move(c));
    } else {
        c.status = report::TestCase::Status::Failed;
        c.message = marker->message;
        c.sqlstate = marker->sqlstate;
        failed_path_ = marker->path;
        failed_context_ = marker->context;
        cases_.push_back(std::move(c));
    }
    if (running)
        running->clear();
    return true;
}

void TestRecorder::plan(pg::Connection& session, const script::MacroScan& macros) {
    for (const script::TestCall& call : macros.calls) {
        auto r = session.exec_params(
            "SELECT script_path FROM pg_temp.pgmi_test_plan($1) WHERE step_type = 'test' "
            "ORDER BY ordinal",
            {call.pattern});
        if (!r)
            continue;
        for (int i = 0; i < r->rows(); ++i)
            planned_.emplace_back(r->value(i, 0));
    }
}

const std::string* TestRecorder::failed_path() const {
    return failed_path_.empty() ? nullptr : &failed_path_;
}

const std::string* TestRecorder::failure_context(const std::string& path) const {
    return !failed_path_.empty() && failed_path_ == path ? &failed_context_ : nullptr;
}

report::TestRun TestRecorder::finish(const std::optional<Error>& error) const {
    report::TestRun run;
    run.cases = cases_;
    if (error && running_) {
        // Stopped inside it without its failure marker: a cancel or timeout (plpgsql handlers do
        // not catch those), or a lost connection.
        report::TestCase c = *running_;
        c.status = report::TestCase::Status::Failed;
        c.message = error->server ? error->server->message : error->message;
        c.sqlstate = error->server ? error->server->sqlstate : "";
        run.cases.push_back(std::move(c));
    }
    const bool a_case_failed = std::any_of(
        run.cases.begin(), run.cases.end(),
        [](const report::TestCase& c) { return c.status == report::TestCase::Status::Failed; });
    if (error && !a_case_failed)
        run.error = error->message;
    // Planned tests that did not run, as many times as they were planned but not recorded.
    std::map<std::string, int> seen;
    for (const report::TestCase& c : run.cases) {
        if (!c.fixture)
            ++seen[c.path];
    }
    for (const std::string& path : planned_) {
        if (seen[path] > 0) {
            --seen[path];
            continue;
        }
        run.cases.push_back({.path = path,
                             .status = report::TestCase::Status::NotRun,
                             .message = "not run: the deploy stopped before this test"});
    }
    return run;
}

}  // namespace pgmi::deploy
