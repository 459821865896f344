// Issue 16, paper cut 6: a single-transaction deploy of many files runs the server out of lock
// table ("out of shared memory"). pgmi must say it in its words: how far the transaction got,
// the server's settings, and the two ways out; and the way out it shows (commit in phases) must
// work. Same for the predicate lock table of SERIALIZABLE transactions. This test binary
// starts its own server with the smallest lock tables PostgreSQL allows.
#include "deploy/lock_table.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "ephemeral/server.hpp"
#include "pg/connection.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

constexpr int kFiles = 1500;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string file_name(int i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d", i);
    return name;
}

/// This binary's own servers, started with the smallest lock tables PostgreSQL allows (10;
/// max_connections small so the tables are too), since settings that need a restart cannot go
/// through the shared server's reload. `predicate`: only the predicate lock table is small (a
/// read takes a regular lock too, which would otherwise run out first).
ephemeral::Server& small_server(bool predicate = false) {
    static std::unique_ptr<ephemeral::Server> servers[2];
    auto& s = servers[predicate ? 1 : 0];
    if (!s) {
        ephemeral::Options o;
        o.tcp = false;
        o.settings = {
            predicate ? "max_locks_per_transaction = 256" : "max_locks_per_transaction = 10",
            "max_pred_locks_per_transaction = 10", "max_connections = 10"};
        auto started = ephemeral::Server::start(o);
        if (!started) {
            ADD_FAILURE() << started.error().message;
            std::abort();
        }
        s = std::make_unique<ephemeral::Server>(std::move(started).value());
    }
    return *s;
}

std::vector<std::string> deploy_to(const TempDir& dir, const std::string& db,
                                   std::vector<std::string> extra = {}, bool predicate = false) {
    std::vector<std::string> args = {"deploy",       dir.path().string(),
                                     "--connection", small_server(predicate).uri("postgres"),
                                     "-d",           db};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

/// The first column of the first row of `sql` on `db` of the small server.
std::string scalar(const std::string& db, const std::string& sql) {
    auto conn = pg::Connection::open(small_server().conn_params(db));
    if (!conn)
        return "connect: " + conn.error().message;
    auto r = conn->exec(sql);
    if (!r || r->rows() < 1)
        return "query failed";
    return std::string(r->value(0, 0));
}

class LockTable : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ASSERT_EQ(scalar("postgres", "SHOW max_locks_per_transaction"), "10");
        ASSERT_EQ(scalar("postgres", "SHOW max_pred_locks_per_transaction"), "10");
    }

    /// kFiles migrations, each creating a table with a primary key and a TOAST table (four
    /// locks each until the transaction ends).
    static void migrations(const TempDir& dir) {
        for (int i = 1; i <= kFiles; ++i) {
            dir.write("migrations/" + file_name(i) + ".sql",
                      "CREATE TABLE IF NOT EXISTS t_" + file_name(i) +
                          " (id int PRIMARY KEY, v text);\n");
        }
    }
};

constexpr const char* kOneTransaction = R"sql(BEGIN;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT path, content FROM pg_temp.pgmi_plan_view
             WHERE path LIKE './migrations/%' ORDER BY execution_order
    LOOP
        EXECUTE f.content;
    END LOOP;
END $$;
COMMIT;
)sql";

/// deploy.sql that runs the migrations in groups of 25, each group its own transaction.
std::string in_phases() {
    std::string deploy;
    for (int from = 1; from <= kFiles; from += 25) {
        deploy +=
            "BEGIN;\nDO $$ DECLARE f record; BEGIN\n"
            "    FOR f IN SELECT path, content FROM pg_temp.pgmi_plan_view\n"
            "             WHERE path >= './migrations/" +
            file_name(from) + "' AND path < './migrations/" + file_name(from + 25) +
            "' ORDER BY execution_order\n"
            "    LOOP EXECUTE f.content; END LOOP;\nEND $$;\nCOMMIT;\n";
    }
    return deploy;
}

TEST_F(LockTable, OneTransactionOfManyFilesIsExplainedInOurWords) {
    TempDir dir;
    migrations(dir);
    dir.write("deploy.sql", kOneTransaction);
    const std::string db = unique_db("locks");
    const RunResult r = run_pgmi(deploy_to(dir, db));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    // PostgreSQL's words stay (they are what people search for), ours follow.
    EXPECT_TRUE(contains(r.err, "out of shared memory")) << r.err;
    EXPECT_TRUE(contains(r.err, "The server ran out of room in its lock table")) << r.err;
    EXPECT_TRUE(contains(r.err, "This transaction had run ")) << r.err;
    EXPECT_TRUE(contains(r.err, " SQL file(s) before ./migrations/")) << r.err;
    EXPECT_TRUE(contains(r.err, " of " + std::to_string(kFiles) + " in pgmi_plan_view order"))
        << r.err;
    EXPECT_TRUE(contains(r.err,
                         "max_locks_per_transaction = 10 and max_connections = 10 "
                         "(max_prepared_transactions = 0)"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "about 10 × (10 + 0) = 100 locks")) << r.err;
    EXPECT_TRUE(contains(r.err, "1. Raise max_locks_per_transaction on the server")) << r.err;
    EXPECT_TRUE(contains(r.err, "2. Commit in phases")) << r.err;
    EXPECT_TRUE(contains(r.err, "       COMMIT;\n")) << r.err;
    // Nothing of the failed transaction stayed.
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\\_%'"), "0");

    // The same words in --json's error, the one place a pipeline reads.
    const RunResult j = run_pgmi(deploy_to(dir, db, {"--json"}));
    ASSERT_EQ(j.exit_code, 13);
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["sqlstate"], "53200");
    EXPECT_TRUE(contains(doc["error"].get<std::string>(), "2. Commit in phases")) << j.out;
}

TEST_F(LockTable, CommittingInPhasesAsAdvisedDeploysTheSameFiles) {
    TempDir dir;
    migrations(dir);
    // The advice's pattern: the same loop, one transaction per group of 25 files.
    const std::string deploy = in_phases();
    dir.write("deploy.sql", deploy);
    const std::string db = unique_db("phases");
    const RunResult r = run_pgmi(deploy_to(dir, db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\\_%'"),
              std::to_string(kFiles));
}

TEST_F(LockTable, PredicateLocksOfASerializableTransactionAreExplainedToo) {
    TempDir dir;
    migrations(dir);
    // Create the tables in phases, then read every one of them in one SERIALIZABLE transaction.
    std::string deploy = in_phases();
    deploy +=
        "BEGIN ISOLATION LEVEL SERIALIZABLE;\n"
        "DO $$ DECLARE t text; BEGIN\n"
        "    FOR t IN SELECT tablename FROM pg_tables WHERE tablename LIKE 't\\_%'\n"
        "    LOOP EXECUTE format('SELECT count(*) FROM %I', t); END LOOP;\n"
        "END $$;\nCOMMIT;\n";
    dir.write("deploy.sql", deploy);
    const RunResult r = run_pgmi(deploy_to(dir, unique_db("pred"), {}, true));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(contains(r.err, "out of shared memory")) << r.err;
    EXPECT_TRUE(contains(r.err, "The server ran out of room for predicate locks")) << r.err;
    EXPECT_TRUE(contains(r.err, "max_pred_locks_per_transaction = 10 and max_connections = 10"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "1. Raise max_pred_locks_per_transaction on the server")) << r.err;
}

// The classification itself, on the fields PostgreSQL sends.
TEST(LockTableError, OnlyTheLockTablesOutOfSharedMemory) {
    ServerError e;
    e.sqlstate = "53200";
    e.message = "out of shared memory";
    e.hint = "You might need to increase max_locks_per_transaction.";
    EXPECT_EQ(deploy::exhausted_lock_setting(e), "max_locks_per_transaction");
    e.hint = "You might need to increase max_pred_locks_per_transaction.";
    EXPECT_EQ(deploy::exhausted_lock_setting(e), "max_pred_locks_per_transaction");
    e.hint.clear();  // out of shared memory for another reason
    EXPECT_EQ(deploy::exhausted_lock_setting(e), std::nullopt);
    e.sqlstate = "53100";
    e.hint = "You might need to increase max_locks_per_transaction.";
    EXPECT_EQ(deploy::exhausted_lock_setting(e), std::nullopt);
}

}  // namespace
}  // namespace pgmi::test
