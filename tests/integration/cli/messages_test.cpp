// Issue 16, paper cut 7: messages that were seen to be unclear, each reproduced on the real
// binary against a real server, with the new words and exit codes.
#include <gtest/gtest.h>

#include "cloud_env.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

size_t occurrences(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

void simple_project(const TempDir& dir) {
    dir.write("deploy.sql", "SELECT 1;\n");
}

// Was: "overwrite workflow failed: overwrite workflow failed: ... database "nosuch" does not
// exist ... or pass --overwrite to let pgmi create it" -- with --overwrite given.
TEST(Messages, OverwriteWithAMissingMaintenanceDatabase) {
    TempDir dir;
    simple_project(dir);
    const std::string target = unique_db("ow");
    const RunResult r =
        run_pgmi({"deploy", dir.path().string(), "--connection", server().uri("nosuch_maintenance"),
                  "-d", target, "--overwrite", "--force"});
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_EQ(occurrences(r.err, "overwrite workflow failed"), 1u) << r.err;
    EXPECT_TRUE(contains(r.err, "maintenance database \"nosuch_maintenance\" does not exist"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "name one that exists (usually postgres)")) << r.err;
    EXPECT_FALSE(contains(r.err, "--overwrite")) << r.err;
    EXPECT_FALSE(contains(r.err, "createdb")) << r.err;
    // The same when the target is only missing (no --overwrite): no advice to pass --overwrite
    // either, since pgmi creates a missing target by itself.
    const RunResult plain = run_pgmi({"deploy", dir.path().string(), "--connection",
                                      server().uri("nosuch_maintenance"), "-d", target});
    EXPECT_EQ(plain.exit_code, 11) << plain.err;
    EXPECT_TRUE(contains(plain.err, "maintenance database \"nosuch_maintenance\" does not exist"))
        << plain.err;
    EXPECT_FALSE(contains(plain.err, "--overwrite")) << plain.err;
}

// Was: exit 1 ("failed to create database") for a user without CREATEDB.
TEST(Messages, NoCreatedbPrivilegeIsAConnectionProblemWithAdvice) {
    query("postgres", "DROP ROLE IF EXISTS plain_user");
    query("postgres", "CREATE ROLE plain_user LOGIN NOCREATEDB");
    TempDir dir;
    simple_project(dir);
    const std::string target = unique_db("nocreatedb");
    for (bool json : {false, true}) {
        std::vector<std::string> args = {"deploy", dir.path().string(),
                                         "-h",     server().socket_dir().string(),
                                         "-p",     std::to_string(server().port()),
                                         "-U",     "plain_user",
                                         "-d",     target};
        if (json)
            args.emplace_back("--json");
        const RunResult r = run_pgmi(args);
        EXPECT_EQ(r.exit_code, 11) << r.err;
        EXPECT_TRUE(contains(r.err, "cannot create database \"" + target +
                                        "\": user \"plain_user\" may not create databases"))
            << r.err;
        EXPECT_TRUE(contains(r.err, "ALTER ROLE \"plain_user\" CREATEDB")) << r.err;
        EXPECT_TRUE(contains(r.err, "CREATE DATABASE \"" + target + "\";")) << r.err;
        if (json) {
            EXPECT_TRUE(contains(r.out, "\"exitCode\": 11")) << r.out;
            EXPECT_TRUE(contains(r.out, "\"sqlstate\": \"42501\"")) << r.out;
        }
    }
    // Following the advice works.
    query("postgres", "ALTER ROLE plain_user CREATEDB");
    const RunResult ok =
        run_pgmi({"deploy", dir.path().string(), "-h", server().socket_dir().string(), "-p",
                  std::to_string(server().port()), "-U", "plain_user", "-d", target});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// Was: "database connection failed: ..." with exit 10 for a credentials file that is not there.
TEST(Messages, AMissingGoogleCredentialsFileIsAConfigurationError) {
    TempDir dir;
    simple_project(dir);
    TempDir home;
    TempDir bin;
    RunOptions o = cloud_run_options(home.path(), bin.path(), "http://127.0.0.1:1");
    const std::string missing = (home.path() / "no-such-key.json").string();
    o.env["GOOGLE_APPLICATION_CREDENTIALS"] = missing;
    o.env["GCE_METADATA_HOST"] = "127.0.0.1:1";
    const RunResult r = run_pgmi({"deploy", dir.path().string(), "--google", "--google-instance",
                                  "proj:us-central1:db", "-U", "sa@proj.iam", "-d", "app"},
                                 o);
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, "invalid configuration")) << r.err;
    EXPECT_TRUE(contains(r.err, missing)) << r.err;
    EXPECT_FALSE(contains(r.err, "database connection failed")) << r.err;
}

}  // namespace
}  // namespace pgmi::test
