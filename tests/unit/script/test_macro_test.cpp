#include "script/test_macro.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "script/location.hpp"

namespace pgmi::script {
namespace {

using Opt = std::optional<std::string>;

// Wraps `body` in an explicit block so placement is fine.
std::string in_block(const std::string& body) {
    return "BEGIN;\n" + body + "\nCOMMIT;\n";
}

std::string span(const std::string& s, const TestCall& c) {
    return s.substr(c.begin, c.end - c.begin);
}

TEST(TestMacro, NoMentionNoWork) {
    const MacroScan r = find_test_macros("SELECT 1;");
    EXPECT_TRUE(r.calls.empty());
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, AcceptedForms) {
    struct Case {
        std::string call;
        Opt pattern;
        Opt callback;
    };
    const std::vector<Case> cases = {
        {"CALL pgmi_test();", std::nullopt, std::nullopt},
        {"CALL pgmi_test(NULL);", std::nullopt, std::nullopt},
        {"CALL pgmi_test('^./a/');", "^./a/", std::nullopt},
        {"CALL pgmi_test('');", std::nullopt, std::nullopt},
        {"CALL pgmi_test(NULL, 'my.cb');", std::nullopt, "my.cb"},
        {"CALL pgmi_test('x', 'cb');", "x", "cb"},
        {"CALL pgmi_test('x', '');", "x", std::nullopt},
        {"CALL pgmi_test('x', NULL);", "x", std::nullopt},
        {"CALL pg_temp.pgmi_test('p');", "p", std::nullopt},
        {"call PG_TEMP . Pgmi_Test ( 'p' , 'c' ) ;", "p", "c"},
        {"CALL\n\tpgmi_test\n(\n'a b'\n)\n;", "a b", std::nullopt},
        {"CALL /* c */ pgmi_test( -- c\n 'x' /* c */)", "x", std::nullopt},
        {"CALL pgmi_test('it''s')", "it's", std::nullopt},
        {"CALL pgmi_test('a\\d')", "a\\d", std::nullopt},
    };
    for (const Case& c : cases) {
        const std::string s = in_block(c.call);
        const MacroScan r = find_test_macros(s);
        ASSERT_EQ(r.calls.size(), 1u) << c.call;
        EXPECT_TRUE(r.problems.empty()) << c.call << ": " << r.problems[0].message;
        const std::string expected_span = c.call.back() == ';' ? c.call : c.call + "\n";
        EXPECT_EQ(span(s, r.calls[0]), expected_span) << c.call;
        EXPECT_EQ(r.calls[0].pattern, c.pattern) << c.call;
        EXPECT_EQ(r.calls[0].callback, c.callback) << c.call;
        EXPECT_EQ(r.calls[0].line, 2) << c.call;
    }
}

TEST(TestMacro, SpanIncludesWhitespaceBeforeSemicolonNotAfter) {
    const std::string s = in_block("CALL pgmi_test()  ;  SELECT 1;");
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(span(s, r.calls[0]), "CALL pgmi_test()  ;");
}

TEST(TestMacro, SpanWithoutSemicolonIncludesTrailingWhitespace) {
    const std::string s = "BEGIN; CALL pgmi_test() \n COMMIT;";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(span(s, r.calls[0]), "CALL pgmi_test() \n ");
}

TEST(TestMacro, GluedCalls) {
    const std::string s = "BEGIN;SELECT 1;CALL pgmi_test();CALL pgmi_test('b');COMMIT;";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(span(s, r.calls[0]), "CALL pgmi_test();");
    EXPECT_EQ(span(s, r.calls[1]), "CALL pgmi_test('b');");
    EXPECT_EQ(r.calls[1].pattern, "b");
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, ConsecutiveCallsWithoutSemicolon) {
    const std::string s = "BEGIN;\nCALL pgmi_test('a')\nCALL pgmi_test('b')\nCOMMIT;";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(span(s, r.calls[0]), "CALL pgmi_test('a')\n");
    EXPECT_EQ(span(s, r.calls[1]), "CALL pgmi_test('b')\n");
    EXPECT_EQ(r.calls[0].line, 2);
    EXPECT_EQ(r.calls[1].line, 3);
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, CommentsStringsAndIdentifiersNotMatched) {
    const std::string s = in_block(
        "-- CALL pgmi_test();\n/* CALL pgmi_test(); */\nSELECT 'CALL pgmi_test()';\n"
        "SELECT \"CALL pgmi_test()\";\nSELECT E'CALL pgmi_test()';");
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, LongerNamesAreOtherWords) {
    const std::string s =
        in_block("SELECT pg_temp.pgmi_test_generate(NULL); CALL pgmi_tests(); SELECT xpgmi_test;");
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, CallInsideDoBlockIsReported) {
    const std::string s = in_block("DO $$\nBEGIN\n  CALL pgmi_test();\nEND $$;");
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 4);
    EXPECT_EQ(r.problems[0].message,
              "CALL pgmi_test() inside a DO block or function body is not expanded; call it at "
              "the top level of deploy.sql between BEGIN and COMMIT");
}

TEST(TestMacro, CallInsideNestedDollarBodyIsReported) {
    const std::string s =
        "BEGIN;\nCREATE FUNCTION f() RETURNS void AS $f$\nBEGIN\n EXECUTE $x$\n\n call "
        "PG_TEMP.PGMI_TEST('a') $x$;\nEND $f$ LANGUAGE plpgsql;\nCOMMIT;";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 6);
}

TEST(TestMacro, CommentedCallInsideDollarBodyIsIgnored) {
    const std::string s =
        in_block("DO $$ BEGIN -- CALL pgmi_test();\n PERFORM 'pgmi_test'; END $$;");
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.problems.empty());
}

TEST(TestMacro, CallInsideBeginAtomicBodyIsReportedNotExpanded) {
    const std::string s =
        in_block("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC\n CALL pgmi_test();\nEND;");
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 3);
    EXPECT_NE(r.problems[0].message.find("inside a DO block or function body"), std::string::npos);
}

void expect_problem(const std::string& body, const std::string& what, int line = 2) {
    const std::string s = in_block(body);
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty()) << body;
    ASSERT_EQ(r.problems.size(), 1u) << body;
    EXPECT_EQ(r.problems[0].line, line) << body;
    EXPECT_EQ(r.problems[0].message,
              "CALL pgmi_test(...) is not expanded: " + what +
                  "; accepted forms: CALL pgmi_test(), CALL pgmi_test('<pattern>'), "
                  "CALL pgmi_test(NULL, '<callback>'), CALL pgmi_test('<pattern>', '<callback>'), "
                  "optionally as pg_temp.pgmi_test, with plain '...' string literals")
        << body;
}

TEST(TestMacro, UnrecognizedFormsAreReported) {
    expect_problem("CALL pgmi_test(E'x');", "E'...' strings are not accepted");
    expect_problem("CALL pgmi_test($$x$$);", "dollar-quoted arguments are not accepted");
    expect_problem("CALL pgmi_test(p_pattern => 'x');", "named arguments are not accepted");
    expect_problem("CALL pgmi_test(p_pattern := 'x');", "named arguments are not accepted");
    expect_problem("CALL pgmi_test('a', 'b', 'c');",
                   "too many arguments (at most two: pattern, callback)");
    expect_problem("CALL pgmi_test('a' || 'b');",
                   "arguments must be plain '...' string literals or NULL");
    expect_problem("CALL pgmi_test('a'::text);",
                   "arguments must be plain '...' string literals or NULL");
    expect_problem("CALL pgmi_test(1);", "arguments must be plain '...' string literals or NULL");
    expect_problem("CALL pgmi_test(,'a');",
                   "arguments must be plain '...' string literals or NULL");
    expect_problem("CALL pgmi_test;", "expected '(' after pgmi_test");
    expect_problem("CALL myschema.pgmi_test();",
                   "only pgmi_test or pg_temp.pgmi_test name the macro");
    expect_problem("SELECT pgmi_test();",
                   "pgmi_test is a pgmi macro, expanded only as a statement CALL pgmi_test(...)");
    expect_problem("SELECT pg_temp.pgmi_test();",
                   "pgmi_test is a pgmi macro, expanded only as a statement CALL pgmi_test(...)");
    expect_problem("CALL \"pgmi_test\"();", "a quoted \"pgmi_test\" is a different name");
    expect_problem("\n\nDROP PROCEDURE pgmi_test;",
                   "pgmi_test is a pgmi macro, expanded only as a statement CALL pgmi_test(...)",
                   4);
}

TEST(TestMacro, TablesAndColumnsNamedPgmiTestAreOrdinaryNames) {
    const std::string s =
        "CREATE TABLE pgmi_test (id int, pgmi_test text);\n"
        "CREATE TABLE IF NOT EXISTS app.pgmi_test (id int);\n"
        "CREATE TABLE \"pgmi_test\" (x int);\n"
        "INSERT INTO pgmi_test (id) VALUES (1);\n"
        "SELECT pgmi_test.id, t.pgmi_test FROM pgmi_test JOIN app.pgmi_test t USING (id);\n"
        "CREATE INDEX ON pgmi_test (id);\n"
        "ALTER TABLE pgmi_test ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES pgmi_test (id);\n"
        "COPY pgmi_test (id) FROM STDIN;\n"
        "UPDATE pgmi_test SET id = 2;\n";
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    EXPECT_TRUE(r.problems.empty()) << r.problems[0].line << ": " << r.problems[0].message;
}

TEST(TestMacro, RoutinesNamedPgmiTestClashWithTheMacro) {
    const std::string msg =
        "pgmi_test is a pgmi macro, expanded only as a statement CALL pgmi_test(...)";
    expect_problem("CREATE FUNCTION pgmi_test() RETURNS int LANGUAGE sql AS 'SELECT 1';", msg);
    expect_problem("CREATE OR REPLACE PROCEDURE app.pgmi_test() LANGUAGE sql AS '';", msg);
    expect_problem("SELECT 1 + pgmi_test('x');", msg);
    expect_problem("SELECT \"pgmi_test\"();", "a quoted \"pgmi_test\" is a different name");
}

TEST(TestMacro, PlacementOutsideBlockIsReported) {
    const std::string msg =
        "CALL pgmi_test() must run inside BEGIN ... COMMIT (its tests use savepoints)";
    {
        const MacroScan r = find_test_macros("CALL pgmi_test();");
        ASSERT_EQ(r.calls.size(), 1u);
        ASSERT_EQ(r.problems.size(), 1u);
        EXPECT_EQ(r.problems[0].line, 1);
        EXPECT_EQ(r.problems[0].message, msg);
    }
    {
        const MacroScan r = find_test_macros("BEGIN;\nCOMMIT;\nCALL pgmi_test();");
        ASSERT_EQ(r.problems.size(), 1u);
        EXPECT_EQ(r.problems[0].line, 3);
        EXPECT_EQ(r.problems[0].message, msg);
    }
    {
        const MacroScan r = find_test_macros("BEGIN;\nROLLBACK TO SAVEPOINT a;\nCALL pgmi_test();");
        EXPECT_TRUE(r.problems.empty());
    }
    {
        const MacroScan r = find_test_macros("BEGIN; COMMIT AND CHAIN; CALL pgmi_test(); COMMIT;");
        EXPECT_TRUE(r.problems.empty());
    }
    {
        const MacroScan r = find_test_macros(
            "start transaction; select 1; commit; select 2; begin; call pgmi_test(); commit;");
        EXPECT_TRUE(r.problems.empty());
        ASSERT_EQ(r.calls.size(), 1u);
    }
    {
        const MacroScan r = find_test_macros("DO $$ BEGIN END $$; CALL pgmi_test();");
        ASSERT_EQ(r.problems.size(), 1u);
        EXPECT_EQ(r.problems[0].message, msg);
    }
    {
        const MacroScan r =
            find_test_macros("BEGIN; PREPARE TRANSACTION 'g'; CALL pgmi_test(); COMMIT;");
        ASSERT_EQ(r.problems.size(), 1u);
    }
}

TEST(TestMacro, ProblemsOrderedByLine) {
    const std::string s = "SELECT pgmi_test();\nCALL pgmi_test();\nDO $$ CALL pgmi_test() $$;";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.problems.size(), 3u);
    EXPECT_EQ(r.problems[0].line, 1);
    EXPECT_EQ(r.problems[1].line, 2);
    EXPECT_EQ(r.problems[2].line, 3);
}

TEST(TestMacro, ValidCallAfterBadOneStillFound) {
    const std::string s = in_block("CALL pgmi_test(E'x'); CALL pgmi_test('y');");
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(r.calls[0].pattern, "y");
    ASSERT_EQ(r.problems.size(), 1u);
}

TEST(TestMacro, MissingCloseParen) {
    const MacroScan r = find_test_macros("BEGIN; CALL pgmi_test('a'");
    EXPECT_TRUE(r.calls.empty());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].message.substr(0, 50),
              "CALL pgmi_test(...) is not expanded: missing ')'; ");
}

TEST(TestMacro, UnterminatedStringArgument) {
    const std::string s = "BEGIN; CALL pgmi_test('abc";
    const MacroScan r = find_test_macros(s);
    EXPECT_TRUE(r.calls.empty());
    ASSERT_EQ(r.problems.size(), 1u);
}

// ---- callback validation ----------------------------------------------------------------------

std::string cb_error(std::string_view cb) {
    const Status st = validate_callback(cb);
    return st ? "" : st.error().message;
}

TEST(Callback, Valid) {
    EXPECT_EQ(cb_error(""), "");
    EXPECT_EQ(cb_error("cb"), "");
    EXPECT_EQ(cb_error("_x1"), "");
    EXPECT_EQ(cb_error("pg_temp.pgmi_test_callback"), "");
    EXPECT_EQ(cb_error(std::string(63, 'a')), "");
}

TEST(Callback, Invalid) {
    EXPECT_EQ(cb_error("a.b.c"), "invalid callback \"a.b.c\": expected [schema.]function format");
    EXPECT_EQ(cb_error("a."), "invalid callback \"a.\": empty identifier");
    EXPECT_EQ(cb_error(".a"), "invalid callback \".a\": empty identifier");
    EXPECT_EQ(cb_error(std::string(64, 'a')), "invalid callback \"" + std::string(64, 'a') +
                                                  "\": identifier \"" + std::string(64, 'a') +
                                                  "\" exceeds 63 character limit");
    EXPECT_EQ(cb_error("1abc"), "invalid callback \"1abc\": \"1abc\" is not a valid identifier");
    EXPECT_EQ(cb_error("s.f-x"), "invalid callback \"s.f-x\": \"f-x\" is not a valid identifier");
    EXPECT_EQ(cb_error("f()"), "invalid callback \"f()\": \"f()\" is not a valid identifier");
    EXPECT_EQ(cb_error("é"), "invalid callback \"é\": \"é\" is not a valid identifier");
    EXPECT_EQ(validate_callback("1").error().kind, ErrorKind::General);
}

// ---- expansion --------------------------------------------------------------------------------

TEST(Expand, SplicesAndMapsBack) {
    const std::string s = "BEGIN;\nCALL pgmi_test('a');\nSELECT 1;\nCALL pgmi_test();\nCOMMIT;\n";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 2u);
    const auto ex = expand(s, r.calls, {"SAVEPOINT x;\nSELECT 2;\n", ""});
    ASSERT_TRUE(ex);
    EXPECT_EQ(ex->script, "BEGIN;\nSAVEPOINT x;\nSELECT 2;\n\nSELECT 1;\n\nCOMMIT;\n");
    ASSERT_EQ(ex->splices.size(), 2u);
    EXPECT_EQ(ex->splices[0].original_line, 2);
    EXPECT_EQ(ex->splices[1].original_line, 4);
    EXPECT_EQ(ex->splices[0].expanded_begin, 7u);
    EXPECT_EQ(ex->splices[0].expanded_end, 30u);

    // Before the first splice: identity.
    EXPECT_EQ(ex->origin(3).offset, 3u);
    EXPECT_FALSE(ex->origin(3).generated);
    // Inside generated text: the call's start, flagged.
    const auto g = ex->origin(ex->script.find("SELECT 2"));
    EXPECT_TRUE(g.generated);
    EXPECT_EQ(g.offset, s.find("CALL"));
    EXPECT_EQ(line_at(s, g.offset), 2);
    EXPECT_EQ(ex->original_line(s, ex->script.find("SELECT 2")), 2);
    EXPECT_EQ(ex->original_line(s, ex->script.find("SELECT 1")), 3);
    EXPECT_EQ(ex->original_line(s, ex->script.find("COMMIT")), 5);
    // After it: shifted back exactly.
    const auto a = ex->origin(ex->script.find("SELECT 1"));
    EXPECT_FALSE(a.generated);
    EXPECT_EQ(a.offset, s.find("SELECT 1"));
    const auto c = ex->origin(ex->script.find("COMMIT"));
    EXPECT_EQ(c.offset, s.find("COMMIT"));
    EXPECT_FALSE(c.generated);
}

TEST(Expand, NoCallsIsIdentity) {
    const auto ex = expand("SELECT 1;", {}, {});
    ASSERT_TRUE(ex);
    EXPECT_EQ(ex->script, "SELECT 1;");
    EXPECT_EQ(ex->origin(4).offset, 4u);
}

TEST(Expand, RejectsMismatchedInput) {
    const std::string s = "CALL pgmi_test();";
    const MacroScan r = find_test_macros(s);
    ASSERT_EQ(r.calls.size(), 1u);
    const auto bad = expand(s, r.calls, {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Unexpected);
    std::vector<TestCall> overlapping = {r.calls[0], r.calls[0]};
    EXPECT_FALSE(expand(s, overlapping, {"a", "b"}));
    std::vector<TestCall> outside = {TestCall{0, 99, {}, {}, 1}};
    EXPECT_FALSE(expand(s, outside, {"a"}));
}

}  // namespace
}  // namespace pgmi::script
