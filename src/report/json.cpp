#include "report/json.hpp"

#include <nlohmann/json.hpp>

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
    put("where", s.context);
}

std::string dump(const nlohmann::json& j) {
    // Invalid UTF-8 from a server message must not abort the report: replace it.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string json_envelope(const Outcome& o, const Redactor& redact) {
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
    if (o.location) {
        j["script"] = o.failed_file && o.location_in_file ? redact(*o.failed_file) : "deploy.sql";
        j["line"] = o.location->line;
        j["column"] = o.location->column;
        j["scriptExpanded"] = o.script_expanded;
        if (!o.location->source_line.empty())
            j["sourceLine"] = redact(o.location->source_line);
    }
    return dump(j);
}

std::string json_envelope(const Error& error, const Redactor& redact) {
    nlohmann::json j = nlohmann::json::object();
    j["status"] = "failed";
    j["exitCode"] = exit_code(error.kind);
    add_error_fields(j, error, redact);
    return dump(j);
}

}  // namespace pgmi::report
