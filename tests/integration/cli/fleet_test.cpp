// The fleet contract of examples/fleet, driven locally: N databases of the test server deployed in
// parallel by deploy-fleet.sh (xargs -P over deploy-one.sh, the script every scheduler example
// runs) from a targets file. Each run's --json document is collected; one tenant whose database
// has drifted fails with exit 13 and is reported with that code, while the others commit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

const std::string kFleet = std::string(PGMI_SOURCE_DIR) + "/examples/fleet";

RunOptions fleet_env(const std::filesystem::path& results) {
    RunOptions o;
    o.env["PGHOST"] = server().socket_dir().string();
    o.env["PGPORT"] = std::to_string(server().port());
    o.env["PGUSER"] = server().superuser();
    o.env["PGMI"] = PGMI_BINARY;
    o.env["PGMI_FLEET_RESULTS"] = results.string();
    o.timeout_seconds = 300;
    return o;
}

TEST(Fleet, ParallelDeployReportsTheFailingTenantWhileOthersCommit) {
    TempDir project;
    project.write("deploy.sql",
                  "BEGIN;\n"
                  "CREATE TABLE tenant_settings (key text PRIMARY KEY, value text);\n"
                  "INSERT INTO tenant_settings VALUES ('plan', 'standard');\n"
                  "COMMIT;\n");
    const std::vector<std::string> names = {"acme", "globex", "initech", "umbrella", "hooli"};
    std::string targets = "# tenants of this test\n\n";
    std::vector<std::string> dbs;
    for (const auto& n : names) {
        dbs.push_back(unique_db(n));
        targets += n + "  " + dbs.back() + "\n";
    }
    // globex has drifted: the table exists already, so its deploy fails (42P07, exit 13).
    query("postgres", "CREATE DATABASE " + dbs[1]);
    query(dbs[1], "CREATE TABLE tenant_settings (key text)");
    TempDir work;
    const auto targets_file = work.write("targets.txt", targets);
    const auto results = work.path() / "results";

    const auto r = run_program({"/bin/bash", kFleet + "/deploy-fleet.sh", project.path().string(),
                                targets_file.string(), "3"},
                               fleet_env(results));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("globex exit=13 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("fleet: 5 targets, 4 deployed, 1 failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("fleet: FAILED globex exit=13"), std::string::npos) << r.out;

    for (std::size_t i = 0; i < names.size(); ++i) {
        SCOPED_TRACE(names[i]);
        const auto doc = read_whole_file(results / (names[i] + ".json"));
        const auto code = read_whole_file(results / (names[i] + ".exit"));
        const auto j = nlohmann::json::parse(doc, nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << doc;
        EXPECT_EQ(std::to_string(j.value("exitCode", -1)) + "\n", code);
        EXPECT_EQ(j.value("database", ""), dbs[i]);
        if (i == 1) {
            EXPECT_EQ(j.value("status", ""), "failed");
            EXPECT_EQ(j.value("exitCode", -1), 13);
            EXPECT_NE(j.value("error", "").find("tenant_settings"), std::string::npos) << doc;
            // The atomic head rolled back: the drifted table is untouched.
            EXPECT_EQ(query(dbs[i], "SELECT count(*) FROM tenant_settings"),
                      std::vector<std::string>{"0"});
        } else {
            EXPECT_EQ(j.value("status", ""), "success") << doc;
            EXPECT_EQ(query(dbs[i], "SELECT value FROM tenant_settings WHERE key = 'plan'"),
                      std::vector<std::string>{"standard"});
        }
    }
}

TEST(Fleet, OneTargetByIndexAsAKubernetesIndexedJobRunsIt) {
    TempDir project;
    project.write("deploy.sql", "CREATE TABLE t (x int);\n");
    const std::string a = unique_db("idx_a");
    const std::string b = unique_db("idx_b");
    TempDir work;
    const auto targets = work.write("targets.txt", "# c\nalpha " + a + "\n\nbeta " + b + "\n");
    const auto results = work.path() / "results";
    const auto r = run_program({"/bin/bash", kFleet + "/deploy-one.sh", project.path().string(),
                                targets.string(), "--index", "1"},
                               fleet_env(results));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "beta exit=0 deployed\n");
    EXPECT_EQ(query(b, "SELECT count(*) FROM t"), std::vector<std::string>{"0"});
    EXPECT_TRUE(query("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + a + "'").empty());

    const auto past = run_program({"/bin/bash", kFleet + "/deploy-one.sh", project.path().string(),
                                   targets.string(), "--index", "2"},
                                  fleet_env(results));
    EXPECT_EQ(past.exit_code, 2);
    EXPECT_NE(past.err.find("no target with index 2"), std::string::npos) << past.err;
    const auto unsafe = work.write("bad.txt", "../etc x\n");
    const auto bad = run_program({"/bin/bash", kFleet + "/deploy-one.sh", project.path().string(),
                                  unsafe.string(), "../etc"},
                                 fleet_env(results));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("malformed target line"), std::string::npos) << bad.err;
}

TEST(Fleet, SchedulerFilesParseAndAgreeWithTheTargets) {
    const auto r = run_program({"/usr/bin/env", "python3",
                                std::string(PGMI_SOURCE_DIR) + "/tests/fleet/examples_test.py",
                                PGMI_SOURCE_DIR, PGMI_BINARY});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The workflow against GitHub's workflow schema (bundled in the pinned @action-validator/cli, so
// nothing is fetched at run time); a file that breaks the schema is refused, so the check bites.
TEST(Fleet, GithubWorkflowMatchesTheWorkflowSchema) {
    const std::string node = std::string(PGMI_SOURCE_DIR) + "/tests/fleet/node";
    const auto install = run_program({"/bin/bash", node + "/install.sh"});
    ASSERT_EQ(install.exit_code, 0) << install.err;
    const std::string validator = node + "/node_modules/.bin/action-validator";
    const auto r = run_program({validator, kFleet + "/github-actions.yml"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

    TempDir work;
    const auto bad = work.write("bad.yml",
                                "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
                                "    stepz: []\n");
    const auto refused = run_program({validator, bad.string()});
    EXPECT_NE(refused.exit_code, 0) << refused.out;
    EXPECT_NE((refused.out + refused.err).find("stepz"), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace pgmi::test
