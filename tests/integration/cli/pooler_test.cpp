// Deploys through a real pgbouncer: transaction and statement pooling are refused before
// deploy.sql runs (exit 11, with advice); session pooling works.
#include <gtest/gtest.h>

#include "support/pgbouncer.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

TEST(Pooler, TransactionModeIsRefusedBeforeDeploySqlRuns) {
    Pgbouncer bouncer("transaction");
    const std::string db = unique_db();
    query("postgres", "CREATE DATABASE " + db);
    TempDir dir;
    dir.write("deploy.sql", "CREATE TABLE must_not_exist(x int);\n");
    std::vector<std::string> args = {"deploy", dir.path().string()};
    for (auto& a : bouncer.connection_args(db))
        args.push_back(a);
    auto r = run_pgmi(args);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("transaction- or statement-mode connection pooler"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("pool_mode = session"), std::string::npos) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'must_not_exist'"),
              std::vector<std::string>{"0"});
}

TEST(Pooler, StatementModeIsRefused) {
    Pgbouncer bouncer("statement");
    const std::string db = unique_db();
    query("postgres", "CREATE DATABASE " + db);
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    std::vector<std::string> args = {"deploy", dir.path().string()};
    for (auto& a : bouncer.connection_args(db))
        args.push_back(a);
    auto r = run_pgmi(args);
    EXPECT_EQ(r.exit_code, 11) << r.err;
}

TEST(Pooler, SessionModeWorks) {
    Pgbouncer bouncer("session");
    const std::string db = unique_db();
    query("postgres", "CREATE DATABASE " + db);
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE through_pool AS SELECT count(*) AS n FROM "
              "pg_temp.pgmi_source_view;\nCOMMIT;\nINSERT INTO through_pool VALUES (42);\n");
    dir.write("a.sql", "SELECT 1;");
    std::vector<std::string> args = {"deploy", dir.path().string()};
    for (auto& a : bouncer.connection_args(db))
        args.push_back(a);
    auto r = run_pgmi(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT n FROM through_pool ORDER BY n"),
              (std::vector<std::string>{"1", "42"}));
}

}  // namespace
}  // namespace pgmi::test
