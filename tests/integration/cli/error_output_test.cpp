// Issue 16, paper cut 5: the error block of a failing file. Before, a file run through EXECUTE
// printed the whole file again as CONTEXT, and a failing test printed pgmi's own frame
// (`pg_temp_3.pgmi_run_test_source(text) line 51`). Now: the file, the line, a short excerpt
// with a caret; the full CONTEXT only with -v; pgmi's frames never.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// deploy.sql in the reference's TESTING style: EXECUTE every migration, no wrapper of its own.
constexpr const char* kLoop = R"sql(BEGIN;
DO $$
DECLARE v_file RECORD;
BEGIN
    FOR v_file IN SELECT path, content FROM pg_temp.pgmi_plan_view
                  WHERE path LIKE './migrations/%' ORDER BY execution_order
    LOOP
        EXECUTE v_file.content;
    END LOOP;
END $$;
CALL pgmi_test();
COMMIT;
)sql";

std::string filler(int lines) {
    std::string out;
    for (int i = 1; i <= lines; ++i)
        out += "-- filler line " + std::to_string(i) + "\n";
    return out;
}

TEST(ErrorOutput, ASyntaxErrorInAnExecutedFileShowsAnExcerptNotTheFile) {
    TempDir dir;
    dir.write("deploy.sql", kLoop);
    dir.write("migrations/001.sql", filler(20) +
                                        "CREATE TABLE t1(a int);\n"
                                        "INSERT INTO t1 VALUES (1);\n"
                                        "SELECT nosuchcol FROM t1;\n"
                                        "SELECT 2;\n");
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("syntax")));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err, "./migrations/001.sql:23:8: pgmi: error: ")) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "     21: CREATE TABLE t1(a int);\n"
                         "     22: INSERT INTO t1 VALUES (1);\n"
                         "LINE 23: SELECT nosuchcol FROM t1;\n"
                         "                ^\n"
                         "     24: SELECT 2;\n"))
        << r.err;
    EXPECT_FALSE(contains(r.err, "CONTEXT")) << r.err;
    EXPECT_FALSE(contains(r.err, "filler line 1\n")) << r.err;

    // -v: the server's whole CONTEXT too.
    const RunResult v = run_pgmi(deploy_args(dir.path(), unique_db("syntaxv"), {"-v"}));
    ASSERT_EQ(v.exit_code, 13);
    EXPECT_TRUE(contains(v.err, "CONTEXT: ")) << v.err;
}

TEST(ErrorOutput, AnUnpositionedRuntimeErrorNamesTheFileWithoutRepeatingIt) {
    TempDir dir;
    dir.write("deploy.sql", kLoop);
    dir.write("migrations/001.sql", filler(20) +
                                        "CREATE TABLE t1(a int);\n"
                                        "INSERT INTO t1 VALUES (1);\n"
                                        "UPDATE t1 SET a = a / 0;\n"
                                        "SELECT 2;\n");
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("divzero")));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "./migrations/001.sql: pgmi: error: execution failed: ERROR: "
                         "division by zero"))
        << r.err;
    // Before: 26 lines of CONTEXT (the file, again). Now one line per frame.
    EXPECT_TRUE(contains(r.err,
                         "CONTEXT: SQL statement \"-- filler line 1 ... (24 more lines; -v "
                         "shows them)\n"
                         "PL/pgSQL function inline_code_block line 7 at EXECUTE\n"))
        << r.err;
    EXPECT_FALSE(contains(r.err, "filler line 2")) << r.err;
    const RunResult v = run_pgmi(deploy_args(dir.path(), unique_db("divzerov"), {"-v"}));
    EXPECT_TRUE(contains(v.err, "filler line 20\n")) << v.err;
}

TEST(ErrorOutput, ARaiseInAFilesDoBlockIsLocated) {
    TempDir dir;
    dir.write("deploy.sql", kLoop);
    dir.write("migrations/001.sql",
              "-- a migration with one DO block\n"
              "CREATE TABLE t1(a int);\n"
              "DO $m$\n"
              "BEGIN\n"
              "    IF (SELECT count(*) FROM t1) = 0 THEN\n"
              "        RAISE EXCEPTION 't1 should not be empty';\n"
              "    END IF;\n"
              "END\n"
              "$m$;\n");
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("doblock")));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err, "./migrations/001.sql:6:9: pgmi: error: ")) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "LINE 6:         RAISE EXCEPTION 't1 should not be empty';\n"
                         "                ^\n"
                         "     7:     END IF;\n"))
        << r.err;
}

TEST(ErrorOutput, AFailingTestShowsItsLineAndNoInternalFrame) {
    TempDir dir;
    dir.write("deploy.sql", kLoop);
    dir.write("migrations/001.sql", "CREATE TABLE t1(a int);\nINSERT INTO t1 VALUES (1);\n");
    dir.write("__test__/test_a.sql",
              "-- a test\n"
              "DO $$\n"
              "BEGIN\n"
              "  PERFORM 1;\n"
              "  IF (SELECT count(*) FROM t1) <> 5 THEN\n"
              "    RAISE EXCEPTION 'expected 5 rows, got %', (SELECT count(*) FROM t1);\n"
              "  END IF;\n"
              "END $$;\n");
    for (bool verbose : {false, true}) {
        std::vector<std::string> extra = {"--json"};
        if (verbose)
            extra.emplace_back("-v");
        const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("test"), extra));
        ASSERT_EQ(r.exit_code, 13) << r.err;
        EXPECT_FALSE(contains(r.err + r.out, "pgmi_run_test_source")) << r.err << r.out;
        EXPECT_TRUE(contains(r.err,
                             "./__test__/test_a.sql:6:5: pgmi: error: execution failed: "
                             "ERROR: Failed in ./__test__/test_a.sql: expected 5 rows, "
                             "got 1"))
            << r.err;
        EXPECT_TRUE(contains(r.err,
                             "     4:   PERFORM 1;\n"
                             "     5:   IF (SELECT count(*) FROM t1) <> 5 THEN\n"
                             "LINE 6:     RAISE EXCEPTION 'expected 5 rows, got %', "
                             "(SELECT count(*) FROM t1);\n"
                             "            ^\n"
                             "     7:   END IF;\n"))
            << r.err;
        const auto doc = nlohmann::json::parse(r.out);
        EXPECT_EQ(doc["failedFile"], "./__test__/test_a.sql");
        EXPECT_EQ(doc["line"], 6);
        EXPECT_FALSE(doc.contains("where")) << r.out;
    }
}

// A test that commits fails with 0A000 and a CONTEXT that names no file; the error once came
// without the test's name (hostile review). The failure marker the test sent names it.
TEST(ErrorOutput, ATestThatCommitsIsNamed) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCALL pgmi_test();\nCOMMIT;\n");
    dir.write("__test__/test_commit.sql", "SELECT 1;\nCOMMIT;\n");
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("tcommit"), {"--json"}));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err, "./__test__/test_commit.sql")) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["failedFile"], "./__test__/test_commit.sql") << r.out;
}

}  // namespace
}  // namespace pgmi::test
