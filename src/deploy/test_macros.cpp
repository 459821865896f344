#include "deploy/test_macros.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "util/strings.hpp"

namespace pgmi::deploy {

namespace {

// The comment pgmi_run_test_source puts before a file's content: /*pgmi-test:<hex of path>*/.
constexpr std::string_view kMarkerOpen = "/*pgmi-test:";
constexpr std::string_view kMarkerClose = "*/";

}  // namespace

Result<script::MacroScan> check_test_macros(std::string_view deploy_sql) {
    script::MacroScan scan = script::find_test_macros(deploy_sql);
    std::vector<script::MacroProblem> problems = scan.problems;
    for (const script::TestCall& call : scan.calls) {
        if (!call.callback)
            continue;
        if (Status s = script::validate_callback(*call.callback); !s)
            problems.push_back({call.line, s.error().message});
    }
    if (problems.empty())
        return scan;
    std::stable_sort(problems.begin(), problems.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    std::string message = fmt::format(
        "failed to preprocess deploy.sql: {} CALL pgmi_test problem(s), nothing was run:",
        problems.size());
    for (const script::MacroProblem& p : problems)
        message += fmt::format("\ndeploy.sql:{}: {}", p.line, p.message);
    return make_error(ErrorKind::Config, std::move(message));
}

Result<script::Expansion> expand_test_macros(pg::Connection& session, std::string_view deploy_sql,
                                             const script::MacroScan& scan) {
    std::vector<std::string> generated;
    generated.reserve(scan.calls.size());
    for (const script::TestCall& call : scan.calls) {
        auto r = session.exec_params("SELECT pg_temp.pgmi_test_generate($1, $2)",
                                     {call.pattern, call.callback});
        if (!r) {
            Error e = r.error();
            e.kind = ErrorKind::Config;
            e.message = fmt::format(
                "failed to preprocess deploy.sql: deploy.sql:{}: failed to call "
                "pgmi_test_generate: {}",
                call.line, e.message);
            return e;
        }
        if (r->rows() != 1) {
            return make_error(ErrorKind::Unexpected,
                              "pgmi_test_generate returned no row for the call at deploy.sql:" +
                                  std::to_string(call.line));
        }
        generated.emplace_back(r->is_null(0, 0) ? std::string_view() : r->value(0, 0));
    }
    return script::expand(deploy_sql, scan.calls, generated);
}

std::optional<TestFileError> test_file_error(ServerError& error) {
    const std::string& q = error.internal_query;
    if (error.internal_position < 1 || q.compare(0, kMarkerOpen.size(), kMarkerOpen) != 0)
        return std::nullopt;
    const size_t close = q.find(kMarkerClose, kMarkerOpen.size());
    if (close == std::string::npos)
        return std::nullopt;
    auto path = util::hex_decode(
        std::string_view(q).substr(kMarkerOpen.size(), close - kMarkerOpen.size()));
    if (!path)
        return std::nullopt;
    // The marker is ASCII, so its length in characters is its length in bytes.
    const size_t marker = close + kMarkerClose.size();
    const std::string_view content = std::string_view(q).substr(marker);
    const int position = std::max(1, error.internal_position - static_cast<int>(marker));
    const size_t byte = script::byte_of_position(content, position).value_or(content.size());
    error.message = fmt::format("Failed in {}: {}", *path, error.message);
    return TestFileError{std::move(*path), script::locate_offset(content, byte)};
}

}  // namespace pgmi::deploy
