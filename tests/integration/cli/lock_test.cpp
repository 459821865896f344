// The deploy locks are taken before anything is created or dropped (deploy-execution §3, §8.6):
// an --overwrite never kills a running deploy, creating and recreating run under the maintenance
// database's lifecycle lock, and a transaction pooler is refused before any lock could stay
// behind on a pooled server connection.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "pg/connection.hpp"
#include "support/pgbouncer.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using Clock = std::chrono::steady_clock;

bool database_exists(const std::string& db) {
    return query("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'")
               .at(0) == "1";
}

int advisory_locks() {
    return std::stoi(
        query("postgres", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").at(0));
}

/// A database with one row of data that an overwrite would lose.
void make_database_with_data(const std::string& db) {
    query("postgres", "CREATE DATABASE " + db);
    query(db, "CREATE TABLE precious(x int); INSERT INTO precious VALUES (1)");
}

std::string precious_rows(const std::string& db) {
    return query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'").at(0);
}

/// A session of our own holding an advisory lock, as another deploy would.
pg::Connection hold_lock(const std::string& db, const std::string& key_sql) {
    auto c = pg::Connection::open(server().conn_params(db));
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    auto r = c->exec("SELECT pg_advisory_lock(" + key_sql + ")");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return std::move(c).value();
}

TEST(Lock, OverwriteReportsARunningDeployInsteadOfKillingIt) {
    TempDir sleepy;
    sleepy.write("deploy.sql",
                 "BEGIN;\nCREATE TABLE head_work(x int);\nSELECT pg_sleep(60);\n"
                 "COMMIT;\n");
    const std::string db = unique_db("running");
    make_database_with_data(db);
    auto first = spawn_pgmi(deploy_args(sleepy.path(), db));
    ASSERT_TRUE(wait_for_sleep(db)) << "the first deploy never reached pg_sleep";

    TempDir other;
    other.write("deploy.sql", "SELECT 1;\n");
    auto start = Clock::now();
    auto r = run_pgmi(deploy_args(other.path(), db, {"--overwrite", "--force"}));
    EXPECT_EQ(r.exit_code, 15) << r.err;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(10)) << "it must not wait for the lock";
    EXPECT_NE(r.err.find("another pgmi deployment is already running against \"" + db + "\""),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("held by pid"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("dropping and recreating"), std::string::npos) << "nothing was approved";
    EXPECT_EQ(sleeping_backends(db), 1) << "the running deploy was killed";
    EXPECT_EQ(precious_rows(db), "1") << "the database was dropped";

    first->signal(SIGINT);
    EXPECT_EQ(first->wait().exit_code, 130);
}

TEST(Lock, OverwriteHonoursTheReferenceDeployLockOnTheTarget) {
    // The reference implementation holds this key in the target while it deploys.
    const std::string db = unique_db("reference");
    make_database_with_data(db);
    pg::Connection holder =
        hold_lock(db, "hashtextextended('pgmi.deploy.' || current_database(), 0)");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite", "--force"}));
    EXPECT_EQ(r.exit_code, 15) << r.err;
    EXPECT_NE(r.err.find("held by pid " + std::to_string(holder.backend_pid())), std::string::npos)
        << r.err;
    EXPECT_EQ(precious_rows(db), "1");
    EXPECT_TRUE(holder.exec("SELECT 1")) << "the lock holder's session was terminated";
}

TEST(Lock, CreatingAMissingTargetWaitsForNoOneAndCreatesNothingWhenLocked) {
    const std::string db = unique_db("creating");
    pg::Connection holder =
        hold_lock("postgres", "hashtextextended('pgmi.lifecycle.' || '" + db + "', 0)");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    auto r = run_pgmi(deploy_args(project.path(), db));
    EXPECT_EQ(r.exit_code, 15) << r.err;
    EXPECT_NE(r.err.find("another pgmi deployment is creating or recreating \"" + db + "\""),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(database_exists(db)) << "created although another deploy was creating it";

    // Once the holder is gone the same deploy creates it.
    holder = pg::Connection::open(server().conn_params("postgres")).value();
    auto again = run_pgmi(deploy_args(project.path(), db));
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_TRUE(database_exists(db));
}

TEST(Lock, OverwriteUnderTheLifecycleLockDropsNothing) {
    const std::string db = unique_db("recreating");
    make_database_with_data(db);
    pg::Connection holder =
        hold_lock("postgres", "hashtextextended('pgmi.lifecycle.' || '" + db + "', 0)");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite", "--force", "--json"}));
    EXPECT_EQ(r.exit_code, 15) << r.err;
    EXPECT_NE(r.out.find("\"exitCode\": 15"), std::string::npos) << r.out;
    EXPECT_EQ(precious_rows(db), "1");
}

TEST(Lock, EveryLockIsReleasedAfterSuccessAndFailure) {
    TempDir ok;
    ok.write("deploy.sql", "SELECT 1;\n");
    TempDir bad;
    bad.write("deploy.sql", "SELEC 1;\n");
    const int before = advisory_locks();
    const std::string fresh = unique_db("fresh");
    EXPECT_EQ(run_pgmi(deploy_args(ok.path(), fresh)).exit_code, 0);
    EXPECT_EQ(run_pgmi(deploy_args(bad.path(), fresh)).exit_code, 13);
    EXPECT_EQ(run_pgmi(deploy_args(ok.path(), fresh, {"--overwrite", "--force"})).exit_code, 0);
    EXPECT_EQ(
        run_pgmi(deploy_args(bad.path(), unique_db("bad"), {"--overwrite", "--force"})).exit_code,
        13);
    // A run right after a run must never see the previous run's lock.
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(run_pgmi(deploy_args(ok.path(), fresh)).exit_code, 0) << "run " << i;
    EXPECT_EQ(advisory_locks(), before);
}

TEST(Lock, TransactionPoolerIsRefusedBeforeCreatingAndLeavesNoLock) {
    Pgbouncer bouncer("transaction");
    const std::string db = unique_db("pooled");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    std::vector<std::string> args = {"deploy", project.path().string()};
    for (auto& a : bouncer.connection_args(db))
        args.push_back(a);
    const int before = advisory_locks();
    auto r = run_pgmi(args);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("transaction- or statement-mode connection pooler"), std::string::npos)
        << r.err;
    EXPECT_FALSE(database_exists(db)) << "created through a transaction pool";
    EXPECT_EQ(advisory_locks(), before) << "a lock stayed behind on a pooled server connection";
}

TEST(Lock, SessionPoolerCreatesAMissingTargetAndReleasesTheLocks) {
    // pgbouncer relays the server's "does not exist" as 08P01: still a missing database.
    Pgbouncer bouncer("session");
    const std::string db = unique_db("pooled_create");
    TempDir project;
    project.write("deploy.sql", "CREATE TABLE created_through_pool(x int);\n");
    std::vector<std::string> args = {"deploy", project.path().string()};
    for (auto& a : bouncer.connection_args(db))
        args.push_back(a);
    const int before = advisory_locks();
    auto r = run_pgmi(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(database_exists(db));
    EXPECT_EQ(advisory_locks(), before);
}

}  // namespace
}  // namespace pgmi::test
