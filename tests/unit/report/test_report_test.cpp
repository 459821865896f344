#include "report/test_report.hpp"

#include <gtest/gtest.h>

namespace pgmi::report {
namespace {

using S = TestCase::Status;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

TestRun sample() {
    TestRun run;
    run.cases.push_back({.path = "./__test__/ok.sql",
                         .status = S::Passed,
                         .duration = std::chrono::microseconds(1500)});
    run.cases.push_back({.path = "./__test__/x\"&<y>#1.sql",
                         .status = S::Failed,
                         .duration = std::chrono::microseconds(250000),
                         .message = "bad\x01 value\nsecond line 'quoted'",
                         .sqlstate = "22P02"});
    run.cases.push_back(
        {.path = "./__test__/_setup.sql", .fixture = true, .status = S::Failed, .message = "boom"});
    run.cases.push_back({.path = "./__test__/later.sql",
                         .status = S::NotRun,
                         .message = "not run: the deploy stopped before this test"});
    return run;
}

TEST(TestReportFormat, ByExtension) {
    EXPECT_EQ(*test_report_format("out/r.xml"), TestReportFormat::JUnit);
    EXPECT_EQ(*test_report_format("r.tap"), TestReportFormat::Tap);
    for (const char* bad : {"r.json", "r", "r.XML.txt", ".xml/"}) {
        auto f = test_report_format(bad);
        ASSERT_FALSE(f) << bad;
        EXPECT_EQ(f.error().kind, ErrorKind::Config);
        EXPECT_TRUE(contains(f.error().message, "--test-report")) << f.error().message;
    }
}

TEST(JUnit, CountsEscapesAndDropsForbiddenCharacters) {
    Redactor redact;
    const std::string xml = junit_xml(sample(), redact);
    EXPECT_TRUE(contains(xml, "tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\"")) << xml;
    EXPECT_TRUE(contains(xml, "name=\"./__test__/x&quot;&amp;&lt;y&gt;#1.sql\"")) << xml;
    EXPECT_TRUE(contains(xml, "bad value&#10;second line &apos;quoted&apos; (SQLSTATE 22P02)"))
        << xml;
    EXPECT_FALSE(contains(xml, "\x01")) << "XML 1.0 cannot carry C0 controls";
    EXPECT_TRUE(contains(xml, "time=\"0.001500\"")) << xml;
    EXPECT_TRUE(contains(xml, "<error message=\"boom\" type=\"error\">boom</error>")) << xml;
    EXPECT_TRUE(contains(xml, "<skipped message=\"not run: the deploy stopped")) << xml;
}

TEST(JUnit, EmptyRunWithError) {
    TestRun run;
    run.error = "deploy.sql not found in /p & <q>";
    const std::string xml = junit_xml(run, Redactor());
    EXPECT_TRUE(contains(xml, "tests=\"0\"")) << xml;
    EXPECT_TRUE(
        contains(xml, "<system-err>deploy.sql not found in /p &amp; &lt;q&gt;</system-err>"))
        << xml;
}

TEST(Tap, PlanDirectivesAndYamlDiagnostics) {
    const std::string tap_text = tap(sample(), Redactor());
    EXPECT_EQ(tap_text.rfind("TAP version 13\n1..4\n", 0), 0u) << tap_text;
    EXPECT_TRUE(contains(tap_text, "ok 1 - ./__test__/ok.sql\n")) << tap_text;
    // '#' would start a directive inside a description.
    EXPECT_TRUE(contains(tap_text, "not ok 2 - ./__test__/x\"&<y>_1.sql\n")) << tap_text;
    EXPECT_TRUE(contains(tap_text, "  message: \"bad\\x01 value\\nsecond line 'quoted'\"\n"))
        << tap_text;
    EXPECT_TRUE(contains(tap_text, "  sqlstate: \"22P02\"\n")) << tap_text;
    EXPECT_TRUE(contains(tap_text, "not ok 3 - ./__test__/_setup.sql (fixture)\n")) << tap_text;
    EXPECT_TRUE(contains(tap_text, "ok 4 - ./__test__/later.sql # SKIP not run: the deploy"))
        << tap_text;
}

TEST(TestReport, RedactsKnownSecretsAndPasswordPatterns) {
    TestRun run;
    run.cases.push_back({.path = "./__test__/t.sql",
                         .status = S::Failed,
                         .message = "token tok-SECRET-12345 rejected; password=swordfish"});
    Redactor redact;
    redact.add_secret("tok-SECRET-12345");
    for (const std::string& text : {junit_xml(run, redact), tap(run, redact)}) {
        EXPECT_FALSE(contains(text, "tok-SECRET-12345")) << text;
        EXPECT_FALSE(contains(text, "swordfish")) << text;
    }
}

}  // namespace
}  // namespace pgmi::report
