// Stopping safely: --timeout and signals cancel the server's work before pgmi exits, nothing of
// the head commits, and a second deploy of the same database is refused while one runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

using Clock = std::chrono::steady_clock;

std::filesystem::path sleepy_project(const TempDir& dir) {
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE head_work(x int);\nSELECT pg_sleep(60);\nCOMMIT;\n");
    return dir.path();
}

TEST(Stop, TimeoutCancelsTheServerStatement) {
    TempDir dir;
    const std::string db = unique_db();
    auto start = Clock::now();
    auto r = run_pgmi(deploy_args(sleepy_project(dir), db, {"--timeout", "2s", "--json"}));
    auto took = Clock::now() - start;
    EXPECT_EQ(r.exit_code, 16) << r.err;
    EXPECT_LT(took, std::chrono::seconds(20))
        << "pgmi waited for pg_sleep(60) instead of cancelling";
    EXPECT_NE(r.out.find("\"exitCode\": 16"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"sqlstate\": \"57014\""), std::string::npos) << r.out;
    EXPECT_EQ(sleeping_backends(db), 0) << "the server still runs the cancelled statement";
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'head_work'"),
              std::vector<std::string>{"0"});
}

TEST(Stop, SigintCancelsAndExits130) {
    TempDir dir;
    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(sleepy_project(dir), db));
    ASSERT_TRUE(wait_for_sleep(db)) << "deploy never reached pg_sleep";
    proc->signal(SIGINT);
    auto r = proc->wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("pgmi: interrupted, cancelling deployment..."), std::string::npos)
        << r.err;
    EXPECT_EQ(sleeping_backends(db), 0);
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'head_work'"),
              std::vector<std::string>{"0"});
}

TEST(Stop, SigtermExits143) {
    TempDir dir;
    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(sleepy_project(dir), db));
    ASSERT_TRUE(wait_for_sleep(db));
    proc->signal(SIGTERM);
    auto r = proc->wait();
    EXPECT_EQ(r.exit_code, 143) << r.err;
    EXPECT_EQ(sleeping_backends(db), 0);
}

TEST(Stop, SecondSigintExitsWithoutWaitingForTheCancel) {
    // A statement that swallows the cancel: pgmi would wait its 5-s grace for the first SIGINT.
    TempDir dir;
    dir.write("deploy.sql",
              "DO $$ BEGIN PERFORM pg_sleep(60); EXCEPTION WHEN query_canceled THEN PERFORM "
              "pg_sleep(60); END $$;\n");
    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(dir.path(), db));
    ASSERT_TRUE(wait_for_sleep(db));
    proc->signal(SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto start = Clock::now();
    proc->signal(SIGINT);
    auto r = proc->wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(4))
        << "the second Ctrl-C waited for the cancel grace period";
    (void)query("postgres",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db +
                    "' AND pid <> pg_backend_pid()");
}

TEST(Stop, SecondConcurrentDeployFailsFastWithLock) {
    TempDir dir;
    const std::string db = unique_db();
    auto first = spawn_pgmi(deploy_args(sleepy_project(dir), db));
    ASSERT_TRUE(wait_for_sleep(db));
    TempDir other;
    other.write("deploy.sql", "SELECT 1;\n");
    auto start = Clock::now();
    auto second = run_pgmi(deploy_args(other.path(), db));
    auto took = Clock::now() - start;
    EXPECT_EQ(second.exit_code, 15) << second.err;
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_NE(second.err.find("concurrent deployment in progress"), std::string::npos);
    EXPECT_NE(second.err.find("held by pid"), std::string::npos) << second.err;
    first->signal(SIGINT);
    EXPECT_EQ(first->wait().exit_code, 130);
}

}  // namespace
}  // namespace pgmi::test
