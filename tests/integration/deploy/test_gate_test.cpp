// The test gate end to end (session-api §4, deploy-execution §4.2): the test plan, fixtures and
// isolation, patterns, callbacks, the CALL pgmi_test macro in deploy.sql, and failing tests — on
// the real pgmi binary and, for the generator's exact text, on a prepared session directly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "deploy/test_macros.hpp"
#include "pg/connection.hpp"
#include "project/scanner.hpp"
#include "session/loader.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using Lines = std::vector<std::string>;

/// The lines of `text` that start with `prefix`, with the prefix removed.
Lines lines_with(const std::string& text, const std::string& prefix) {
    Lines out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) == 0)
            out.push_back(line.substr(prefix.size()));
    }
    return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool database_exists(const std::string& db) {
    return query("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + db + "'").size() == 1;
}

std::string create_db() {
    const std::string db = unique_db();
    query("postgres", "CREATE DATABASE " + db);
    return db;
}

Lines plan_rows(const std::string& db, const std::string& table) {
    return query(db,
                 "SELECT concat_ws('|', ordinal, step_type, coalesce(script_path, '-'), "
                 "directory, depth) FROM " +
                     table + " ORDER BY ordinal");
}

/// A test file that reports, as a NOTICE, the item labels it sees, then writes its own row.
std::string observer(const std::string& name, int id) {
    return "DO $$ BEGIN RAISE NOTICE 'seen by " + name +
           ": %', (SELECT string_agg(label, ',' ORDER BY id) FROM item); END $$;\n"
           "INSERT INTO item VALUES (" +
           std::to_string(id) + ", '" + name + " wrote');\n";
}

/// The tree of session-api §4.2: fixtures at the root and in auth/, tests at every level.
void write_example_tree(const TempDir& dir) {
    dir.write("__test__/_setup.sql", "INSERT INTO item VALUES (10, 'root fixture');\n");
    dir.write("__test__/test_basic.sql", observer("basic", 50));
    dir.write("__test__/auth/_setup.sql", "INSERT INTO item VALUES (20, 'auth fixture');\n");
    dir.write("__test__/auth/test_login.sql", observer("login", 51));
    dir.write("__test__/auth/oauth/test_google.sql", observer("google", 52));
    dir.write("__test__/billing/test_stripe.sql", observer("stripe", 53));
}

const Lines kFullPlan = {
    "1|fixture|./__test__/_setup.sql|./__test__/|0",
    "2|test|./__test__/test_basic.sql|./__test__/|0",
    "3|fixture|./__test__/auth/_setup.sql|./__test__/auth/|1",
    "4|test|./__test__/auth/test_login.sql|./__test__/auth/|1",
    "5|test|./__test__/auth/oauth/test_google.sql|./__test__/auth/oauth/|2",
    "6|teardown|-|./__test__/auth/oauth/|2",
    "7|teardown|-|./__test__/auth/|1",
    "8|test|./__test__/billing/test_stripe.sql|./__test__/billing/|1",
    "9|teardown|-|./__test__/billing/|1",
    "10|teardown|-|./__test__/|0",
};

TEST(TestGate, HierarchicalFixturesIsolationAndPlan) {
    TempDir dir;
    write_example_tree(dir);
    dir.write("deploy.sql",
              "BEGIN;\n"
              "CREATE TABLE item(id int PRIMARY KEY, label text);\n"
              "INSERT INTO item VALUES (1, 'migration');\n"
              "CREATE TABLE plan_all AS SELECT * FROM pg_temp.pgmi_test_plan();\n"
              "CREATE TABLE plan_billing AS SELECT * FROM pg_temp.pgmi_test_plan('billing');\n"
              "CREATE TABLE plan_oauth AS SELECT * FROM pg_temp.pgmi_test_plan('oauth');\n"
              "CREATE TABLE plan_none AS SELECT * FROM pg_temp.pgmi_test_plan('nothing');\n"
              "CALL pgmi_test();\n"
              "COMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;

    // Each test sees the migration, its own directory's and every ancestor's fixture, and no
    // write of an earlier test; a sibling directory's fixture is gone after its teardown.
    EXPECT_EQ(
        lines_with(r.err, "seen by "),
        (Lines{"basic: migration,root fixture", "login: migration,root fixture,auth fixture",
               "google: migration,root fixture,auth fixture", "stripe: migration,root fixture"}));
    EXPECT_EQ(
        lines_with(r.err, "[pgmi] "),
        (Lines{"Test suite started", "Fixture: ./__test__/_setup.sql",
               "Test: ./__test__/test_basic.sql", "Fixture: ./__test__/auth/_setup.sql",
               "Test: ./__test__/auth/test_login.sql",
               "Test: ./__test__/auth/oauth/test_google.sql",
               "Test: ./__test__/billing/test_stripe.sql", "Test suite completed (10 steps)"}));
    // Teardown by rollback: only the migration's row is committed.
    EXPECT_EQ(query(db, "SELECT id || ':' || label FROM item ORDER BY id"), (Lines{"1:migration"}));

    EXPECT_EQ(plan_rows(db, "plan_all"), kFullPlan);
    // A pattern keeps the ancestors' fixtures; subtrees without a match vanish entirely.
    EXPECT_EQ(plan_rows(db, "plan_billing"),
              (Lines{"1|fixture|./__test__/_setup.sql|./__test__/|0",
                     "2|test|./__test__/billing/test_stripe.sql|./__test__/billing/|1",
                     "3|teardown|-|./__test__/billing/|1", "4|teardown|-|./__test__/|0"}));
    EXPECT_EQ(plan_rows(db, "plan_oauth"),
              (Lines{"1|fixture|./__test__/_setup.sql|./__test__/|0",
                     "2|fixture|./__test__/auth/_setup.sql|./__test__/auth/|1",
                     "3|test|./__test__/auth/oauth/test_google.sql|./__test__/auth/oauth/|2",
                     "4|teardown|-|./__test__/auth/oauth/|2", "5|teardown|-|./__test__/auth/|1",
                     "6|teardown|-|./__test__/|0"}));
    EXPECT_EQ(plan_rows(db, "plan_none"), Lines{});
    EXPECT_EQ(query(db,
                    "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' "
                    "ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'plan_all'::regclass "
                    "AND attnum > 0"),
              (Lines{"ordinal integer, step_type text, script_path text, directory text, "
                     "depth integer"}));
}

TEST(TestGate, PatternRunKeepsAncestorFixtures) {
    TempDir dir;
    write_example_tree(dir);
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE item(id int PRIMARY KEY, label text);\n"
              "INSERT INTO item VALUES (1, 'migration');\nCALL pgmi_test('oauth');\nCOMMIT;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, "seen by "),
              (Lines{"google: migration,root fixture,auth fixture"}));
    EXPECT_EQ(
        lines_with(r.err, "[pgmi] "),
        (Lines{"Test suite started", "Fixture: ./__test__/_setup.sql",
               "Fixture: ./__test__/auth/_setup.sql", "Test: ./__test__/auth/oauth/test_google.sql",
               "Test suite completed (6 steps)"}));
}

TEST(TestGate, PlanOrderIgnoresTheDatabaseCollation) {
    // Under en-US ICU, 'a' < 'B' and '_' sorts before letters; pgmi's order is bytes (C).
    const std::string db = unique_db("icu");
    const std::string err = query_error(
        "postgres", "CREATE DATABASE " + db +
                        " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'");
    if (!err.empty())
        GTEST_SKIP() << "no ICU database possible: " << err;
    ASSERT_EQ(query(db, "SELECT string_agg(x, ',' ORDER BY x) FROM unnest(ARRAY['a', 'B']) x"),
              (Lines{"a,B"}))
        << "the database must really sort differently from C";
    TempDir dir;
    dir.write("__tests__/a/test_1.sql", "SELECT 1;");
    dir.write("__tests__/B/test_1.sql", "SELECT 1;");
    dir.write("__tests__/test_a.sql", "SELECT 1;");
    dir.write("__tests__/test_B.sql", "SELECT 1;");
    dir.write("__tests__/_setup.psql", "SELECT 1;");
    dir.write("x/__test__/t.sql", "SELECT 1;");
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE plan AS SELECT * FROM pg_temp.pgmi_test_plan();\n"
              "CALL pgmi_test();\nCOMMIT;\n");
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(plan_rows(db, "plan"), (Lines{
                                         "1|fixture|./__tests__/_setup.psql|./__tests__/|0",
                                         "2|test|./__tests__/test_B.sql|./__tests__/|0",
                                         "3|test|./__tests__/test_a.sql|./__tests__/|0",
                                         "4|test|./__tests__/B/test_1.sql|./__tests__/B/|1",
                                         "5|teardown|-|./__tests__/B/|1",
                                         "6|test|./__tests__/a/test_1.sql|./__tests__/a/|1",
                                         "7|teardown|-|./__tests__/a/|1",
                                         "8|teardown|-|./__tests__/|0",
                                         "9|test|./x/__test__/t.sql|./x/__test__/|0",
                                         "10|teardown|-|./x/__test__/|0",
                                     }));
}

TEST(TestGate, CustomCallbackReceivesTheFullEventStream) {
    TempDir dir;
    dir.write("__test__/_setup.sql", "SELECT 1;");
    dir.write("__test__/a.sql", "SELECT 1;");
    dir.write("__test__/b.sql", "SELECT 1;");
    dir.write("__test__/sub/c.sql", "SELECT 1;");
    // The callback reports every event as a NOTICE (delivered even when the savepoint around it
    // is rolled back) and records it in a temp table (kept only outside savepoints).
    dir.write("deploy.sql",
              "BEGIN;\n"
              "CREATE TEMP TABLE events(seq serial, event text, ordinal int);\n"
              "CREATE FUNCTION pg_temp.rec(e pg_temp.pgmi_test_event) RETURNS void\n"
              "LANGUAGE plpgsql AS $$\n"
              "BEGIN\n"
              "  RAISE NOTICE 'ev %|%|%|%|%|%', e.event, coalesce(e.path, '-'), e.directory,\n"
              "    e.depth, e.ordinal, coalesce(e.context::text, '-');\n"
              "  INSERT INTO pg_temp.events(event, ordinal) VALUES (e.event, e.ordinal);\n"
              "END $$;\n"
              "CALL pgmi_test(NULL, 'pg_temp.rec');\n"
              "CREATE TABLE kept AS SELECT event, ordinal FROM pg_temp.events ORDER BY seq;\n"
              "COMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, "ev "), (Lines{
                                            "suite_start|-||0|0|-",
                                            "fixture_start|./__test__/_setup.sql|./__test__/|0|1|-",
                                            "fixture_end|./__test__/_setup.sql|./__test__/|0|1|-",
                                            "test_start|./__test__/a.sql|./__test__/|0|2|-",
                                            "test_end|./__test__/a.sql|./__test__/|0|2|-",
                                            "rollback|./__test__/a.sql|./__test__/|0|2|-",
                                            "test_start|./__test__/b.sql|./__test__/|0|3|-",
                                            "test_end|./__test__/b.sql|./__test__/|0|3|-",
                                            "rollback|./__test__/b.sql|./__test__/|0|3|-",
                                            "test_start|./__test__/sub/c.sql|./__test__/sub/|1|4|-",
                                            "test_end|./__test__/sub/c.sql|./__test__/sub/|1|4|-",
                                            "rollback|./__test__/sub/c.sql|./__test__/sub/|1|4|-",
                                            "teardown_start|-|./__test__/sub/|1|5|-",
                                            "teardown_end|-|./__test__/sub/|1|5|-",
                                            "teardown_start|-|./__test__/|0|6|-",
                                            "teardown_end|-|./__test__/|0|6|-",
                                            "suite_end|-||0|6|-",
                                        }));
    // The default callback was not used.
    EXPECT_EQ(lines_with(r.err, "[pgmi]"), Lines{});
    // Side effects inside savepoints roll back: what stays is the documented three.
    EXPECT_EQ(query(db, "SELECT event || ':' || ordinal FROM kept"),
              (Lines{"suite_start:0", "teardown_end:6", "suite_end:6"}));
}

TEST(TestGate, FailingTestRollsBackEverything) {
    TempDir dir;
    dir.write("__test__/_setup.sql", "INSERT INTO item VALUES (10);\n");
    dir.write("__test__/t1_ok.sql", "SELECT 1;\n");
    dir.write("__test__/t2_fails.sql",
              "SELECT 1;\nDO $$ BEGIN\n  ASSERT (SELECT count(*) FROM item) = 5, 'expected five "
              "items';\nEND $$;\n");
    dir.write("__test__/t3_never.sql", "DO $$ BEGIN RAISE NOTICE 'must not run'; END $$;\n");
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE item(id int);\nINSERT INTO item VALUES (1);\n"
              "CALL pgmi_test();\nCOMMIT;\nCREATE TABLE tail_table(a int);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "./__test__/t2_fails.sql:3:3: pgmi: error: execution failed: ERROR: "
                         "Failed in ./__test__/t2_fails.sql: expected five items "
                         "(SQLSTATE P0004)\n"))
        << r.err;
    EXPECT_FALSE(contains(r.err, "must not run")) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename IN ('item', 'tail_table')"),
              (Lines{"0"}));

    // The same through --json: the failed file and the original SQLSTATE.
    auto j = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    EXPECT_EQ(j.exit_code, 13) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc.at("failedFile"), "./__test__/t2_fails.sql");
    EXPECT_EQ(doc.at("sqlstate"), "P0004");
    EXPECT_EQ(doc.at("testMacros"), 1);
    // A runtime error has no position, but this one is raised in the file's one DO block
    // (issue 16): its line comes from the CONTEXT the failure marker kept.
    EXPECT_EQ(doc.at("line"), 3);
    EXPECT_EQ(doc.at("sourceLine"),
              "  ASSERT (SELECT count(*) FROM item) = 5, 'expected five items';");
}

TEST(TestGate, FailingTestNamesItsLineDetailAndHint) {
    TempDir dir;
    dir.write("__test__/a_positioned.sql",
              "-- a test\nSELECT 1;\n\nSELECT missing_col\n  FROM pg_class;\n");
    dir.write("deploy.sql", "BEGIN;\nCREATE TABLE m(a int);\nCALL pgmi_test();\nCOMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "./__test__/a_positioned.sql:4:8: pgmi: error: execution failed: "
                         "ERROR: Failed in ./__test__/a_positioned.sql: column "
                         "\"missing_col\" does not exist (SQLSTATE 42703)\n"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "LINE 4: SELECT missing_col\n               ^\n")) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'm'"), (Lines{"0"}));

    auto j = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc.at("failedFile"), "./__test__/a_positioned.sql");
    EXPECT_EQ(doc.at("script"), "./__test__/a_positioned.sql");
    EXPECT_EQ(doc.at("line"), 4);
    EXPECT_EQ(doc.at("column"), 8);
    EXPECT_EQ(doc.at("sqlstate"), "42703");

    // A syntax error in a fixture, past a multi-byte character: line and column in characters.
    TempDir syn;
    syn.write("__test__/_setup.sql", "SELECT 'é';\nSELECT 1 +;\n");
    syn.write("__test__/t.sql", "SELECT 1;");
    syn.write("deploy.sql", "BEGIN;\nCALL pgmi_test();\nCOMMIT;\n");
    auto s = run_pgmi(deploy_args(syn.path(), unique_db()));
    EXPECT_EQ(s.exit_code, 13) << s.err;
    EXPECT_TRUE(contains(s.err,
                         "./__test__/_setup.sql:2:11: pgmi: error: execution failed: "
                         "ERROR: Failed in ./__test__/_setup.sql: syntax error at or near "
                         "\";\" (SQLSTATE 42601)\n"))
        << s.err;

    // DETAIL and HINT of the original error are kept (the reference dropped the HINT).
    TempDir hint;
    hint.write("__test__/t.sql",
               "DO $$ BEGIN RAISE EXCEPTION 'bad data' USING DETAIL = 'row 7', HINT = 'fix it', "
               "ERRCODE = '22023'; END $$;");
    hint.write("deploy.sql", "BEGIN;\nCALL pgmi_test();\nCOMMIT;\n");
    auto h = run_pgmi(deploy_args(hint.path(), unique_db()));
    EXPECT_EQ(h.exit_code, 13) << h.err;
    EXPECT_TRUE(contains(h.err,
                         "./__test__/t.sql:1:1: pgmi: error: execution failed: ERROR: Failed in "
                         "./__test__/t.sql: bad data (SQLSTATE 22023)\nDETAIL: row 7\n"
                         "HINT: fix it\n"))
        << h.err;
}

TEST(TestGate, PersistTestPlan) {
    TempDir dir;
    write_example_tree(dir);
    dir.write("deploy.sql",
              "BEGIN;\nCREATE SCHEMA \"QA s\";\n"
              "SELECT pg_temp.pgmi_persist_test_plan('QA s');\n"
              "CREATE TABLE full_copy AS SELECT * FROM \"QA s\".pgmi_test_plan;\n"
              "SELECT pg_temp.pgmi_persist_test_plan('QA s', 'billing');\n"
              // An existing table with another column order is filled by name.
              "CREATE SCHEMA other;\n"
              "CREATE TABLE other.pgmi_test_plan(depth int, directory text, script_path text, "
              "step_type text, ordinal int PRIMARY KEY);\n"
              "INSERT INTO other.pgmi_test_plan VALUES (9, 'stale', NULL, 'x', 99);\n"
              "SELECT pg_temp.pgmi_persist_test_plan('other', 'oauth');\n"
              "COMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(plan_rows(db, "full_copy"), kFullPlan);
    EXPECT_EQ(plan_rows(db, "\"QA s\".pgmi_test_plan"),
              (Lines{"1|fixture|./__test__/_setup.sql|./__test__/|0",
                     "2|test|./__test__/billing/test_stripe.sql|./__test__/billing/|1",
                     "3|teardown|-|./__test__/billing/|1", "4|teardown|-|./__test__/|0"}));
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM other.pgmi_test_plan WHERE step_type = 'test' AND "
                    "script_path = './__test__/auth/oauth/test_google.sql' AND depth = 2 AND "
                    "ordinal = 3"),
              (Lines{"1"}));
    EXPECT_EQ(query(db, "SELECT count(*) FROM other.pgmi_test_plan"), (Lines{"6"}));
}

TEST(TestGate, MacroFormsAllExpand) {
    TempDir dir;
    dir.write("__test__/a/test_x.sql", "SELECT 1;");
    dir.write("__test__/b/test_y.sql", "SELECT 1;");
    dir.write("deploy.sql",
              "BEGIN;\n"
              "CREATE FUNCTION pg_temp.cb(e pg_temp.pgmi_test_event) RETURNS void LANGUAGE plpgsql "
              "AS $$ BEGIN IF e.event = 'test_start' THEN RAISE NOTICE 'cb %', e.path; END IF; "
              "END $$;\n"
              "CALL pgmi_test();\n"                               // no arguments
              "call PGMI_TEST ( 'test_y' ) ;\n"                   // pattern, any case and spacing
              "CALL pg_temp.pgmi_test('test_x', 'pg_temp.cb')\n"  // pattern + callback, no ';'
              "CALL pgmi_test(NULL);\n"                           // NULL pattern
              "SELECT 1;CALL pgmi_test();CALL pgmi_test('x');\n"  // glued calls
              "CALL\n  /* c */ Pgmi_Test(\n  NULL,\n  'pg_temp.cb'\n);\n"
              "COMMIT;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, "[pgmi] Test: "),
              (Lines{"./__test__/a/test_x.sql", "./__test__/b/test_y.sql",  // ()
                     "./__test__/b/test_y.sql",                             // ('test_y')
                     "./__test__/a/test_x.sql", "./__test__/b/test_y.sql",  // (NULL)
                     "./__test__/a/test_x.sql", "./__test__/b/test_y.sql",  // glued ()
                     "./__test__/a/test_x.sql"}));                          // glued ('x')
    EXPECT_EQ(lines_with(r.err, "cb "),
              (Lines{"./__test__/a/test_x.sql",                                // ('test_x', cb)
                     "./__test__/a/test_x.sql", "./__test__/b/test_y.sql"}));  // (NULL, cb)
    EXPECT_TRUE(contains(r.err, " 2 files loaded, 7 test macro(s) expanded in ")) << r.err;

    auto v = run_pgmi(deploy_args(dir.path(), unique_db(), {"--verbose"}));
    ASSERT_EQ(v.exit_code, 0) << v.err;
    EXPECT_TRUE(contains(v.err, "[VERBOSE] Expanded 7 test macro(s) in deploy.sql\n")) << v.err;
    // DEBUG is shown bare, like NOTICE (issue 16), after the -v timestamp.
    EXPECT_TRUE(contains(v.err, "s] [pgmi] Rollback: ./__test__/a/test_x.sql\n")) << v.err;
    EXPECT_TRUE(contains(v.err, "s] [pgmi] Teardown: ./__test__/a/\n")) << v.err;
    EXPECT_FALSE(contains(v.err, "pgmi_test_callback")) << "pgmi's own frames are never shown";

    // In the psql-mode tail, inside its own BEGIN ... COMMIT, it works too.
    TempDir tail;
    tail.write("__test__/t.sql", "SELECT 1;");
    tail.write("deploy.sql",
               "CREATE TABLE head_t(a int);\nCOMMIT;\nBEGIN;\nCALL pgmi_test();\nCOMMIT;\n");
    auto t = run_pgmi(deploy_args(tail.path(), unique_db()));
    EXPECT_EQ(t.exit_code, 0) << t.err;
    EXPECT_EQ(lines_with(t.err, "[pgmi] Test: "), (Lines{"./__test__/t.sql"}));
}

TEST(TestGate, UnusableCallsFailBeforeAnythingRuns) {
    TempDir dir;
    dir.write("__test__/t.sql", "SELECT 1;");
    dir.write("deploy.sql",
              "CREATE TABLE must_not_exist(a int);\n"  // 1
              "CALL pgmi_test();\n"                    // 2: outside BEGIN ... COMMIT
              "BEGIN;\n"                               // 3
              "DO $$\nBEGIN\n  CALL pgmi_test();\n"    // 4-6: inside a DO body
              "END $$;\n"                              // 7
              "CALL pgmi_test(NULL, 'a.b.c');\n"       // 8: invalid callback
              "CALL pgmi_test(E'x');\n"                // 9: unrecognized argument
              "COMMIT;\n");
    const std::string db = create_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(
        r.err,
        "pgmi: error: failed to preprocess deploy.sql: 4 CALL pgmi_test problem(s), nothing was "
        "run:\n"
        "deploy.sql:2: CALL pgmi_test() must run inside BEGIN ... COMMIT (its tests use "
        "savepoints)\n"
        "deploy.sql:6: CALL pgmi_test() inside a DO block or function body is not expanded; call "
        "it at the top level of deploy.sql between BEGIN and COMMIT\n"
        "deploy.sql:8: invalid callback \"a.b.c\": expected [schema.]function format\n"
        "deploy.sql:9: CALL pgmi_test(...) is not expanded: E'...' strings are not accepted;"))
        << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'must_not_exist'"),
              (Lines{"0"}));

    // Decided offline: a missing target database is not even created.
    const std::string fresh = unique_db();
    auto f = run_pgmi(deploy_args(dir.path(), fresh));
    EXPECT_EQ(f.exit_code, 10) << f.err;
    EXPECT_FALSE(database_exists(fresh));
}

TEST(TestGate, ATableNamedPgmiTestIsJustATable) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE pgmi_test (id int);\nINSERT INTO pgmi_test (id) VALUES (1);\n"
              "CALL pgmi_test();\nCOMMIT;\n");
    dir.write("__test__/test_it.sql", "SELECT 1 FROM pgmi_test;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pgmi_test"), Lines{"1"});
}

TEST(TestGate, InvalidRegexIsAConfigurationError) {
    TempDir dir;
    dir.write("__test__/t.sql", "SELECT 1;");
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE must_not_exist(a int);\n\nCALL pgmi_test('./users/**');\n"
              "COMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "pgmi: error: failed to preprocess deploy.sql: deploy.sql:4: failed to "
                         "call pgmi_test_generate: ERROR: Invalid regex pattern: ./users/** "
                         "(SQLSTATE P0001)\n"
                         "DETAIL: invalid regular expression: quantifier operand invalid\n"
                         "HINT: Pattern must be a valid PostgreSQL POSIX regular expression\n"))
        << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'must_not_exist'"),
              (Lines{"0"}));
}

TEST(TestGate, NoTestsFailsWithNoDataFound) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE must_not_exist(a int);\nCALL pgmi_test();\n"
              "COMMIT;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "pgmi: error: execution failed: ERROR: pgmi: no tests were discovered "
                         "(SQLSTATE P0002)\nHINT: pgmi_test() ran nothing. Tests are *.sql files "
                         "under a __test__/ or __tests__/ directory; remove the call if this "
                         "project has none.\n"))
        << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'must_not_exist'"),
              (Lines{"0"}));

    dir.write("__tests__/t.sql", "SELECT 1;");
    dir.write("deploy.sql", "BEGIN;\nCALL pgmi_test('nomatch');\nCOMMIT;\n");
    auto p = run_pgmi(deploy_args(dir.path(), unique_db()));
    EXPECT_EQ(p.exit_code, 13) << p.err;
    EXPECT_TRUE(contains(p.err,
                         "ERROR: pgmi: no tests matched the requested pattern (SQLSTATE P0002)\n"
                         "HINT: pgmi_test(pattern) ran nothing. Check the pattern against "
                         "pg_temp.pgmi_test_source_view.\n"))
        << p.err;
}

TEST(TestGate, ErrorLocationsPointAtTheOriginalDeploySql) {
    TempDir dir;
    dir.write("__test__/t.sql", "SELECT 1;");
    // After a macro: the statement's own line in deploy.sql, not in the expanded text.
    dir.write("deploy.sql",
              "BEGIN;\nCALL pgmi_test();\n\nSELECT nope_col FROM pg_class;\nCOMMIT;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "deploy.sql:4:8: pgmi: error: execution failed: ERROR: column "
                         "\"nope_col\" does not exist (SQLSTATE 42703)\n"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "LINE 4: SELECT nope_col FROM pg_class;\n")) << r.err;

    // Inside generated text (a callback that does not exist): the macro's line.
    dir.write("deploy.sql",
              "BEGIN;\nSELECT 1;\n  CALL pgmi_test(NULL, 'pg_temp.no_such_cb');\nCOMMIT;\n");
    auto g = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    EXPECT_EQ(g.exit_code, 13) << g.err;
    const auto doc = nlohmann::json::parse(g.out);
    EXPECT_EQ(doc.at("sqlstate"), "42883");
    EXPECT_EQ(doc.at("script"), "deploy.sql");
    EXPECT_EQ(doc.at("line"), 3);
    EXPECT_EQ(doc.at("column"), 3);
    EXPECT_EQ(doc.at("scriptExpanded"), true);
    EXPECT_EQ(doc.at("sourceLine"), "  CALL pgmi_test(NULL, 'pg_temp.no_such_cb');");
}

// ---- the expansion on a prepared session, without the binary ----------------------------------

struct Session {
    TempDir dir;
    std::optional<pg::Connection> conn;
    std::optional<project::Project> project;
};

void prepare_session(Session& s) {
    const std::string db = create_db();
    auto p = project::scan(s.dir.path());
    ASSERT_TRUE(p) << p.error().message;
    s.project = std::move(*p);
    auto c = pg::Connection::open(server().conn_params(db));
    ASSERT_TRUE(c) << c.error().message;
    s.conn = std::move(*c);
    auto prepared = session::prepare(*s.conn, *s.project, {}, 1, [](std::string_view) {});
    ASSERT_TRUE(prepared) << prepared.error().message;
}

TEST(TestGateSession, GeneratedTextIsExact) {
    Session s;
    s.dir.write("__test__/t.sql", "SELECT 1;");
    s.dir.write("deploy.sql", "BEGIN;\nCALL pgmi_test()\nCOMMIT;\n");
    ASSERT_NO_FATAL_FAILURE(prepare_session(s));
    auto scan = deploy::check_test_macros(s.project->deploy_sql);
    ASSERT_TRUE(scan);
    auto ex = deploy::expand_test_macros(*s.conn, s.project->deploy_sql, *scan);
    ASSERT_TRUE(ex) << ex.error().message;
    auto ev = [](const std::string& args) {
        return "SELECT pg_temp.pgmi_test_callback(ROW(" + args +
               ", NULL)::pg_temp.pgmi_test_event);\n";
    };
    const std::string t = "'./__test__/t.sql', './__test__/', 0, 1";
    const std::string expected =
        "BEGIN;\n" + ev("'suite_start', NULL, '', 0, 0") +
        "SAVEPOINT __pgmi_d1__;\nSAVEPOINT __pgmi_t2__;\n" + ev("'test_start', " + t) +
        "SELECT pg_temp.pgmi_run_test_source('./__test__/t.sql');\n" + ev("'test_end', " + t) +
        ev("'rollback', " + t) + "ROLLBACK TO SAVEPOINT __pgmi_t2__;\n" +
        ev("'teardown_start', NULL, './__test__/', 0, 2") +
        "ROLLBACK TO SAVEPOINT __pgmi_d1__;\nRELEASE SAVEPOINT __pgmi_d1__;\n" +
        ev("'teardown_end', NULL, './__test__/', 0, 2") +
        "SELECT pg_temp.pgmi_test_callback(ROW('suite_end', NULL, '', 0, 2, "
        "NULL)::pg_temp.pgmi_test_event);COMMIT;\n";
    EXPECT_EQ(ex->script, expected);
    ASSERT_EQ(ex->splices.size(), 1u);
    EXPECT_EQ(ex->splices[0].original_line, 2);
}

TEST(TestGateSession, GeneratorChecksTheCallbackAndFixtureSavepoints) {
    Session s;
    s.dir.write("__test__/_setup.sql", "SELECT 1;");
    s.dir.write("__test__/_SETUP.psql", "SELECT 2;");
    s.dir.write("__test__/t.sql", "SELECT 1;");
    s.dir.write("deploy.sql", "SELECT 1;");
    ASSERT_NO_FATAL_FAILURE(prepare_session(s));
    // Server-side validation of the callback name: 22023.
    auto bad = s.conn->exec("SELECT pg_temp.pgmi_test_generate(NULL, 'x; DROP TABLE y')");
    ASSERT_FALSE(bad);
    ASSERT_TRUE(bad.error().server);
    EXPECT_EQ(bad.error().server->sqlstate, "22023");
    EXPECT_EQ(bad.error().server->message,
              "Invalid callback name: x; DROP TABLE y. Expected [schema.]function identifier.");
    // Two fixtures in one directory: a savepoint each; the teardown rolls back to the first.
    auto gen = s.conn->exec(
        "SELECT string_agg(l, E'\\n') FROM regexp_split_to_table("
        "pg_temp.pgmi_test_generate(), E'\\n') l WHERE l !~ '^SELECT pg_temp.pgmi_test_callback'");
    ASSERT_TRUE(gen) << gen.error().message;
    EXPECT_EQ(std::string(gen->value(0, 0)),
              "SAVEPOINT __pgmi_d1__;\n"
              "SELECT pg_temp.pgmi_run_test_source('./__test__/_SETUP.psql');\n"
              "SAVEPOINT __pgmi_d2__;\n"
              "SELECT pg_temp.pgmi_run_test_source('./__test__/_setup.sql');\n"
              "SAVEPOINT __pgmi_t3__;\n"
              "SELECT pg_temp.pgmi_run_test_source('./__test__/t.sql');\n"
              "ROLLBACK TO SAVEPOINT __pgmi_t3__;\n"
              "ROLLBACK TO SAVEPOINT __pgmi_d1__;\n"
              "RELEASE SAVEPOINT __pgmi_d1__;");
    // pgmi_has_tests and pgmi_validate_pattern.
    auto has = s.conn->exec(
        "SELECT concat_ws(',', pg_temp.pgmi_has_tests('./__test__/'), "
        "pg_temp.pgmi_has_tests('./__test__/', 't\\.sql$'), "
        "pg_temp.pgmi_has_tests('./__test__/', '_setup'), "
        "pg_temp.pgmi_has_tests('./nowhere/'), pg_temp.pgmi_validate_pattern('a+') , "
        "pg_temp.pgmi_validate_pattern(NULL) IS NULL)");
    ASSERT_TRUE(has) << has.error().message;
    EXPECT_EQ(std::string(has->value(0, 0)), "t,t,f,f,a+,t");
    auto missing = s.conn->exec("SELECT pg_temp.pgmi_run_test_source('./__test__/nope.sql')");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().server->sqlstate, "22004");
    EXPECT_EQ(missing.error().server->message,
              "Failed in ./__test__/nope.sql: query string argument of EXECUTE is null");
}

}  // namespace
}  // namespace pgmi::test
