#include "report/json.hpp"

#include <nlohmann/json.hpp>

#include "report/human.hpp"

namespace pgmi::report {

namespace {

void add_error_fields(nlohmann::json& j, const Error& error, const Redactor& redact) {
    j["error"] = redact(error.message);
    if (!error.server)
        return;
    const ServerError& s = *error.server;
    auto put = [&](const char* key, const std::string& value) {
        if (!value.empty())
            j[key] = redact(value);
    };
    put("sqlstate", s.sqlstate);
    put("detail", s.detail);
    put("hint", s.hint);
    put("where", without_internal_frames(s.context));
}

std::string dump(const nlohmann::json& j) {
    // Invalid UTF-8 from a server message must not abort the report: replace it.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

nlohmann::json outcome_json(const Outcome& o, const Redactor& redact) {
    nlohmann::json j = nlohmann::json::object();
    j["status"] = o.ok() ? "success" : "failed";
    j["exitCode"] = o.exit_code();
    j["database"] = redact(o.database);
    j["durationMs"] = std::chrono::duration_cast<std::chrono::milliseconds>(o.duration).count();
    j["filesLoaded"] = o.files_loaded;
    j["testMacros"] = o.test_macros;
    if (o.execution_units)
        j["executionUnits"] = *o.execution_units;
    if (o.units_committed)
        j["unitsCommitted"] = *o.units_committed;
    if (o.failed_unit)
        j["executionMode"] = *o.failed_unit == 0 ? "atomic" : "psql";
    if (o.error)
        add_error_fields(j, *o.error, redact);
    if (o.test_report_error)
        j["testReportError"] = redact(*o.test_report_error);
    if (o.failed_file)
        j["failedFile"] = redact(*o.failed_file);
    if (!o.notices.kept().empty()) {
        // Each notice keeps its severity (pg/ hands it over non-localised), so a machine reading
        // --json tells a WARNING from the project's own NOTICE lines.
        nlohmann::json list = nlohmann::json::array();
        for (const ServerError& n : o.notices.kept()) {
            nlohmann::json item = nlohmann::json::object();
            item["severity"] = n.severity.empty() ? std::string("NOTICE") : n.severity;
            item["message"] = redact(n.message);
            if (!n.detail.empty())
                item["detail"] = redact(n.detail);
            if (!n.hint.empty())
                item["hint"] = redact(n.hint);
            if (!n.sqlstate.empty())
                item["sqlstate"] = n.sqlstate;
            list.push_back(std::move(item));
        }
        j["notices"] = std::move(list);
        if (o.notices.dropped() > 0)
            j["noticesTruncated"] = o.notices.dropped();
    }
    if (o.location) {
        j["script"] = o.failed_file && o.location_in_file ? redact(*o.failed_file) : "deploy.sql";
        j["line"] = o.location->line;
        j["column"] = o.location->column;
        j["scriptExpanded"] = o.script_expanded;
        if (!o.location->source_line.empty())
            j["sourceLine"] = redact(o.location->source_line);
    }
    return j;
}

nlohmann::json error_json(const Error& error, const Redactor& redact) {
    nlohmann::json j = nlohmann::json::object();
    j["status"] = "failed";
    j["exitCode"] = exit_code(error.kind);
    add_error_fields(j, error, redact);
    return j;
}

std::string json_envelope(const Outcome& outcome, const Redactor& redact) {
    return dump(outcome_json(outcome, redact));
}

std::string json_envelope(const Error& error, const Redactor& redact) {
    return dump(error_json(error, redact));
}

}  // namespace pgmi::report
