// The offline half of the test gate: checking deploy.sql's pgmi_test calls, and reading the
// marker pgmi_run_test_source puts in front of a test file (no database).
#include "deploy/test_macros.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgmi::deploy {
namespace {

TEST(CheckTestMacros, NoCallsNoProblems) {
    const auto scan = check_test_macros("BEGIN;\nSELECT pg_temp.pgmi_test_plan();\nCOMMIT;\n");
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_TRUE(scan->calls.empty());
}

TEST(CheckTestMacros, CallsWithValidCallbacksPass) {
    const auto scan = check_test_macros(
        "BEGIN;\nCALL pgmi_test();CALL pgmi_test('a', 'pg_temp.cb');\nCALL pgmi_test(NULL, "
        "'cb')\nCOMMIT;\n");
    ASSERT_TRUE(scan) << scan.error().message;
    ASSERT_EQ(scan->calls.size(), 3u);
    EXPECT_EQ(scan->calls[1].pattern, "a");
    EXPECT_EQ(scan->calls[1].callback, "pg_temp.cb");
    EXPECT_EQ(scan->calls[2].line, 3);
}

TEST(CheckTestMacros, EveryProblemListedByLineAsConfig) {
    const std::string script =
        "CALL pgmi_test(NULL, 'x.y.z');\n"  // 1: bad callback and outside a block
        "BEGIN;\n"
        "CALL pgmi_test('p', '9cb');\n"            // 3: bad callback
        "DO $$ BEGIN CALL pgmi_test(); END $$;\n"  // 4: in a body
        "COMMIT;\n";
    const auto scan = check_test_macros(script);
    ASSERT_FALSE(scan);
    EXPECT_EQ(scan.error().kind, ErrorKind::Config);
    EXPECT_EQ(scan.error().message,
              "failed to preprocess deploy.sql: 4 CALL pgmi_test problem(s), nothing was run:\n"
              "deploy.sql:1: CALL pgmi_test() must run inside BEGIN ... COMMIT (its tests use "
              "savepoints)\n"
              "deploy.sql:1: invalid callback \"x.y.z\": expected [schema.]function format\n"
              "deploy.sql:3: invalid callback \"9cb\": \"9cb\" is not a valid identifier\n"
              "deploy.sql:4: CALL pgmi_test() inside a DO block or function body is not "
              "expanded; call it at the top level of deploy.sql between BEGIN and COMMIT");
}

TEST(CheckTestMacros, MalformedCallsAreProblems) {
    for (const std::string body :
         {"CALL pgmi_test(E'x');", "CALL pgmi_test('a'", "CALL pgmi_test(1, 2, 3);",
          "CALL pgmi_test('unterminated", "SELECT pgmi_test();", "CALL \"pgmi_test\"();"}) {
        const auto scan = check_test_macros("BEGIN;\n" + body + "\nCOMMIT;\n");
        ASSERT_FALSE(scan) << body;
        EXPECT_EQ(scan.error().kind, ErrorKind::Config) << body;
        EXPECT_NE(scan.error().message.find("\ndeploy.sql:2: "), std::string::npos)
            << body << ": " << scan.error().message;
    }
}

const std::string kMarker = "/*pgmi-test:2e2f782e73716c*/";  // "./x.sql"

TEST(TestFileError, NamesTheFileAndTheLineInsideIt) {
    ServerError e;
    e.message = "syntax error at or near \";\"";
    e.internal_query = kMarker + "SELECT 'é'\n  1 +;";
    e.internal_position = static_cast<int>(kMarker.size()) + 17;  // the ; (é: one character)
    const auto f = test_file_error(e);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->path, "./x.sql");
    EXPECT_EQ(f->location.line, 2);
    EXPECT_EQ(f->location.column, 6);
    EXPECT_EQ(f->location.source_line, "  1 +;");
    EXPECT_EQ(e.message, "Failed in ./x.sql: syntax error at or near \";\"");
}

TEST(TestFileError, PositionsOutsideTheContentAreClamped) {
    ServerError inside_marker;
    inside_marker.internal_query = kMarker + "x";
    inside_marker.internal_position = 3;
    const auto a = test_file_error(inside_marker);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->location.line, 1);
    EXPECT_EQ(a->location.column, 1);

    ServerError past_end;
    past_end.internal_query = kMarker + "a\nbc";
    past_end.internal_position = 500;
    const auto b = test_file_error(past_end);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->location.line, 2);
    EXPECT_EQ(b->location.column, 3);
}

TEST(TestFileError, OtherErrorsAreLeftAlone) {
    const std::vector<std::string> queries = {
        "",
        "SELECT 1",
        " /*pgmi-test:2e*/x",
        "/*pgmi-test:2e",
        "/*pgmi-test:*/x",
        "/*pgmi-test:2e2*/x",
        "/*pgmi-test:zz*/x",
        "/*pgmi-test:2g*/x",
        "/*PGMI-TEST:2e*/x",
    };
    for (const std::string& q : queries) {
        ServerError e;
        e.message = "m";
        e.internal_query = q;
        e.internal_position = 1;
        EXPECT_FALSE(test_file_error(e)) << q;
        EXPECT_EQ(e.message, "m") << q;
    }
    ServerError no_position;
    no_position.message = "m";
    no_position.internal_query = kMarker + "x";
    EXPECT_FALSE(test_file_error(no_position));
    EXPECT_EQ(no_position.message, "m");
}

}  // namespace
}  // namespace pgmi::deploy
