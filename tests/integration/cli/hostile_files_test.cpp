// Hostile files in and around a project, against the real binary (issue 17, items 3-5): named
// pipes and devices where pgmi.yaml or .env should be, a deploy.sql that links outside the
// project or is huge, and links planted where the --test-report is written. Each case ends
// quickly with exit 10 (or writes the report safely) and never reads or sends the hostile target.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool table_exists(const std::string& db, const std::string& table) {
    if (query("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + db + "'").empty())
        return false;
    return query(db, "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'") ==
           std::vector<std::string>{"1"};
}

/// pgmi under a 4 GiB address-space limit and a short timeout: if a regression made it read a
/// device again, the test fails fast instead of exhausting the machine's memory.
RunResult run_pgmi_bounded(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {PGMI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(with_address_space_cap(argv, 4194304), {.timeout_seconds = 20});
}

/// A project whose deploy would leave a table behind, so "nothing ran" can be checked.
void project_with_marker(const TempDir& dir) {
    dir.write("deploy.sql", "CREATE TABLE hostile_never_ran(id int);\n");
}

class HostileFiles : public ::testing::TestWithParam<const char*> {};

// A named pipe nobody writes to: opening it for reading blocks forever unless O_NONBLOCK.
TEST_P(HostileFiles, NamedPipeIsRefusedQuickly) {
    TempDir dir;
    project_with_marker(dir);
    const fs::path pipe = dir.path() / GetParam();
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    const std::string db = unique_db();
    const auto started = std::chrono::steady_clock::now();
    auto r = run_pgmi(deploy_args(dir.path(), db, {"--timeout", "2s"}), {.timeout_seconds = 20});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, pipe.string() + " is a named pipe, not a regular file")) << r.err;
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_FALSE(table_exists(db, "hostile_never_ran"));
}

// A link to /dev/zero: read to the end, it never ends (bad_alloc after all memory).
TEST_P(HostileFiles, LinkToDevZeroIsRefused) {
    TempDir dir;
    project_with_marker(dir);
    const fs::path link = dir.path() / GetParam();
    fs::create_symlink("/dev/zero", link);
    const std::string db = unique_db();
    auto r = run_pgmi_bounded(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, link.string() + " is a symbolic link, not a regular file; pgmi "
                                                "does not follow links inside a project"))
        << r.err;
    EXPECT_FALSE(table_exists(db, "hostile_never_ran"));
}

// A link to a real configuration file elsewhere: not followed either (the project directory
// itself may be a link, the files in it may not). .env is hidden from the project scan, so its
// link used to be applied; pgmi.yaml's was read and applied before the scan refused it.
TEST_P(HostileFiles, LinkOutsideTheProjectIsRefused) {
    TempDir dir;
    project_with_marker(dir);
    TempDir outside;
    const auto target = outside.write(
        "config", std::string(GetParam()) == ".env" ? "PGMI_OUTSIDE_MARKER=1\n" : "timeout: 10s\n");
    fs::create_symlink(target, dir.path() / GetParam());
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, "is a symbolic link")) << r.err;
    EXPECT_TRUE(contains(r.out, "\"exitCode\":10") || contains(r.out, "\"exitCode\": 10")) << r.out;
    EXPECT_FALSE(contains(r.out + r.err, "PGMI_OUTSIDE_MARKER")) << r.out << r.err;
}

// Over the 1 MiB cap (sparse, so nothing is written): refused by size, not read.
TEST_P(HostileFiles, OversizedFileIsRefused) {
    TempDir dir;
    project_with_marker(dir);
    const fs::path big = dir.path() / GetParam();
    { std::ofstream touch(big); }
    fs::resize_file(big, (std::uintmax_t{1} << 20) + 1);
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(
        contains(r.err, big.string() + " is 1048577 bytes, over the 1 MiB limit for " + GetParam()))
        << r.err;
}

INSTANTIATE_TEST_SUITE_P(ProjectConfigFiles, HostileFiles, ::testing::Values(".env", "pgmi.yaml"),
                         [](const auto& param_info) {
                             return std::string(param_info.param) == ".env" ? "dotenv"
                                                                            : "pgmi_yaml";
                         });

// A directory named .env (a Python virtualenv) is not hostile: a warning, and the deploy runs.
// Names and <pgmi-meta> text come from the project: `info` and `metadata` once printed their
// escape sequences raw (a retitled window, a cleared screen). They are shown in caret notation.
TEST(HostileFilesNames, InfoAndMetadataShowEscapeSequencesInsteadOfActingOnThem) {
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    project.write("d\x1b]0;TITLE\x07/x.sql", "SELECT 1;\n");
    project.write("m.sql",
                  "/* <pgmi-meta id=\"0b7e8d52-4d0a-4a39-9d4c-6f1f6f3c2a11\" "
                  "idempotent=\"true\"><description>say \xc2\x9b"
                  "2J</description>"
                  "<sortKeys><key>0001</key></sortKeys></pgmi-meta> */\nSELECT 1;\n");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"info", project.path().string()},
          std::vector<std::string>{"metadata", "plan", project.path().string()},
          std::vector<std::string>{"metadata", "scaffold", project.path().string()}}) {
        auto r = run_pgmi(args);
        EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
        const std::string all = r.out + r.err;
        EXPECT_EQ(all.find('\x1b'), std::string::npos) << args[0] << ": " << all;
        EXPECT_EQ(all.find('\x07'), std::string::npos) << args[0];
        EXPECT_EQ(all.find("\xc2\x9b"), std::string::npos) << args[0];
        EXPECT_NE(all.find("d^[]0;TITLE^G"), std::string::npos) << args[0] << ": " << all;
    }
    const std::string plan = run_pgmi({"metadata", "plan", project.path().string()}).err;
    EXPECT_NE(plan.find("Description: say <U+009B>2J"), std::string::npos) << plan;
}

TEST(HostileFilesDotenv, DirectoryNamedDotenvOnlyWarns) {
    TempDir dir;
    dir.write("deploy.sql", "CREATE TABLE venv_ok(id int);\n");
    fs::create_directory(dir.path() / ".env");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "could not be read (Is a directory)")) << r.err;
    EXPECT_TRUE(table_exists(db, "venv_ok"));
}

// deploy.sql linking to a file outside the project: its SQL would run with the deploying
// user's credentials and its text would be echoed in errors and the server log.
TEST(HostileDeploySql, LinkOutsideTheProjectIsNeitherReadNorSent) {
    TempDir dir;
    TempDir outside;
    const auto evil = outside.write(
        "evil.sql", "CREATE TABLE escaped_7f3a(id int);\nSELECT 'OUTSIDE-MARKER-7f3a' AS leak;\n");
    fs::create_symlink(evil, dir.path() / "deploy.sql");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db, {"--json"}));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "deploy.sql is a symbolic link; pgmi does not follow links "
                         "inside a project"))
        << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "OUTSIDE-MARKER-7f3a")) << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "escaped_7f3a")) << r.out << r.err;
    EXPECT_FALSE(table_exists(db, "escaped_7f3a"));
}

// The project directory itself may be a link: deploy.sql inside it is read normally.
TEST(HostileDeploySql, ProjectDirectoryGivenAsALinkStillDeploys) {
    TempDir dir;
    dir.write("real/deploy.sql", "CREATE TABLE via_linked_root(id int);\n");
    fs::create_directory_symlink(dir.path() / "real", dir.path() / "linked");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path() / "linked", db));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(table_exists(db, "via_linked_root"));
}

TEST(HostileDeploySql, NamedPipeIsRefusedQuickly) {
    TempDir dir;
    const fs::path pipe = dir.path() / "deploy.sql";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()), {.timeout_seconds = 20});
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, pipe.string() + " is a named pipe, not a regular file")) << r.err;
}

// Over 64 MiB (sparse: nothing is written, and nothing is read).
TEST(HostileDeploySql, OversizedIsRefusedBeforeReading) {
    TempDir dir;
    const fs::path script = dir.path() / "deploy.sql";
    { std::ofstream touch(script); }
    fs::resize_file(script, (std::uintmax_t{64} << 20) + 1);
    auto r = run_pgmi_bounded(deploy_args(dir.path(), unique_db()));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_TRUE(contains(r.err, script.string() +
                                    " is 67108865 bytes, over the 64 MiB limit for deploy.sql "
                                    "(raise it with PGMI_MAX_FILE_SIZE)"))
        << r.err;
}

// PGMI_MAX_FILE_SIZE raises deploy.sql's cap when larger, and never lowers it below 64 MiB.
TEST(HostileDeploySql, MaxFileSizeRaisesButNeverLowersTheCap) {
    TempDir dir;
    const fs::path script = dir.path() / "deploy.sql";
    { std::ofstream touch(script); }
    fs::resize_file(script, (std::uintmax_t{64} << 20) + 1);
    RunOptions env;
    env.env["PGMI_MAX_FILE_SIZE"] = std::to_string((std::uintmax_t{65} << 20));
    env.timeout_seconds = 60;
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()), env);
    EXPECT_EQ(r.exit_code, 10) << r.err;
    // Read in full this time: the sparse file's zero bytes fail the text rule instead of the cap.
    EXPECT_TRUE(contains(r.err, "deploy.sql contains a NUL byte")) << r.err;

    TempDir small;
    small.write("deploy.sql",
                "CREATE TABLE small_cap_ok(id int); -- " + std::string(200, 'x') + "\n");
    const std::string db = unique_db();
    RunOptions tiny;
    tiny.env["PGMI_MAX_FILE_SIZE"] = "100";
    auto ok = run_pgmi(deploy_args(small.path(), db), tiny);
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_TRUE(table_exists(db, "small_cap_ok"));
}

// --test-report writes beside the report. A link planted at the temporary name pgmi used to
// pick ("<report>.tmp<pid>", known once the process runs) or at names an attacker might guess
// must never be written through; the report still lands.
TEST(HostileTestReport, PlantedLinksAreNeverWrittenThrough) {
    TempDir dir;
    dir.write("deploy.sql",
              "SELECT pg_sleep(1.5);\nBEGIN;\nCREATE TABLE item(id int);\nCALL pgmi_test();\n"
              "COMMIT;\n");
    dir.write("__test__/test_a.sql", "SELECT 1;\n");
    TempDir shared;  // e.g. a CI workspace other users can write to
    TempDir elsewhere;
    const auto victim = elsewhere.write("victim", "VICTIM");
    const fs::path report = shared.path() / "report.xml";
    std::vector<std::string> planted = {"report.xml.tmp", ".report.xml.tmp", "report.xml~"};
    for (const std::string& name : planted)
        fs::create_symlink(victim, shared.path() / name);

    auto pgmi =
        spawn_pgmi(deploy_args(dir.path(), unique_db(), {"--test-report", report.string()}));
    const std::string predictable = "report.xml.tmp" + std::to_string(pgmi->pid());
    fs::create_symlink(victim, shared.path() / predictable);
    planted.push_back(predictable);
    auto r = pgmi->wait();

    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_whole_file(victim), "VICTIM");
    struct stat st {};
    ASSERT_EQ(::lstat(report.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << "the report must be a file, not a planted link";
    EXPECT_TRUE(contains(read_whole_file(report), "<testsuites")) << read_whole_file(report);
    // No temporary left behind: the planted links and the report, nothing else.
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(shared.path()))
        names.push_back(e.path().filename().string());
    planted.push_back("report.xml");
    std::sort(names.begin(), names.end());
    std::sort(planted.begin(), planted.end());
    EXPECT_EQ(names, planted);
}

}  // namespace
}  // namespace pgmi::test
