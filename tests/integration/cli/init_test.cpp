// `pgmi init` end to end: the real binary scaffolds the basic template, and the result deploys
// to the real PostgreSQL of this test binary (idempotently, gated by its tests, branching on
// env). The wizard is driven through a pseudo-terminal.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "config/project_config.hpp"
#include "pty_session.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

const RunOptions kBatch{.env = {{"PGMI_NON_INTERACTIVE", "1"}}};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every entry under `root` with its content (files) or "/" (directories), sorted.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        const std::string rel = fs::relative(e.path(), root).string();
        out[rel] = e.is_directory() ? "/" : read_file(e.path());
    }
    return out;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

const std::string kTree =
    "/\n"
    "\u251c\u2500\u2500 .gitignore\n"
    "\u251c\u2500\u2500 README.md\n"
    "\u251c\u2500\u2500 __test__/\n"
    "\u2502   \u251c\u2500\u2500 _setup.sql\n"
    "\u2502   \u251c\u2500\u2500 test_project.sql\n"
    "\u2502   \u2514\u2500\u2500 test_user_crud.sql\n"
    "\u251c\u2500\u2500 deploy.sql\n"
    "\u251c\u2500\u2500 migrations/\n"
    "\u2502   \u251c\u2500\u2500 001_users.sql\n"
    "\u2502   \u2514\u2500\u2500 002_user_crud.sql\n"
    "\u251c\u2500\u2500 pgmi.yaml\n"
    "\u2514\u2500\u2500 project.json\n"
    "\n";

TEST(Init, ScaffoldsTheBasicTemplate) {
    TempDir dir;
    const fs::path project = dir.path() / "shop";
    auto r = run_pgmi({"init", project.string()}, kBatch);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, project.string() + kTree);
    EXPECT_TRUE(has(r.err, "Wrote " + project.string() + " (basic template).\n")) << r.err;
    EXPECT_TRUE(has(r.err, "\nNext:\n  pgmi deploy " + project.string() + " --ephemeral")) << r.err;
    EXPECT_TRUE(has(r.err, "  pgmi deploy " + project.string() + " -d mydb ")) << r.err;

    // The project name is substituted; nothing else is a placeholder any more.
    EXPECT_EQ(read_file(project / "project.json"),
              "{\n  \"app_name\": \"shop\",\n  \"version\": \"1.0.0\"\n}\n");
    EXPECT_EQ(read_file(project / "README.md").rfind("# shop\n", 0), 0u);
    for (const auto& [rel, content] : snapshot(project))
        EXPECT_FALSE(has(content, "{{")) << rel;
    // The shipped pgmi.yaml is valid for pgmi and carries no secret.
    auto yaml = config::load_project_config(project);
    ASSERT_TRUE(yaml) << yaml.error().message;
    EXPECT_EQ(yaml->connection.database, "mydb");
    EXPECT_EQ(yaml->timeout, "3m");
    EXPECT_FALSE(has(read_file(project / "pgmi.yaml"), "password:"));

    EXPECT_EQ(mode_of(project), 0755u);
    EXPECT_EQ(mode_of(project / "migrations"), 0755u);
    EXPECT_EQ(mode_of(project / "deploy.sql"), 0644u);
    EXPECT_EQ(mode_of(project / "pgmi.yaml"), 0644u);
}

TEST(Init, DeploysTwiceThenFailingTestLeavesNoMigration) {
    TempDir dir;
    const fs::path project = dir.path() / "app";
    ASSERT_EQ(run_pgmi({"init", project.string()}, kBatch).exit_code, 0);

    const std::string db = unique_db("basic");
    auto first = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_TRUE(has(first.err,
                    "\nDeploying app 1.0.0 to \"" + db + "\" (env: development, 5 files loaded)"))
        << first.err;
    EXPECT_TRUE(has(first.err,
                    "\nRunning ./migrations/001_users.sql\n"
                    "Running ./migrations/002_user_crud.sql\n"))
        << first.err;
    EXPECT_TRUE(has(first.err, "[pgmi] Test: ./__test__/test_user_crud.sql")) << first.err;
    EXPECT_TRUE(has(first.err, "\nDone: 1 users in \"user\"\n")) << first.err;
    EXPECT_EQ(query(db, "SELECT email || '|' || name FROM \"user\""),
              V{"admin@example.com|Administrator"});
    // The tests' rows were rolled back; only the seed remains.
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM \"user\" WHERE email LIKE '%lovelace%' OR email = "
                    "'ada@example.com'"),
              V{"0"});
    EXPECT_EQ(query(db, "SELECT (upsert_user('X@Example.com', 'X')).email"), V{"x@example.com"});

    // Idempotent re-deploy: same schema, the seed is not duplicated, user data is kept.
    auto second = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(query(db, "SELECT email FROM \"user\" ORDER BY email"),
              (V{"admin@example.com", "x@example.com"}));
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                    "p.pronamespace WHERE n.nspname = 'public' AND p.proname LIKE '%_user'"),
              V{"3"});

    // A new migration plus a failing test: exit 13, and neither the migration nor any other
    // change of that run is committed.
    std::ofstream(project / "migrations/003_orders.sql")
        << "CREATE TABLE IF NOT EXISTS \"order\" (id bigint PRIMARY KEY);\n"
           "DELETE FROM \"user\";\n";
    std::ofstream(project / "__test__/test_zz_fails.sql")
        << "DO $$ BEGIN RAISE EXCEPTION 'the answer should be 42'; END $$;\n";
    auto failed = run_pgmi(deploy_args(project, db));
    EXPECT_EQ(failed.exit_code, 13) << failed.err;
    EXPECT_TRUE(has(failed.err, "Failed in ./__test__/test_zz_fails.sql: the answer should be 42"))
        << failed.err;
    EXPECT_EQ(query(db, "SELECT to_regclass('\"order\"') IS NULL"), V{"t"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM \"user\""), V{"2"});
}

TEST(Init, FailingTestOnAFreshDatabaseLeavesNothing) {
    TempDir dir;
    const fs::path project = dir.path() / "p";
    ASSERT_EQ(run_pgmi({"init", project.string()}, kBatch).exit_code, 0);
    std::ofstream(project / "__test__/test_broken.sql")
        << "DO $$ BEGIN\n"
           "  IF NOT EXISTS (SELECT 1 FROM get_user('nobody@example.com')) THEN\n"
           "    RAISE EXCEPTION 'nobody should exist';\n"
           "  END IF;\n"
           "END $$;\n";
    const std::string db = unique_db("fail");
    auto r = run_pgmi(deploy_args(project, db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_TRUE(has(r.err, "nobody should exist")) << r.err;
    EXPECT_EQ(query(db, "SELECT to_regclass('public.\"user\"') IS NULL"), V{"t"});
}

TEST(Init, AFailingMigrationIsNamedWithItsLine) {
    TempDir dir;
    const fs::path project = dir.path() / "p";
    ASSERT_EQ(run_pgmi({"init", project.string()}, kBatch).exit_code, 0);
    std::ofstream(project / "migrations/003_broken.sql")
        << "CREATE TABLE IF NOT EXISTS t3 (x int);\n"
           "SELECT 1;\n"
           "SELEC 2;\n";
    const std::string db = unique_db("broken");
    auto r = run_pgmi(deploy_args(project, db));
    EXPECT_EQ(r.exit_code, 13) << r.err;
    // File, line and column of the template's EXECUTE, from the server's own position.
    EXPECT_TRUE(has(r.err,
                    "./migrations/003_broken.sql:3:1: pgmi: error: execution failed: "
                    "ERROR: syntax error at or near \"SELEC\" (SQLSTATE 42601)"))
        << r.err;
    EXPECT_TRUE(has(r.err, "LINE 3: SELEC 2;\n")) << r.err;
    EXPECT_EQ(query(db, "SELECT to_regclass('public.t3') IS NULL"), V{"t"});
}

TEST(Init, ProductionSkipsTheDevelopmentSeed) {
    TempDir dir;
    const fs::path project = dir.path() / "p";
    ASSERT_EQ(run_pgmi({"init", project.string()}, kBatch).exit_code, 0);

    const std::string prod = unique_db("prod");
    auto r = run_pgmi(deploy_args(project, prod, {"--param", "env=production"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.err, "(env: production,")) << r.err;
    EXPECT_TRUE(has(r.err, "\nSkipping the development seed (env: production)\n")) << r.err;
    EXPECT_EQ(query(prod, "SELECT count(*) FROM \"user\""), V{"0"});

    const std::string staging = unique_db("staging");
    r = run_pgmi(deploy_args(project, staging,
                             {"--param", "env=staging", "--param", "admin_email=Ops@Example.com"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(staging, "SELECT email FROM \"user\""), V{"ops@example.com"});
}

// The apply-once ledger is shown in comments; uncommented as the comment says, it works.
TEST(Init, ApplyOnceLedgerWorksWhenUncommented) {
    TempDir dir;
    const fs::path project = dir.path() / "p";
    ASSERT_EQ(run_pgmi({"init", project.string()}, kBatch).exit_code, 0);
    std::string deploy = read_file(project / "deploy.sql");
    auto replace = [&deploy](const std::string& from, const std::string& to) {
        const auto at = deploy.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        deploy.replace(at, from.size(), to);
    };
    replace("    -- CREATE TABLE IF NOT EXISTS app_migration",
            "    CREATE TABLE IF NOT EXISTS app_migration");
    replace("    --     applied_at", "        applied_at");
    replace("-- [apply-once] CONTINUE", "CONTINUE");
    replace("-- [apply-once] INSERT", "INSERT");
    std::ofstream(project / "deploy.sql", std::ios::trunc) << deploy;

    const std::string db = unique_db("ledger");
    auto first = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_TRUE(has(first.err, "\nRunning ./migrations/001_users.sql\n")) << first.err;
    EXPECT_EQ(query(db, "SELECT path FROM app_migration ORDER BY path"),
              (V{"./migrations/001_users.sql", "./migrations/002_user_crud.sql"}));
    auto second = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_FALSE(has(second.err, "Running ./migrations")) << "applied files do not run again";
    EXPECT_EQ(query(db, "SELECT count(*) FROM app_migration"), V{"2"});
}

TEST(Init, NonEmptyDirectoryIsRefusedWithoutWriting) {
    TempDir dir;
    dir.write("notes.txt", "mine\n");
    dir.write(".git/HEAD", "ref\n");
    dir.write("pgmi.yaml", "timeout: 1m\n");
    const auto before = snapshot(dir.path());
    auto r = run_pgmi({"init", dir.path().string()}, kBatch);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "pgmi: error: usage error: directory \"" + dir.path().string() +
                         "\" is not empty (blocking: [.git notes.txt])\n"
                         "HINT: scaffold into a new directory instead, e.g. pgmi init "
                         "./new-project\n");
    EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(Init, KeepsExistingPgmiYamlAndDotEnv) {
    TempDir dir;
    dir.write("pgmi.yaml", "# mine\ntimeout: 10s\n");
    dir.write(".env", "PGPASSWORD=from-env\n");
    auto r =
        run_pgmi({"init", "-v", "."}, {.env = {{"PGMI_NON_INTERACTIVE", "1"}}, .cwd = dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.path() / "pgmi.yaml"), "# mine\ntimeout: 10s\n");
    EXPECT_EQ(read_file(dir.path() / ".env"), "PGPASSWORD=from-env\n");
    EXPECT_TRUE(fs::exists(dir.path() / "deploy.sql"));
    const std::string name = dir.path().filename().string();
    EXPECT_TRUE(has(r.err, "[VERBOSE] Creating project '" + name + "' at " + dir.path().string() +
                               " with template 'basic'\n"))
        << r.err;
    EXPECT_TRUE(has(r.err, "[VERBOSE] Skipping existing: pgmi.yaml\n")) << r.err;
    EXPECT_TRUE(has(r.err, "[VERBOSE] Creating directory: migrations\n")) << r.err;
    EXPECT_TRUE(has(r.err, "[VERBOSE] Creating file: migrations/001_users.sql\n")) << r.err;
    EXPECT_TRUE(has(r.err, "[VERBOSE] Project created successfully\n")) << r.err;
    EXPECT_TRUE(has(r.err, "Wrote . (basic template).")) << r.err;
    EXPECT_TRUE(has(r.err, "  pgmi deploy . --ephemeral")) << r.err;
    EXPECT_EQ(r.out.rfind(dir.path().string() + "/\n\u251c\u2500\u2500 .env\n", 0), 0u) << r.out;
    EXPECT_FALSE(has(r.err + r.out, "from-env"));
    // The name of "." is the directory's own name.
    EXPECT_TRUE(has(read_file(dir.path() / "project.json"), "\"app_name\": \"" + name + "\""));
}

// A dangling link named pgmi.yaml was taken as absent: every other file was written, then the
// exclusive create of pgmi.yaml failed, leaving half a project (hostile review). It is kept.
TEST(Init, KeepsADanglingLinkNamedPgmiYamlAndCompletes) {
    TempDir dir;
    fs::create_symlink(dir.path() / "nowhere", dir.path() / "pgmi.yaml");
    auto r = run_pgmi({"init", "."}, {.env = {{"PGMI_NON_INTERACTIVE", "1"}}, .cwd = dir.path()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(dir.path() / "pgmi.yaml"));
    EXPECT_FALSE(fs::exists(dir.path() / "nowhere")) << "nothing is written through the link";
    EXPECT_TRUE(fs::exists(dir.path() / "deploy.sql"));
}

TEST(Init, UnknownTemplateAndBadArguments) {
    TempDir dir;
    const fs::path target = dir.path() / "new";
    auto r = run_pgmi({"init", target.string(), "--template", "fancy"}, kBatch);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "pgmi: error: usage error: unknown template \"fancy\" (available: [advanced basic])\n"
              "run `pgmi templates list` for descriptions\n");
    EXPECT_FALSE(fs::exists(target)) << "nothing is created for an unknown template";

    r = run_pgmi({"init", "-t", "Advanced", target.string()}, kBatch);
    EXPECT_EQ(r.exit_code, 2) << "template names are case-sensitive";

    r = run_pgmi({"init", "a", "b"}, {.env = {{"PGMI_NON_INTERACTIVE", "1"}}, .cwd = dir.path()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "pgmi: error: usage error: accepts at most 1 arg(s), received 2\n");
    EXPECT_TRUE(fs::is_empty(dir.path()));

    r = run_pgmi({"init", "--template"}, kBatch);
    EXPECT_EQ(r.exit_code, 2) << r.err;

    const fs::path file = dir.write("afile", "x");
    r = run_pgmi({"init", file.string()}, kBatch);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "pgmi: error: failed to create project: " + file.string() +
                         ": path exists but is not a directory\n");
}

TEST(Init, OddProjectNamesAreEscaped) {
    TempDir dir;
    const fs::path project = dir.path() / "my \"quoted\" app's";
    auto r = run_pgmi({"init", project.string()}, kBatch);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(project / "project.json"),
              "{\n  \"app_name\": \"my \\\"quoted\\\" app's\",\n  \"version\": \"1.0.0\"\n}\n");
    EXPECT_TRUE(
        has(r.err, "pgmi deploy '" + dir.path().string() + "/my \"quoted\" app'\\''s' --ephemeral"))
        << r.err;
    // ... and the project still deploys (the name travels as data through project.json).
    const std::string db = unique_db("odd");
    auto d = run_pgmi(deploy_args(project, db));
    EXPECT_EQ(d.exit_code, 0) << d.err;
    EXPECT_TRUE(has(d.err, "Deploying my \"quoted\" app's 1.0.0")) << d.err;
}

// --- the wizard, through a pseudo-terminal -----------------------------------------------------

TEST(InitWizard, SigtermAndSighupLeaveTheTerminalAsTheyFoundIt) {
    for (int sig : {SIGTERM, SIGHUP}) {
        TempDir dir;
        PtySession s({"init"}, {.cwd = dir.path()});
        termios before{};
        ASSERT_EQ(tcgetattr(s.master(), &before), 0);
        ASSERT_TRUE(s.expect("Project directory: "));
        termios during{};
        ASSERT_EQ(tcgetattr(s.master(), &during), 0);
        EXPECT_EQ(during.c_lflag & ECHO, 0u) << "the wizard reads keys in raw mode";
        kill(s.pid(), sig);
        EXPECT_EQ(s.wait(), 128 + sig) << s.output();
        termios after{};
        ASSERT_EQ(tcgetattr(s.master(), &after), 0);
        EXPECT_EQ(after.c_lflag & (ECHO | ICANON | ISIG), before.c_lflag & (ECHO | ICANON | ISIG))
            << "signal " << sig << " left the terminal raw";
        EXPECT_FALSE(fs::exists(dir.path() / "deploy.sql"));
    }
}

TEST(InitWizard, DefaultsScaffoldWithoutConnection) {
    TempDir dir;
    PtySession s({"init"}, {.cwd = dir.path()});
    ASSERT_TRUE(s.expect("\x1b[1mpgmi init - Project Setup\x1b[0m")) << "bold at a colour terminal";
    ASSERT_TRUE(s.expect("Project directory: "));
    s.send("myproj\r");
    ASSERT_TRUE(s.expect("Template"));
    ASSERT_TRUE(s.expect("Linear migrations, minimal structure"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Configure a database connection now?"));
    s.send("\r");  // default: no
    ASSERT_TRUE(s.expect("Wrote myproj (basic template)."));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_TRUE(fs::exists(dir.path() / "myproj/deploy.sql"));
    EXPECT_TRUE(has(read_file(dir.path() / "myproj/pgmi.yaml"), "  host: localhost\n"));
    EXPECT_EQ(mode_of(dir.path() / "myproj/pgmi.yaml"), 0644u);
    EXPECT_TRUE(has(s.output(), "pgmi deploy myproj -d mydb")) << s.output();
    EXPECT_TRUE(has(s.output(), "\u2714")) << "glyphs at a terminal";
}

TEST(InitWizard, ConnectionSetupRunsTheConnectionWizardAndWritesPgmiYamlWithoutSecrets) {
    TempDir dir;
    dir.write("home/.keep", "");
    const std::string port = std::to_string(server().port());
    PtySession s({"init", "proj2"}, {.env = {{"NO_COLOR", "1"},
                                             {"HOME", (dir.path() / "home").string()},
                                             {"PGPASSFILE", std::nullopt}},
                                     .cwd = dir.path()});
    ASSERT_TRUE(s.expect("Project directory: proj2"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Template"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Configure a database connection now?"));
    s.send("y");
    // The one connection wizard (config_test.cpp covers every provider).
    ASSERT_TRUE(s.expect("pgmi - Connection Setup"));
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    ASSERT_TRUE(s.expect("Google Cloud SQL"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Host: localhost"));
    s.send(
        "\x15"
        "postgresql://u:secret@db\r");  // Ctrl+U clears the prefilled value
    ASSERT_TRUE(s.expect("Error: enter a host name, IP address or socket directory"));
    s.send(
        "\x15"
        "127.0.0.1\r");
    ASSERT_TRUE(s.expect("Port: 5432"));
    s.send(
        "\x7f\x7f\x7f\x7f"
        "x\r");
    ASSERT_TRUE(s.expect("Error: port must be a number between 1 and 65535"));
    ASSERT_TRUE(s.expect("Port: x"));
    s.send("\x7f" + port + "\r");
    ASSERT_TRUE(s.expect("Database: "));
    s.send("\r");
    ASSERT_TRUE(s.expect("Error: database name is required"));
    s.send("orders\r");
    ASSERT_TRUE(s.expect("Maintenance database: postgres"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Username: postgres"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Password: "));
    s.send("typed-secret-77\r");
    ASSERT_TRUE(s.expect("ok Connected: PostgreSQL"));
    ASSERT_TRUE(s.expect("Wrote proj2 (basic template)."));
    ASSERT_TRUE(s.expect("Wrote proj2/pgmi.yaml"));
    ASSERT_TRUE(s.expect("Save the password to .pgpass for future sessions?"));
    s.send("n");
    ASSERT_TRUE(s.expect("Tip: when you deploy"));
    EXPECT_EQ(s.wait(), 0) << s.output();

    const fs::path yaml_path = dir.path() / "proj2/pgmi.yaml";
    EXPECT_EQ(mode_of(yaml_path), 0600u);
    auto yaml = config::load_project_config(dir.path() / "proj2");
    ASSERT_TRUE(yaml) << yaml.error().message;
    EXPECT_EQ(yaml->connection.host, "127.0.0.1");
    EXPECT_EQ(yaml->connection.port, server().port());
    EXPECT_EQ(yaml->connection.database, "orders");
    EXPECT_EQ(yaml->connection.username, "postgres");
    EXPECT_EQ(yaml->connection.maintenance_database, "postgres");
    EXPECT_EQ(yaml->connection.sslmode, "prefer");
    ASSERT_EQ(yaml->params.size(), 1u);
    EXPECT_EQ(yaml->params[0], (std::pair<std::string, std::string>{"env", "development"}));
    const std::string text = read_file(yaml_path);
    EXPECT_FALSE(has(text, "password:")) << text;
    EXPECT_FALSE(has(text, "secret@")) << text;
    EXPECT_FALSE(has(text, "typed-secret-77")) << text;
    EXPECT_FALSE(has(s.output(), "typed-secret-77")) << "never echoed";
    EXPECT_FALSE(fs::exists(dir.path() / "home/.pgpass"));
    EXPECT_TRUE(has(text, "# Never put a secret in this file")) << "comments are kept";
    EXPECT_TRUE(has(s.output(), "pgmi deploy proj2 -d orders")) << s.output();
}

TEST(InitWizard, CtrlCCancelsWithoutWriting) {
    TempDir dir;
    PtySession s({"init", "x"}, {.env = {{"NO_COLOR", "1"}}, .cwd = dir.path()});
    ASSERT_TRUE(s.expect("Project directory: x"));
    s.send("\x03");
    ASSERT_TRUE(s.expect("Cancelled."));
    EXPECT_EQ(s.wait(), 0);
    EXPECT_TRUE(fs::is_empty(dir.path()));

    PtySession later({"init"}, {.env = {{"NO_COLOR", "1"}}, .cwd = dir.path()});
    ASSERT_TRUE(later.expect("Project directory: "));
    later.send("y\r");
    ASSERT_TRUE(later.expect("Template"));
    later.send("\r");
    ASSERT_TRUE(later.expect("Configure a database connection now?"));
    later.send("\x03");
    ASSERT_TRUE(later.expect("Cancelled."));
    EXPECT_EQ(later.wait(), 0);
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(InitWizard, NonEmptyDirectoryIsAskedAgainAndTabCompletes) {
    TempDir dir;
    dir.write("full/x.txt", "x");
    fs::create_directory(dir.path() / "projects-alpha");
    PtySession s({"init"}, {.env = {{"NO_COLOR", "1"}}, .cwd = dir.path()});
    ASSERT_TRUE(s.expect("Project directory: "));
    s.send("full\r");
    ASSERT_TRUE(s.expect("Error: Directory is not empty: '" + (dir.path() / "full").string() +
                         "' contains: x.txt"));
    ASSERT_TRUE(s.expect("? Project directory: full"));
    s.send(
        "\x15"
        "proj\t");
    ASSERT_TRUE(s.expect("projects-alpha/"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Template"));
    s.send("\x1b");  // Esc: back to the directory
    ASSERT_TRUE(s.expect("Project directory: projects-alpha/"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Template"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Configure a database connection now?"));
    s.send("n");
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_TRUE(fs::exists(dir.path() / "projects-alpha/deploy.sql"));
    EXPECT_EQ(read_file(dir.path() / "full/x.txt"), "x");
    EXPECT_FALSE(fs::exists(dir.path() / "full/deploy.sql"));
}

TEST(InitWizard, CancellingTheConnectionFormStillScaffolds) {
    TempDir dir;
    PtySession s({"init", "p"}, {.env = {{"NO_COLOR", "1"}}, .cwd = dir.path()});
    ASSERT_TRUE(s.expect("Project directory: p"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Template"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Configure a database connection now?"));
    s.send("y");
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Host: "));
    s.send("\x03");
    ASSERT_TRUE(s.expect("scaffolding without it"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_TRUE(fs::exists(dir.path() / "p/deploy.sql"));
    EXPECT_TRUE(has(read_file(dir.path() / "p/pgmi.yaml"), "  host: localhost\n"));
}

TEST(InitWizard, NotShownWithTemplateFlagOrInCi) {
    TempDir dir;
    {
        PtySession s({"init", "a", "-t", "basic"}, {.cwd = dir.path()});
        EXPECT_EQ(s.wait(), 0) << s.output();
        EXPECT_FALSE(has(s.output(), "Project directory")) << s.output();
        EXPECT_TRUE(fs::exists(dir.path() / "a/deploy.sql"));
    }
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"CI", "true"}, {"PGMI_NON_INTERACTIVE", "1"}}) {
        const std::string target = "b_" + key;
        PtySession s({"init", target}, {.env = {{key, value}}, .cwd = dir.path()});
        EXPECT_EQ(s.wait(), 0) << s.output();
        EXPECT_FALSE(has(s.output(), "Project directory")) << key;
        EXPECT_TRUE(fs::exists(dir.path() / target / "deploy.sql")) << key;
    }
}

}  // namespace
}  // namespace pgmi::test
