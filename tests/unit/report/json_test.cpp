// The --json envelope: exact key sets per outcome, alphabetical order, redaction, and a server
// message with invalid UTF-8 that must not abort the report.
#include "report/json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace pgmi::report {
namespace {

using nlohmann::json;

std::set<std::string> keys(const json& j) {
    std::set<std::string> k;
    for (auto it = j.begin(); it != j.end(); ++it)
        k.insert(it.key());
    return k;
}

TEST(JsonEnvelope, SuccessCarriesTheRunFieldsOnly) {
    Outcome o;
    o.database = "app";
    o.duration = std::chrono::milliseconds(1234);
    o.files_loaded = 3;
    o.execution_units = 2;
    o.units_committed = 2;
    const std::string text = json_envelope(o, Redactor());
    ASSERT_EQ(text.back(), '\n');
    const json j = json::parse(text);
    EXPECT_EQ(keys(j),
              (std::set<std::string>{"database", "durationMs", "executionUnits", "exitCode",
                                     "filesLoaded", "status", "testMacros", "unitsCommitted"}));
    EXPECT_EQ(j["status"], "success");
    EXPECT_EQ(j["exitCode"], 0);
    EXPECT_EQ(j["durationMs"], 1234);
    // Keys appear in alphabetical order in the text itself (nlohmann's object is a std::map).
    EXPECT_LT(text.find("\"database\""), text.find("\"durationMs\""));
    EXPECT_LT(text.find("\"testMacros\""), text.find("\"unitsCommitted\""));
}

TEST(JsonEnvelope, AFailureInAFileNamesTheFileLineAndServerFields) {
    Outcome o;
    o.database = "app";
    o.execution_units = 3;
    o.units_committed = 1;
    o.failed_unit = 1;
    o.failed_file = "./migrations/002.sql";
    o.location = script::Location{7, 5, "  SELEC 1;"};
    o.location_in_file = true;
    ServerError s;
    s.sqlstate = "42601";
    s.message = "syntax error at or near \"SELEC\"";
    s.hint = "check the statement";
    o.error = Error{ErrorKind::Execution, "ERROR: syntax error (SQLSTATE 42601)", s};
    const json j = json::parse(json_envelope(o, Redactor()));
    EXPECT_EQ(j["status"], "failed");
    EXPECT_EQ(j["exitCode"], 13);
    EXPECT_EQ(j["executionMode"], "psql");
    EXPECT_EQ(j["failedFile"], "./migrations/002.sql");
    EXPECT_EQ(j["script"], "./migrations/002.sql");
    EXPECT_EQ(j["line"], 7);
    EXPECT_EQ(j["column"], 5);
    EXPECT_EQ(j["sourceLine"], "  SELEC 1;");
    EXPECT_EQ(j["sqlstate"], "42601");
    EXPECT_EQ(j["hint"], "check the statement");
    EXPECT_FALSE(j.contains("detail")) << "absent fields are left out, not empty";
    EXPECT_FALSE(j.contains("where"));
}

TEST(JsonEnvelope, EveryStringIsRedactedAndInvalidUtf8IsReplaced) {
    Redactor redact;
    redact.add_secret("s3cr3t-token");
    ServerError s;
    s.sqlstate = "28P01";
    s.detail = "role saw s3cr3t-token and \xff\xfe bytes";
    const Error e{ErrorKind::Connection,
                  "password authentication failed: postgresql://u:hunter2@h/db s3cr3t-token", s};
    const std::string text = json_envelope(e, redact);
    EXPECT_EQ(text.find("s3cr3t-token"), std::string::npos) << text;
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    const json j = json::parse(text);
    EXPECT_EQ(keys(j),
              (std::set<std::string>{"detail", "error", "exitCode", "sqlstate", "status"}));
    EXPECT_EQ(j["exitCode"], 11);
    EXPECT_NE(j["detail"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos)
        << "invalid UTF-8 became U+FFFD";
}

// Issue 16: human output prints NOTICE bare, so --json is where a machine reads the severity.
TEST(JsonEnvelope, NoticesKeepTheirSeverityAndStayBounded) {
    Outcome o;
    o.database = "app";
    ServerError tap;
    tap.severity = "NOTICE";
    tap.message = "ok 1 - ./__test__/a.sql";
    o.notices.add(tap);
    ServerError warn;
    warn.severity = "WARNING";
    warn.sqlstate = "01000";
    warn.message = "password=hunter2 in a notice";
    warn.hint = "h";
    o.notices.add(warn);
    const json j = json::parse(json_envelope(o, Redactor()));
    ASSERT_EQ(j["notices"].size(), 2u);
    EXPECT_EQ(j["notices"][0], (json{{"severity", "NOTICE"}, {"message", tap.message}}));
    EXPECT_EQ(j["notices"][1]["severity"], "WARNING");
    EXPECT_EQ(j["notices"][1]["sqlstate"], "01000");
    EXPECT_EQ(j["notices"][1]["hint"], "h");
    EXPECT_EQ(j["notices"][1]["message"], "password=[redacted] in a notice");
    EXPECT_FALSE(j.contains("noticesTruncated"));

    Outcome many;
    for (size_t i = 0; i < NoticeLog::kKept + 5; ++i) {
        ServerError n;
        n.severity = "NOTICE";
        n.message = std::to_string(i);
        many.notices.add(n);
    }
    const json m = json::parse(json_envelope(many, Redactor()));
    ASSERT_EQ(m["notices"].size(), NoticeLog::kKept);
    EXPECT_EQ(m["notices"][0]["message"], "5");  // the last ones are kept
    EXPECT_EQ(m["noticesTruncated"], 5);
}

}  // namespace
}  // namespace pgmi::report
