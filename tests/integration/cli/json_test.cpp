// --json: stdout holds exactly one JSON document, for every exit code, with each field present
// exactly when it applies; values are redacted.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

using nlohmann::json;

std::vector<std::string> deploy_args(const std::filesystem::path& project, const std::string& db,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"deploy", project.string(), "--json"};
    for (auto& a : connection_args(db))
        args.push_back(a);
    for (auto& a : extra)
        args.push_back(a);
    return args;
}

/// Parses stdout as exactly one JSON document (throws, failing the test, on anything else).
json only_json(const RunResult& r) {
    EXPECT_FALSE(r.out.empty()) << "no JSON on stdout; stderr:\n" << r.err;
    EXPECT_EQ(r.out.back(), '\n');
    json j = json::parse(r.out);  // rejects trailing garbage
    EXPECT_EQ(j["exitCode"].get<int>(), r.exit_code);
    return j;
}

std::set<std::string> keys(const json& j) {
    std::set<std::string> k;
    for (auto it = j.begin(); it != j.end(); ++it)
        k.insert(it.key());
    return k;
}

TEST(Json, SuccessHasExactlyTheRunFields) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCREATE TABLE j(x int);\nCOMMIT;\nSELECT 1;\n");
    dir.write("m.sql", "SELECT 1;");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json j = only_json(r);
    EXPECT_EQ(keys(j),
              (std::set<std::string>{"database", "durationMs", "executionUnits", "exitCode",
                                     "filesLoaded", "status", "testMacros", "unitsCommitted"}));
    EXPECT_EQ(j["status"], "success");
    EXPECT_EQ(j["filesLoaded"], 1);
    EXPECT_EQ(j["executionUnits"], 2);
    EXPECT_EQ(j["unitsCommitted"], 2);
    // Human summary is replaced, progress lines stay on stderr.
    EXPECT_EQ(r.err.find("files loaded in"), std::string::npos);
    EXPECT_NE(r.err.find("Executing deploy.sql"), std::string::npos);
}

TEST(Json, SyntaxErrorInTailCarriesLocation) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCOMMIT;\nSELECT 1;\n  SELEC <2> & 3;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    json j = only_json(r);
    EXPECT_EQ(j["status"], "failed");
    EXPECT_EQ(j["sqlstate"], "42601");
    EXPECT_EQ(j["executionMode"], "psql");
    EXPECT_EQ(j["executionUnits"], 3);
    EXPECT_EQ(j["unitsCommitted"], 2);
    EXPECT_EQ(j["script"], "deploy.sql");
    EXPECT_EQ(j["line"], 4);
    EXPECT_EQ(j["column"], 3);
    EXPECT_EQ(j["sourceLine"], "  SELEC <2> & 3;");
    EXPECT_EQ(j["scriptExpanded"], false);
    EXPECT_FALSE(j.contains("failedFile"));
    EXPECT_NE(r.out.find("<2> & 3"), std::string::npos) << "no HTML escaping of < > &";
}

TEST(Json, HeadFailureIsAtomicMode) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1/0;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    json j = only_json(r);
    EXPECT_EQ(j["executionMode"], "atomic");
    EXPECT_EQ(j["unitsCommitted"], 0);
    EXPECT_EQ(j["sqlstate"], "22012");
    EXPECT_FALSE(j.contains("line")) << "division by zero has no position";
}

TEST(Json, EveryOfflineAndConnectionFailureIsOneDocument) {
    TempDir ok;
    ok.write("deploy.sql", "SELECT 1;\n");
    // 10: bad parameter key, decided before connecting.
    auto config = run_pgmi(deploy_args(ok.path(), unique_db(), {"--param", "bad-key=x"}));
    EXPECT_EQ(config.exit_code, 10);
    EXPECT_EQ(keys(only_json(config)), (std::set<std::string>{"error", "exitCode", "status"}));
    // 14: deploy.sql missing (the deploy ran, so run fields are present).
    TempDir empty;
    empty.write("a.sql", "SELECT 1;");
    auto missing = run_pgmi(deploy_args(empty.path(), unique_db()));
    EXPECT_EQ(missing.exit_code, 14);
    EXPECT_EQ(only_json(missing)["filesLoaded"], 0);
    // 11: refused, and the password of the connection string is nowhere.
    auto refused = run_pgmi({"deploy", ok.path().string(), "--json", "--connection",
                             "postgresql://u:Very-Secret-9@127.0.0.1:1/db"});
    EXPECT_EQ(refused.exit_code, 11);
    json rj = only_json(refused);
    EXPECT_EQ(refused.out.find("Very-Secret-9"), std::string::npos);
    EXPECT_EQ(refused.err.find("Very-Secret-9"), std::string::npos);
    EXPECT_EQ(rj["status"], "failed");
}

TEST(Json, TimeoutAndInterruptAreDocumentsToo) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT pg_sleep(30);\n");
    auto t = run_pgmi(deploy_args(dir.path(), unique_db(), {"--timeout", "1s"}));
    EXPECT_EQ(t.exit_code, 16);
    EXPECT_EQ(only_json(t)["status"], "failed");

    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(dir.path(), db));
    for (int i = 0; i < 300; ++i) {
        auto n = query("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db +
                                       "' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()");
        if (!n.empty() && n[0] != "0")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    proc->signal(SIGINT);
    auto r = proc->wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_EQ(only_json(r)["exitCode"], 130);
}

/// deploy.sql that EXECUTEs every migration with no error wrapper of its own.
constexpr const char* kPlainLoop =
    "BEGIN;\nDO $$ DECLARE f record; BEGIN\n"
    "  FOR f IN SELECT path, content FROM pg_temp.pgmi_plan_view "
    "WHERE path LIKE './migrations/%' ORDER BY execution_order LOOP\n"
    "    EXECUTE f.content;\n  END LOOP;\nEND $$;\nCOMMIT;\n";

TEST(Json, SyntaxErrorInsideAnExecutedFileNamesFileAndLine) {
    TempDir dir;
    dir.write("deploy.sql", kPlainLoop);
    dir.write("migrations/001.sql", "CREATE TABLE ok1(x int);\n");
    dir.write("migrations/002.sql", "CREATE TABLE ok2(x int);\n\nSELEC broken;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    json j = only_json(r);
    EXPECT_EQ(j["failedFile"], "./migrations/002.sql");
    EXPECT_EQ(j["script"], "./migrations/002.sql");
    EXPECT_EQ(j["line"], 3);
    EXPECT_EQ(j["column"], 1);
    EXPECT_EQ(j["sourceLine"], "SELEC broken;");
    EXPECT_NE(r.err.find("./migrations/002.sql:3:1:"), std::string::npos) << r.err;
}

TEST(Json, RuntimeErrorInsideAnExecutedFileNamesTheFile) {
    TempDir dir;
    dir.write("deploy.sql", kPlainLoop);
    dir.write("migrations/001.sql", "CREATE TABLE r1(x int);\n");
    dir.write("migrations/002.sql", "CREATE TABLE r2(x int);\nINSERT INTO r2 SELECT 1/0;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    json j = only_json(r);
    EXPECT_EQ(j["sqlstate"], "22012");
    EXPECT_EQ(j["failedFile"], "./migrations/002.sql");
    // PostgreSQL reports the whole EXECUTEd text, not the statement: no invented line.
    EXPECT_FALSE(j.contains("line"));
    EXPECT_NE(r.err.find("./migrations/002.sql: pgmi: error:"), std::string::npos) << r.err;
}

TEST(Json, UsageErrorsAreDocumentsToo) {
    auto r = run_pgmi({"deploy", "--json", "--no-such-flag"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    json j = only_json(r);
    EXPECT_EQ(j["status"], "failed");
    EXPECT_NE(j["error"].get<std::string>().find("usage error"), std::string::npos);
    auto missing = run_pgmi({"deploy", "--json"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_EQ(only_json(missing)["exitCode"], 2);
}

}  // namespace
}  // namespace pgmi::test
