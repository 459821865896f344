// --test-report on the real binary and a real server: JUnit XML (checked by an XML parser) and
// TAP, one case per test with the server's time, failure message and SQLSTATE, written on
// success and on failure (also when the deploy stops before reaching the server).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <thread>

#include "pg/connection.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

constexpr const char* kGate = "BEGIN;\nCREATE TABLE item(id int);\nCALL pgmi_test();\nCOMMIT;\n";

/// Three tests: the first passes, the second fails with its own SQLSTATE, the third never runs.
void failing_project(const TempDir& dir) {
    dir.write("deploy.sql", kGate);
    dir.write("__test__/test_a_passes.sql",
              "INSERT INTO item VALUES (1);\nSELECT pg_sleep(0.01);\n");
    dir.write("__test__/test_b_fails.sql",
              "DO $$ BEGIN RAISE EXCEPTION 'stock & <price> mismatch' USING ERRCODE = 'PT042'; "
              "END $$;\n");
    dir.write("__test__/test_c_later.sql", "SELECT 1;\n");
}

pugi::xml_node testcase(const pugi::xml_document& doc, const std::string& name) {
    return doc.select_node(("//testcase[@name='" + name + "']").c_str()).node();
}

TEST(TestReport, JUnitOnFailureHasEveryCaseTimeMessageAndSqlstate) {
    TempDir dir;
    failing_project(dir);
    TempDir out;
    const auto report = out.path() / "report.xml";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 13) << r.err;

    pugi::xml_document doc;
    const std::string xml = read(report);
    auto parsed = doc.load_string(xml.c_str());
    ASSERT_TRUE(parsed) << parsed.description() << "\n" << xml;
    pugi::xml_node suite = doc.child("testsuites").child("testsuite");
    ASSERT_TRUE(suite) << xml;
    EXPECT_EQ(suite.attribute("tests").as_int(), 3) << xml;
    EXPECT_EQ(suite.attribute("failures").as_int(), 1) << xml;
    EXPECT_EQ(suite.attribute("skipped").as_int(), 1) << xml;
    EXPECT_EQ(suite.attribute("errors").as_int(), 0) << xml;

    pugi::xml_node a = testcase(doc, "./__test__/test_a_passes.sql");
    ASSERT_TRUE(a) << xml;
    EXPECT_FALSE(a.child("failure"));
    EXPECT_FALSE(a.child("skipped"));
    EXPECT_EQ(std::string(a.attribute("classname").value()), "./__test__");
    // pg_sleep(0.01): the server's own measurement, so at least 10 ms.
    EXPECT_GE(a.attribute("time").as_double(), 0.01) << xml;

    pugi::xml_node b = testcase(doc, "./__test__/test_b_fails.sql");
    ASSERT_TRUE(b) << xml;
    pugi::xml_node failure = b.child("failure");
    ASSERT_TRUE(failure) << xml;
    const std::string message = failure.attribute("message").value();
    EXPECT_TRUE(contains(message, "stock & <price> mismatch")) << message;
    EXPECT_TRUE(contains(message, "SQLSTATE PT042")) << message;
    EXPECT_EQ(std::string(failure.attribute("type").value()), "SQLSTATE PT042");

    pugi::xml_node c = testcase(doc, "./__test__/test_c_later.sql");
    ASSERT_TRUE(c) << xml;
    EXPECT_TRUE(c.child("skipped")) << xml;

    // The order is the run order; the markers never reach the user.
    EXPECT_LT(xml.find("test_a_passes"), xml.find("test_b_fails"));
    EXPECT_LT(xml.find("test_b_fails"), xml.find("test_c_later"));
    EXPECT_FALSE(contains(r.err, "PGMT")) << r.err;
    EXPECT_FALSE(contains(r.err, "pgmi: started")) << r.err;
}

TEST(TestReport, TapOnFailure) {
    TempDir dir;
    failing_project(dir);
    TempDir out;
    const auto report = out.path() / "report.tap";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    const std::string tap = read(report);
    EXPECT_EQ(tap.rfind("TAP version 13\n1..3\n", 0), 0u) << tap;
    EXPECT_TRUE(contains(tap, "ok 1 - ./__test__/test_a_passes.sql\n")) << tap;
    EXPECT_TRUE(contains(tap, "not ok 2 - ./__test__/test_b_fails.sql\n")) << tap;
    EXPECT_TRUE(contains(tap, "  message: \"stock & <price> mismatch\"\n")) << tap;
    EXPECT_TRUE(contains(tap, "  sqlstate: \"PT042\"\n")) << tap;
    EXPECT_TRUE(contains(tap, "ok 3 - ./__test__/test_c_later.sql # SKIP not run")) << tap;
}

TEST(TestReport, SuccessWithFixturesAndNoticesUntouched) {
    TempDir dir;
    dir.write("deploy.sql", kGate);
    dir.write("__test__/_setup.sql", "INSERT INTO item VALUES (7);\n");
    dir.write("__test__/test_one.sql",
              "DO $$ BEGIN RAISE NOTICE 'visible notice'; ASSERT (SELECT count(*) FROM item) = "
              "1; END $$;\n");
    dir.write("__test__/sub/test_two.sql", "SELECT 1;\n");
    TempDir out;
    const auto report = out.path() / "ok.xml";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "visible notice")) << "the user's notices still show:\n" << r.err;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(report.c_str()));
    pugi::xml_node suite = doc.child("testsuites").child("testsuite");
    EXPECT_EQ(suite.attribute("tests").as_int(), 2) << "fixtures that work are not cases";
    EXPECT_EQ(suite.attribute("failures").as_int(), 0);
    EXPECT_EQ(suite.attribute("skipped").as_int(), 0);
    EXPECT_TRUE(testcase(doc, "./__test__/sub/test_two.sql"));
    EXPECT_EQ(
        std::string(testcase(doc, "./__test__/sub/test_two.sql").attribute("classname").value()),
        "./__test__/sub");
}

TEST(TestReport, MarkersArriveWhateverClientMinMessagesSays) {
    TempDir dir;
    dir.write("deploy.sql",
              "SET client_min_messages = error;\nBEGIN;\nCALL pgmi_test();\nCOMMIT;\n");
    dir.write("__test__/test_quiet.sql", "SELECT 1;\n");
    TempDir out;
    const auto report = out.path() / "quiet.tap";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(read(report), "ok 1 - ./__test__/test_quiet.sql\n")) << read(report);
    EXPECT_FALSE(contains(r.err, "PGMT")) << r.err;
}

TEST(TestReport, FailingFixtureIsAnErrorAndItsTestsDidNotRun) {
    TempDir dir;
    dir.write("deploy.sql", kGate);
    dir.write("__test__/_setup.sql", "INSERT INTO no_such_table VALUES (1);\n");
    dir.write("__test__/test_x.sql", "SELECT 1;\n");
    TempDir out;
    const auto report = out.path() / "fixture.xml";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(report.c_str()));
    pugi::xml_node fixture = testcase(doc, "./__test__/_setup.sql");
    ASSERT_TRUE(fixture.child("error")) << read(report);
    EXPECT_TRUE(contains(fixture.child("error").attribute("message").value(), "42P01"));
    EXPECT_TRUE(testcase(doc, "./__test__/test_x.sql").child("skipped")) << read(report);
}

TEST(TestReport, TimeoutInsideATestNamesIt) {
    TempDir dir;
    dir.write("deploy.sql", kGate);
    dir.write("__test__/test_slow.sql", "SELECT pg_sleep(60);\n");
    TempDir out;
    const auto report = out.path() / "slow.xml";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(),
                                  {"--timeout", "2s", "--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 16) << r.err;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(report.c_str())) << read(report);
    pugi::xml_node failure = testcase(doc, "./__test__/test_slow.sql").child("failure");
    ASSERT_TRUE(failure) << read(report);
    EXPECT_TRUE(contains(failure.attribute("message").value(), "57014")) << read(report);
}

TEST(TestReport, WrittenWhenTheDeployStopsBeforeTheServer) {
    TempDir dir;  // no deploy.sql: exit 14, offline
    dir.write("migrations/001.sql", "SELECT 1;\n");
    TempDir out;
    const auto report = out.path() / "none.xml";
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 14) << r.err;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(report.c_str())) << read(report);
    EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 0);
    EXPECT_TRUE(contains(doc.child("testsuites").child("testsuite").child_value("system-err"),
                         "deploy.sql not found"))
        << read(report);
}

TEST(TestReport, BadPathsAreConfigurationErrorsBeforeConnecting) {
    TempDir dir;
    failing_project(dir);
    const std::string db = unique_db();
    TempDir out;
    auto wrong_ext =
        run_pgmi(deploy_args(dir.path(), db, {"--test-report", (out.path() / "r.json").string()}));
    EXPECT_EQ(wrong_ext.exit_code, 10) << wrong_ext.err;
    EXPECT_TRUE(contains(wrong_ext.err, "must end in .xml (JUnit XML) or .tap (TAP)"))
        << wrong_ext.err;
    auto missing_dir = run_pgmi(deploy_args(
        dir.path(), db, {"--json", "--test-report", (out.path() / "no/such/r.xml").string()}));
    EXPECT_EQ(missing_dir.exit_code, 10) << missing_dir.err;
    EXPECT_TRUE(contains(missing_dir.err, "does not exist")) << missing_dir.err;
    EXPECT_TRUE(contains(missing_dir.out, "\"exitCode\": 10")) << missing_dir.out;
    EXPECT_EQ(query("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'"),
              std::vector<std::string>{"0"})
        << "nothing may be created before the report path is known to work";
}

TEST(TestReport, SecretsInFailureMessagesAreRedacted) {
    TempDir dir;
    dir.write("deploy.sql", kGate);
    dir.write("__test__/test_leaky.sql",
              "DO $$ BEGIN RAISE EXCEPTION 'cannot log in with password=hunter2secret'; END $$;\n");
    TempDir out;
    for (const char* name : {"leak.xml", "leak.tap"}) {
        const auto report = out.path() / name;
        auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
        ASSERT_EQ(r.exit_code, 13) << r.err;
        const std::string text = read(report);
        EXPECT_FALSE(contains(text, "hunter2secret")) << text;
        EXPECT_TRUE(contains(text, "password=[redacted]")) << text;
    }
}

// ---- the report cannot be written at the end of a deploy that committed ----------------------
// The deploy's exit code stays 0: its transaction is committed, and a non-zero code would tell CI
// that it failed (a retry would run it again). The failure is named on stderr and in --json
// ("testReportError"), so a pipeline that needs the report can still fail on it.

/// A passing test gate that commits `committed_t`.
void passing_project(const TempDir& dir) {
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE committed_t(id int);\nCALL pgmi_test();\nCOMMIT;\n");
    dir.write("__test__/test_ok.sql", "SELECT 1;\n");
}

void expect_committed_and_report_failure_named(const RunResult& r, const std::string& db,
                                               const std::string& why) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "WARNING: failed to write the test report: ")) << r.err;
    EXPECT_TRUE(contains(r.err, why)) << r.err;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc.value("status", ""), "success") << r.out;
    EXPECT_EQ(doc.value("exitCode", -1), 0) << r.out;
    EXPECT_TRUE(contains(doc.value("testReportError", ""), "failed to write the test report: "))
        << r.out;
    EXPECT_TRUE(contains(doc.value("testReportError", ""), why)) << r.out;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'committed_t'"),
              std::vector<std::string>{"1"});
}

TEST(TestReport, ADiskFullAtTheEndOfACommittedDeployKeepsExitZeroAndNamesIt) {
    // A real full file system: a 16 KB tmpfs, filled before pgmi starts, mounted in a private
    // mount namespace (unshare -rm: no privileges needed where user namespaces are allowed).
    // The directory is writable, so the check before the deploy passes; the write at the end
    // meets ENOSPC.
    if (run_program({"/usr/bin/unshare", "-rm", "true"}).exit_code != 0)
        GTEST_SKIP() << "unshare -rm is not permitted here: no private tmpfs to fill";
    TempDir dir;
    passing_project(dir);
    TempDir out;
    const auto mount = out.path() / "full";
    std::filesystem::create_directories(mount);
    const std::string db = unique_db("diskfull");
    std::vector<std::string> argv = {
        "/usr/bin/unshare",
        "-rm",
        "sh",
        "-c",
        "mount -t tmpfs -o size=16k tmpfs \"$1\" || exit 90; "
        "dd if=/dev/zero of=\"$1/fill\" bs=4096 2>/dev/null; shift; exec \"$@\"",
        "sh",
        mount.string(),
        PGMI_BINARY};
    // Over TCP: in the new user namespace the server's socket directory belongs to nobody.
    const std::vector<std::string> deploy = {"deploy",
                                             dir.path().string(),
                                             "-h",
                                             "127.0.0.1",
                                             "-p",
                                             std::to_string(server().port()),
                                             "-U",
                                             server().superuser(),
                                             "-d",
                                             db,
                                             "--json",
                                             "--test-report",
                                             (mount / "report.xml").string()};
    argv.insert(argv.end(), deploy.begin(), deploy.end());
    auto r = run_program(argv);
    ASSERT_NE(r.exit_code, 90) << "cannot mount a tmpfs: " << r.err;
    expect_committed_and_report_failure_named(r, db, "No space left on device");
    std::cerr << "[ info ] disk full at the end of a committed deploy: pgmi said\n" << r.err;
}

TEST(TestReport, AReportDirectoryRemovedDuringACommittedDeployKeepsExitZeroAndNamesIt) {
    // The deploy waits for an advisory lock this test holds; meanwhile the report's directory
    // goes away, then the lock is released and the deploy commits.
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE committed_t(id int);\nSELECT pg_advisory_xact_lock(4242, 1);\n"
              "COMMIT;\n");
    const std::string db = unique_db("reportgone");
    query("postgres", "CREATE DATABASE " + db);
    auto holder = pg::Connection::open(server().conn_params(db));
    ASSERT_TRUE(holder) << holder.error().message;
    ASSERT_TRUE(holder->exec("SELECT pg_advisory_lock(4242, 1)"));
    TempDir out;
    const auto report_dir = out.path() / "reports";
    std::filesystem::create_directories(report_dir);
    auto proc = spawn_pgmi(
        deploy_args(dir.path(), db, {"--json", "--test-report", (report_dir / "r.tap").string()}));
    bool waiting = false;
    for (int i = 0; i < 1000 && !waiting; ++i) {
        waiting = query("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db +
                                        "' AND wait_event_type = 'Lock'") ==
                  std::vector<std::string>{"1"};
        if (!waiting)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(waiting) << "the deploy never reached the advisory lock";
    std::filesystem::remove_all(report_dir);
    ASSERT_TRUE(holder->exec("SELECT pg_advisory_unlock(4242, 1)"));
    auto r = proc->wait();
    expect_committed_and_report_failure_named(r, db, "No such file or directory");
}

}  // namespace
}  // namespace pgmi::test
