// Hostile configuration around a deploy: a project .env that tries to copy a secret into a field
// the server logs, parameter values under log_statement=all, a password passed in argv, and
// names PostgreSQL would silently truncate. Each test reproduces the attack against the real
// binary and a real server.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

/// Everything the test server logged so far.
std::string server_log() {
    return read_whole_file(server().data_dir().parent_path() / "server.log");
}

/// Environment that reaches server() through PG* variables (so a .env could matter).
std::map<std::string, std::optional<std::string>> pg_env(const std::string& db) {
    return {{"PGHOST", server().socket_dir().string()},
            {"PGPORT", std::to_string(server().port())},
            {"PGUSER", server().superuser()},
            {"PGDATABASE", db}};
}

TEST(HostileConfig, DotenvCannotCopyASecretIntoALoggedField) {
    const std::string secret = "hunter2-dotenv-7Qz";
    const std::string db = unique_db("dotenv");
    TempDir project;
    project.write("deploy.sql",
                  "CREATE TABLE seen AS SELECT current_setting('application_name') AS app, "
                  "current_user::text AS who;\n");
    project.write(".env", "PGAPPNAME=${PGPASSWORD}\n");
    RunOptions options;
    options.env = pg_env(db);
    options.env["PGPASSWORD"] = secret;
    auto r = run_pgmi({"deploy", project.path().string(), "-d", db, "--verbose"}, options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("could not be parsed (line 1: ${PGPASSWORD} holds a secret; .env may not "
                         "copy a secret into another variable (set PGAPPNAME itself instead)), so "
                         "none of its values were applied."),
              std::string::npos)
        << r.err;
    const auto seen = query(db, "SELECT app || ' / ' || who FROM seen");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].find(secret), std::string::npos) << seen[0];
    EXPECT_EQ(r.out.find(secret), std::string::npos);
    EXPECT_EQ(r.err.find(secret), std::string::npos);
    EXPECT_EQ(server_log().find(secret), std::string::npos) << "the server logged the password";
}

// A cloned project's .env chose the AWS config file, whose credential_process pgmi's AWS chain
// runs: local code execution from a project directory (hostile review, 2026-12-03). Such
// variables are refused and named; connection variables of the same file still apply.
TEST(HostileConfig, DotenvCannotChooseAProgramThatPgmiRuns) {
    TempDir project;
    TempDir outside;
    const auto marker = outside.path() / "ran";
    project.write("deploy.sql", "SELECT 1;\n");
    project.write("pgmi.yaml",
                  "connection:\n  host: 127.0.0.1\n  port: 1\n  database: db\n  username: u\n"
                  "  auth_method: aws\n  aws_region: us-east-1\n");
    project.write("aws.cfg", "[default]\ncredential_process = sh -c \"touch " + marker.string() +
                                 "; echo {}\"\n");
    project.write(".env", "AWS_CONFIG_FILE=" + (project.path() / "aws.cfg").string() +
                              "\nLD_PRELOAD=/nonexistent.so\nNODE_ENV=test\nPGCONNECT_TIMEOUT=3\n");
    RunOptions options;
    options.env["AWS_EC2_METADATA_DISABLED"] = "true";
    options.env["HOME"] = outside.path().string();
    auto r = run_pgmi({"deploy", project.path().string(), "--verbose"}, options);
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the project's credential_process ran";
    EXPECT_NE(r.err.find("sets AWS_CONFIG_FILE, LD_PRELOAD, which a project may not choose, so "
                         "they were not applied."),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("NODE_ENV"), std::string::npos) << "an application's variable is no news";
    EXPECT_NE(r.err.find("Connect Timeout: 3s ($PGCONNECT_TIMEOUT set by the project's .env)"),
              std::string::npos)
        << r.err;
}

TEST(HostileConfig, VerboseSaysWhichFieldsTheProjectDotenvSet) {
    const std::string db = unique_db("dotsrc");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    project.write(".env", "PGAPPNAME=from-dotenv\nPGCONNECT_TIMEOUT=7\n");
    RunOptions options;
    options.env = pg_env(db);
    options.env["PGCONNECT_TIMEOUT"] = "9";  // the environment wins over the project file
    auto r = run_pgmi({"deploy", project.path().string(), "-d", db, "--verbose"}, options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Application Name: from-dotenv ($PGAPPNAME set by the project's .env)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Connect Timeout: 9s ($PGCONNECT_TIMEOUT)\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("User: " + server().superuser() + " ($PGUSER)"), std::string::npos)
        << r.err;
}

TEST(HostileConfig, ParameterValuesStayOutOfTheServerLog) {
    const std::string db = unique_db("logall");
    const std::string value = "param-value-9f3Kq";
    query("postgres", "CREATE DATABASE " + db);
    query("postgres", "ALTER DATABASE " + db + " SET log_statement = 'all'");
    TempDir project;
    project.write("deploy.sql",
                  "CREATE TABLE got AS SELECT current_setting('pgmi.api_key') AS v, "
                  "(SELECT value FROM pg_temp.pgmi_parameter_view WHERE key = 'api_key') AS w;\n");
    const size_t log_before = server_log().size();
    auto r = run_pgmi(deploy_args(project.path(), db, {"--param", "api_key=" + value}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT v || '|' || w FROM got"),
              std::vector<std::string>{value + "|" + value});
    const std::string log = server_log().substr(log_before);
    EXPECT_NE(log.find("statement: "), std::string::npos) << "log_statement=all took effect";
    EXPECT_EQ(log.find(value), std::string::npos) << log;
}

TEST(HostileConfig, PasswordInArgvGetsAVerboseNote) {
    const std::string db = unique_db("argvpw");
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    const std::string uri = "postgresql://" + server().superuser() +
                            ":argv-pw-123@localhost:" + std::to_string(server().port()) +
                            "/postgres?host=" + server().socket_dir().string();
    auto r =
        run_pgmi({"deploy", project.path().string(), "--connection", uri, "-d", db, "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Note: the password came in --connection, which other users of this "
                         "machine can read in the process list; use $PGMI_CONNECTION_STRING, "
                         "$PGPASSWORD or ~/.pgpass instead"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("argv-pw-123"), std::string::npos);
    // Without a password in argv there is no such note.
    auto plain = run_pgmi(deploy_args(project.path(), db, {"--verbose"}));
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(plain.err.find("process list"), std::string::npos);
}

TEST(HostileConfig, DatabaseNameLongerThanPostgresAllowsIsRefusedOffline) {
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    const std::string name(64, 'd');
    // Nothing listens on port 1: a refusal that needed the server would be exit 11.
    auto r = run_pgmi({"deploy", project.path().string(), "--connection",
                       "postgresql://postgres@127.0.0.1:1/postgres", "-d", name});
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_NE(r.err.find("database name \"" + name +
                         "\" is 64 bytes; PostgreSQL names are at most 63 bytes: invalid "
                         "configuration"),
              std::string::npos)
        << r.err;
    // 63 bytes is fine (it reaches the connection step).
    auto ok = run_pgmi({"deploy", project.path().string(), "--connection",
                        "postgresql://postgres@127.0.0.1:1/postgres", "-d", std::string(63, 'd')});
    EXPECT_EQ(ok.exit_code, 11) << ok.err;
}

TEST(HostileConfig, PathsTheSessionTablesRejectAreRefusedBeforeConnecting) {
    // These used to reach the server and fail its constraints with exit 1.
    std::string deep;  // 101 nested directories
    for (int i = 0; i < 101; ++i)
        deep += "d/";
    for (const std::string& rel : {std::string("mig\\001.sql"), deep + "f.sql"}) {
        TempDir project;
        project.write("deploy.sql", "SELECT 1;\n");
        project.write(rel, "SELECT 1;\n");
        auto r = run_pgmi({"deploy", project.path().string(), "--connection",
                           "postgresql://postgres@127.0.0.1:1/postgres", "-d", "x"});
        EXPECT_EQ(r.exit_code, 10) << rel << "\n" << r.err;
    }
}

}  // namespace
}  // namespace pgmi::test
