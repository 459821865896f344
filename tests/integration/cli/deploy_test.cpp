// `pgmi deploy` end to end: the real binary against the real PostgreSQL of this test binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

bool database_exists(const std::string& db) {
    return query("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + db + "'").size() == 1;
}

std::string sha256sum(const std::filesystem::path& file) {
    auto r = run_program({"/usr/bin/sha256sum", file.string()});
    return r.out.substr(0, 64);
}

TEST(Deploy, SampleProjectDeploysAndRedeploys) {
    const std::string db = unique_db("shop");
    const auto project = std::filesystem::path(PGMI_SOURCE_DIR) / "examples/shop";
    auto r = run_pgmi(deploy_args(project, db, {"--param", "currency=EUR"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "") << "stdout must stay empty without --json";
    EXPECT_NE(r.err.find("Database \"" + db + "\" does not exist; creating"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Loaded 4 files"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\nmigrating ./migrations/001_schema.sql\n"), std::string::npos);
    EXPECT_EQ(query(db, "SELECT count(*) FROM shop.product"), std::vector<std::string>{"3"});
    EXPECT_EQ(query(db, "SELECT shop.price_label('TEA-001')"),
              std::vector<std::string>{"4.50 EUR"});
    EXPECT_EQ(query(db, "SELECT value FROM shop.deploy_setting WHERE key = 'shop_name'"),
              std::vector<std::string>{"Tea & Cups"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_indexes WHERE indexname = 'product_name_idx'"),
              std::vector<std::string>{"1"});

    // Re-deploy into the existing database: idempotent, no "creating" line.
    auto again = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.err.find("does not exist; creating"), std::string::npos);
    EXPECT_EQ(query(db, "SELECT shop.price_label('TEA-001')"),
              std::vector<std::string>{"4.50 USD"});
}

TEST(Deploy, FailingHeadLeavesNothing) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE kept_if_bug(a int);\nSELECT 1/0;\nCOMMIT;\n"
              "CREATE TABLE tail_never(a int);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_NE(r.err.find("division by zero"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("22012"), std::string::npos) << r.err;
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM pg_tables WHERE tablename IN "
                    "('kept_if_bug', 'tail_never')"),
              std::vector<std::string>{"0"});
}

TEST(Deploy, ScriptWithoutTerminatorIsAtomic) {
    TempDir dir;
    dir.write("deploy.sql", "CREATE TABLE a1(x int);\nINSERT INTO a1 VALUES (1);\nSELEC 1;\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'a1'"),
              std::vector<std::string>{"0"});
    // The syntax error is located in deploy.sql, compiler style.
    EXPECT_NE(r.err.find("deploy.sql:3:1: pgmi: error: execution failed: ERROR: syntax error"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("LINE 3: SELEC 1;\n        ^"), std::string::npos) << r.err;
}

TEST(Deploy, FailingTailKeepsEarlierTailStatements) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE h(x int);\nCOMMIT;\n"
              "CREATE TABLE t1(x int);\n"
              "  INSERT INTO t1 VALUES (1);\n"
              "INSERT INTO t1 VALUES ('oops');\n"
              "CREATE TABLE t2(x int);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM t1"), std::vector<std::string>{"1"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 't2'"),
              std::vector<std::string>{"0"});
    EXPECT_NE(r.err.find("(unit 4 of 5 failed; 3 earlier unit(s) already committed)"),
              std::string::npos)
        << r.err;
    // The bad value's position maps to line 6 of the full script, not of the unit.
    EXPECT_NE(r.err.find("deploy.sql:6:"), std::string::npos) << r.err;
}

TEST(Deploy, CreateIndexConcurrentlyInTail) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE ci(x int);\nCOMMIT;\n"
              "CREATE INDEX CONCURRENTLY ci_x ON ci (x);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT indexname FROM pg_indexes WHERE tablename = 'ci'"),
              std::vector<std::string>{"ci_x"});
}

TEST(Deploy, BeginAtomicBodyIsNotSplit) {
    TempDir dir;
    dir.write("deploy.sql",
              "BEGIN;\nCOMMIT;\n"
              "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql\n"
              "BEGIN ATOMIC\n  SELECT i + 1;\nEND;\n"
              "SELECT add_one(1);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT add_one(41)"), std::vector<std::string>{"42"});
}

TEST(Deploy, OpenTransactionAtEndFails) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCOMMIT;\nBEGIN;\nCREATE TABLE never(x int);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_NE(r.err.find("transaction still open"), std::string::npos) << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'never'"),
              std::vector<std::string>{"0"});
}

TEST(Deploy, SourceViewColumns) {
    TempDir dir;
    dir.write("deploy.sql",
              "CREATE TABLE seen AS SELECT * FROM pg_temp.pgmi_source_view;\n"
              "CREATE TABLE params AS SELECT key, value FROM pg_temp.pgmi_parameter_view;\n"
              "CREATE TABLE gucs AS SELECT current_setting('pgmi.mode', true) AS mode, "
              "current_setting('pgmi.region', true) AS region;\n");
    dir.write("a/b/Nested.SQL", "\xEF\xBB\xBFSELECT 1;\r\n");
    dir.write("README", "hello\n");
    dir.write("data.json", "{\"k\": 1}\n");
    dir.write(".hidden/x.sql", "SELECT 1;");
    dir.write("node_modules/m.sql", "SELECT 1;");
    dir.write("__pycache__/c.sql", "SELECT 1;");
    dir.write("sub/deploy.sql", "SELECT 'nested deploy.sql loads';");
    dir.write("__test__/test_x.sql", "SELECT 1;");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db, {"--param", "Mode=fast"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT string_agg(path, ',' ORDER BY path COLLATE \"C\") FROM seen"),
              std::vector<std::string>{"./README,./a/b/Nested.SQL,./data.json,./sub/deploy.sql"});
    EXPECT_EQ(query(db,
                    "SELECT concat_ws('|', name, directory, extension, depth, size_bytes, "
                    "path_parts::text, is_sql_file, is_test_file, parent_folder_name, "
                    "content = E'SELECT 1;\\r\\n') FROM seen WHERE path = './a/b/Nested.SQL'"),
              std::vector<std::string>{"Nested.SQL|./a/b/|.SQL|2|11|{.,a,b,Nested.SQL}|t|f|b|t"});
    EXPECT_EQ(query(db,
                    "SELECT concat_ws('|', name, directory, extension, depth, is_sql_file, "
                    "coalesce(parent_folder_name, 'NULL')) FROM seen WHERE path = './README'"),
              std::vector<std::string>{"README|./||0|f|NULL"});
    // Checksums: raw SHA-256 of the BOM-stripped bytes, equal to sha256sum of the file content.
    EXPECT_EQ(query(db, "SELECT checksum FROM seen WHERE path = './data.json'"),
              std::vector<std::string>{sha256sum(dir.path() / "data.json")});
    TempDir stripped;
    auto plain = stripped.write("n.sql", "SELECT 1;\r\n");
    EXPECT_EQ(query(db, "SELECT checksum FROM seen WHERE path = './a/b/Nested.SQL'"),
              std::vector<std::string>{sha256sum(plain)});
    // Normalized checksum: comments out, case folded, whitespace collapsed.
    auto normalized = stripped.write("normalized.sql", "select 1;");
    EXPECT_EQ(query(db, "SELECT pgmi_checksum FROM seen WHERE path = './a/b/Nested.SQL'"),
              std::vector<std::string>{sha256sum(normalized)});
    EXPECT_EQ(query(db, "SELECT key || '=' || value FROM params"),
              std::vector<std::string>{"mode=fast"});
    EXPECT_EQ(query(db, "SELECT mode FROM gucs"), std::vector<std::string>{"fast"});
}

TEST(Deploy, ParameterPrecedenceAndLowerCasing) {
    TempDir dir;
    dir.write("deploy.sql",
              "CREATE TABLE p AS SELECT key, value FROM pg_temp.pgmi_parameter_view;\n");
    dir.write("pgmi.yaml", "params:\n  Env: yaml\n  only_yaml: y\n  from_file: yaml\n");
    auto file = dir.write("../params-" + std::to_string(getpid()) + ".env",
                          "# comment\nFROM_FILE=file\nenv=file\n");
    const std::string db = unique_db();
    auto r = run_pgmi(
        deploy_args(dir.path(), db, {"--params-file", file.string(), "--param", "ENV=flag"}));
    std::filesystem::remove(file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Loaded 3 parameters"), std::string::npos) << r.err;
    EXPECT_EQ(query(db, "SELECT key || '=' || value FROM p ORDER BY key"),
              (std::vector<std::string>{"env=flag", "from_file=file", "only_yaml=y"}));
}

TEST(Deploy, ExitCodes) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    // 2: usage (unknown flag, missing project path).
    EXPECT_EQ(run_pgmi({"deploy", dir.path().string(), "--no-such-flag"}).exit_code, 2);
    auto missing = run_pgmi({"deploy"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("missing required argument: <project_path>"), std::string::npos);
    // 10: configuration decided offline (bad parameter key, bad yaml, bad compat).
    const std::string offline_db = unique_db();
    auto badkey = run_pgmi(deploy_args(dir.path(), offline_db, {"--param", "1bad=x"}));
    EXPECT_EQ(badkey.exit_code, 10) << badkey.err;
    EXPECT_NE(badkey.err.find("1bad"), std::string::npos);
    EXPECT_FALSE(database_exists(offline_db)) << "a configuration error must stop before CREATE";
    auto collide =
        run_pgmi(deploy_args(dir.path(), offline_db, {"--param", "Env=a", "--param", "env=b"}));
    EXPECT_EQ(collide.exit_code, 0) << "case-insensitive keys: the later one wins\n" << collide.err;
    auto compat = run_pgmi(deploy_args(dir.path(), unique_db(), {"--compat", "2"}));
    EXPECT_EQ(compat.exit_code, 10) << compat.err;
    // 11: nothing listens on the port.
    auto refused = run_pgmi(
        {"deploy", dir.path().string(), "-h", "127.0.0.1", "-p", "1", "-d", "x", "-U", "postgres"});
    EXPECT_EQ(refused.exit_code, 11) << refused.err;
    EXPECT_NE(refused.err.find("connection refused to 127.0.0.1:1"), std::string::npos)
        << refused.err;
    // 13: SQL failed, with SQLSTATE.
    TempDir bad;
    bad.write("deploy.sql", "SELECT * FROM no_such_table;\n");
    auto failed = run_pgmi(deploy_args(bad.path(), unique_db()));
    EXPECT_EQ(failed.exit_code, 13);
    EXPECT_NE(failed.err.find("(SQLSTATE 42P01)"), std::string::npos) << failed.err;
    // 14: no deploy.sql.
    TempDir empty;
    empty.write("x.sql", "SELECT 1;");
    auto nodeploy = run_pgmi(deploy_args(empty.path(), unique_db()));
    EXPECT_EQ(nodeploy.exit_code, 14) << nodeploy.err;
    EXPECT_NE(nodeploy.err.find("deploy.sql not found"), std::string::npos);
}

TEST(Deploy, BinaryFileFailsBeforeConnecting) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    dir.write("blob.bin", std::string("ab\0cd", 5));
    // Port 1 refuses connections: an exit code other than 10 would mean pgmi dialled first.
    auto r = run_pgmi({"deploy", dir.path().string(), "-h", "127.0.0.1", "-p", "1", "-d", "x"});
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_NE(r.err.find("./blob.bin"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("NUL"), std::string::npos) << r.err;
}

TEST(Deploy, PasswordNeverPrinted) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    const std::string secret = "s3cr3t-Pa55word";
    auto r = run_pgmi({"deploy", dir.path().string(), "--connection",
                       "postgresql://someone:" + secret + "@127.0.0.1:1/app"});
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos);
}

TEST(Deploy, EphemeralAsCurrentUserAndAsUnprivilegedUser) {
    TempDir dir;
    dir.write("deploy.sql",
              "CREATE TABLE e(x int);\nDO $$ BEGIN RAISE WARNING 'made it'; END $$;\n");
    auto r = run_pgmi({"deploy", dir.path().string(), "--ephemeral"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("WARNING: made it"), std::string::npos) << r.err;
    if (geteuid() != 0)
        GTEST_SKIP() << "the unprivileged-user half needs root to switch users";
    // As a normal user (nobody): the project must be readable by it.
    chmod(dir.path().c_str(), 0755);
    chmod((dir.path() / "deploy.sql").c_str(), 0644);
    auto as_nobody =
        run_program({"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                     "--reset-env", PGMI_BINARY, "deploy", dir.path().string(), "--ephemeral"});
    EXPECT_EQ(as_nobody.exit_code, 0) << as_nobody.err;
    EXPECT_NE(as_nobody.err.find("WARNING: made it"), std::string::npos) << as_nobody.err;
}

}  // namespace
}  // namespace pgmi::test
