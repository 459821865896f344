// Issue 16, paper cut 1: notices. A TAP stream that a test callback raises with RAISE NOTICE must
// reach stderr as TAP (checked by the real `tap-parser` from tests/node), WARNING stands out with
// its label, and --json keeps every notice's severity.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/node_tools.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using nlohmann::json;

/// A project whose test callback prints TAP (the reference's callback examples do this), plus a
/// WARNING and an INFO of its own.
void tap_project(const TempDir& dir) {
    dir.write("deploy.sql", R"sql(BEGIN;
CREATE SEQUENCE pg_temp.tap_n;
CREATE FUNCTION pg_temp.tap(e pg_temp.pgmi_test_event) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CASE e.event
        WHEN 'suite_start' THEN RAISE NOTICE 'TAP version 14';
        WHEN 'test_end' THEN RAISE NOTICE 'ok % - %', nextval('pg_temp.tap_n'), e.path;
        WHEN 'suite_end' THEN RAISE NOTICE '1..%', currval('pg_temp.tap_n');
        ELSE NULL;
    END CASE;
END $$;
DO $$ BEGIN
    RAISE WARNING 'the seed was skipped';
    RAISE INFO 'an info line';
END $$;
CREATE TABLE item(id int);
CALL pgmi_test(NULL, 'pg_temp.tap');
COMMIT;
)sql");
    dir.write("__test__/test_a.sql", "INSERT INTO item VALUES (1);\n");
    dir.write("__test__/test_b.sql", "SELECT count(*) FROM item;\n");
    dir.write("__test__/test_c.sql", "DO $$ BEGIN PERFORM 1; END $$;\n");
}

TEST(Notices, ATapStreamRaisedByATestCallbackParsesWithARealTapParser) {
    TempDir dir;
    tap_project(dir);
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("tap")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Before: every line read "NOTICE: ok 1 - ...", which no TAP consumer accepts.
    EXPECT_EQ(r.err.find("NOTICE:"), std::string::npos) << r.err;

    const RunResult parsed = run_node("tap_parse.mjs", {}, r.err);
    ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
    const json result = json::parse(parsed.out);
    EXPECT_EQ(result["ok"], true) << parsed.out << "\n" << r.err;
    EXPECT_EQ(result["count"], 3) << parsed.out;
    EXPECT_EQ(result["pass"], 3) << parsed.out;
    EXPECT_EQ(result["fail"], 0) << parsed.out;
    EXPECT_EQ(result["plan"]["start"], 1) << parsed.out;
    EXPECT_EQ(result["plan"]["end"], 3) << parsed.out;

    // The parser also proves the old output fails: the same stream with the old labels.
    std::string labelled;
    size_t start = 0;
    while (start < r.err.size()) {
        size_t nl = r.err.find('\n', start);
        const std::string line = r.err.substr(start, nl - start);
        const bool tap = line.rfind("ok ", 0) == 0 || line.rfind("1..", 0) == 0 ||
                         line.rfind("TAP version", 0) == 0;
        labelled += (tap ? "NOTICE: " : "") + line + "\n";
        start = nl == std::string::npos ? r.err.size() : nl + 1;
    }
    const json old = json::parse(run_node("tap_parse.mjs", {}, labelled).out);
    // Not one test point or plan seen: every TAP line was junk to the parser.
    EXPECT_EQ(old["count"], 0) << labelled;
    EXPECT_EQ(old["plan"]["end"], 0) << old;
    bool junk = false;
    for (const auto& line : old["extra"])
        junk = junk || line == "NOTICE: ok 1 - ./__test__/test_a.sql\n";
    EXPECT_TRUE(junk) << old;
}

TEST(Notices, WarningIsLabelledInfoIsBareAndNoColourWithoutATerminal) {
    TempDir dir;
    tap_project(dir);
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("labels")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("\nWARNING: the seed was skipped\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\nan info line\n"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("INFO:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

TEST(Notices, JsonKeepsEachNoticesSeverity) {
    TempDir dir;
    tap_project(dir);
    const RunResult r = run_pgmi(deploy_args(dir.path(), unique_db("json"), {"--json"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json doc = json::parse(r.out);
    ASSERT_TRUE(doc.contains("notices")) << r.out;
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& n : doc["notices"])
        seen.emplace_back(n["severity"], n["message"]);
    const std::vector<std::pair<std::string, std::string>> want = {
        {"WARNING", "the seed was skipped"},
        {"INFO", "an info line"},
        {"NOTICE", "TAP version 14"},
        {"NOTICE", "ok 1 - ./__test__/test_a.sql"},
        {"NOTICE", "ok 2 - ./__test__/test_b.sql"},
        {"NOTICE", "ok 3 - ./__test__/test_c.sql"},
        {"NOTICE", "1..3"},
    };
    EXPECT_EQ(seen, want) << r.out;
    EXPECT_FALSE(doc.contains("noticesTruncated"));
}

}  // namespace
}  // namespace pgmi::test
