// `pgmi deploy --overwrite` end to end: the real binary, a real server, and a pseudo-terminal for
// the interactive approvals (typed database name, --force countdown, Ctrl-C, Ctrl-D).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "pg/connection.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

struct PtyRun {
    int exit_code = -1;
    std::string output;  // everything the terminal showed (stdout and stderr, echoed input)
};

/// Runs pgmi with a pseudo-terminal as stdin, stdout and stderr. Each time the output contains
/// the next `expect` text (after the previous match), the matching `send` is typed.
PtyRun run_in_pty(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env,
                  std::vector<std::pair<std::string, std::string>> script = {},
                  int timeout_seconds = 60) {
    PtyRun run;
    int master = -1;
    pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0) {
        ADD_FAILURE() << "forkpty: " << std::strerror(errno);
        return run;
    }
    if (pid == 0) {
        std::vector<std::string> drop;
        for (char** e = environ; *e != nullptr; ++e) {
            std::string key(*e, std::strcspn(*e, "="));
            if (key.rfind("PG", 0) == 0 || key == "DATABASE_URL" || key == "CI")
                drop.push_back(key);
        }
        for (const auto& k : drop)
            unsetenv(k.c_str());
        for (const auto& [k, v] : env)
            setenv(k.c_str(), v.c_str(), 1);
        std::vector<std::string> argv = {PGMI_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> cargs;
        for (auto& a : argv)
            cargs.push_back(a.data());
        cargs.push_back(nullptr);
        execv(cargs[0], cargs.data());
        _exit(127);
    }
    size_t step = 0;
    size_t searched = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    char buf[4096];
    for (;;) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            ADD_FAILURE() << "pgmi at a terminal timed out; output so far:\n" << run.output;
            break;
        }
        pollfd p{master, POLLIN, 0};
        int rc = poll(&p, 1, 100);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc > 0) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0)
                break;  // EIO: the child closed the terminal
            run.output.append(buf, static_cast<size_t>(n));
        }
        if (step < script.size()) {
            size_t at = run.output.find(script[step].first, searched);
            if (at != std::string::npos) {
                searched = at + script[step].first.size();
                const std::string& send = script[step].second;
                ssize_t w = write(master, send.data(), send.size());
                EXPECT_EQ(w, static_cast<ssize_t>(send.size()));
                ++step;
            }
        }
    }
    close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    EXPECT_EQ(step, script.size()) << "not every prompt appeared:\n" << run.output;
    return run;
}

const char* kDeploySql = "CREATE TABLE marker AS SELECT 'deployed'::text AS v;\n";

/// Everything --overwrite keeps, as one line.
std::string fingerprint(const std::string& db) {
    return query("postgres",
                 "SELECT concat_ws(' | ', pg_encoding_to_char(d.encoding), d.datcollate, "
                 "d.datctype, pg_get_userbyid(d.datdba), d.datconnlimit, "
                 "shobj_description(d.oid, 'pg_database'), "
                 "(SELECT array_to_string(setconfig, ' ; ') FROM pg_db_role_setting "
                 " WHERE setdatabase = d.oid AND setrole = 0), "
                 "(SELECT string_agg(x, ' / ' ORDER BY x) FROM (SELECT r.setrole::regrole::text "
                 "   || ': ' || array_to_string(r.setconfig, ' ; ') AS x FROM pg_db_role_setting "
                 "   r WHERE setdatabase = d.oid AND setrole <> 0) roles), "
                 "'acl ' || (SELECT string_agg(x, ',' ORDER BY x) FROM (SELECT CASE WHEN "
                 "   a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END || '=' || "
                 "   a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS x "
                 "   FROM aclexplode(d.datacl) a) acl), "
                 "'template ' || d.datistemplate) "
                 "FROM pg_database d WHERE datname = '" +
                     db + "'")
        .at(0);
}

/// A database with data and non-default properties; returns its property fingerprint.
std::string make_rich_database(const std::string& db) {
    query("postgres",
          "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shop_owner') THEN "
          "CREATE ROLE shop_owner; END IF; IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
          "rolname = 'shop_reader') THEN CREATE ROLE shop_reader; END IF; END$$");
    query("postgres", "CREATE DATABASE " + db +
                          " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
                          "OWNER shop_owner CONNECTION LIMIT 7");
    query("postgres", "COMMENT ON DATABASE " + db + " IS 'it''s the shop \\ db'");
    query("postgres", "ALTER DATABASE " + db + " SET search_path = app, \"$user\", public");
    query("postgres", "ALTER DATABASE " + db + " SET work_mem = '8MB'");
    query("postgres", "ALTER DATABASE " + db + " SET \"myapp.flag\" = 'it''s on'");
    query("postgres", "ALTER ROLE shop_reader IN DATABASE " + db + " SET statement_timeout = '5s'");
    query("postgres", "REVOKE CONNECT ON DATABASE " + db + " FROM PUBLIC");
    query("postgres", "GRANT CONNECT ON DATABASE " + db + " TO shop_reader");
    query("postgres", "GRANT CREATE ON DATABASE " + db + " TO shop_reader WITH GRANT OPTION");
    query("postgres", "ALTER DATABASE " + db + " IS_TEMPLATE true");
    query(db, "CREATE TABLE public.old_data AS SELECT generate_series(1, 5) AS n");
    return fingerprint(db);
}

/// "gone" once the database was recreated, else the row count of the old table.
std::string old_rows(const std::string& db) {
    if (query(db, "SELECT to_regclass('public.old_data') IS NULL").at(0) == "t")
        return "gone";
    return query(db, "SELECT count(*) FROM public.old_data").at(0);
}

TEST(Overwrite, RefusedWithoutATerminalAndWithoutForce) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    const std::string db = unique_db("keep");
    make_rich_database(db);
    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite"}));
    EXPECT_EQ(r.exit_code, 12) << r.err;
    EXPECT_NE(r.err.find("overwrite workflow failed: approval denied: --overwrite must be "
                         "confirmed at a terminal, and this is not one; pass --force to drop and "
                         "recreate \"" +
                         db + "\" from a script or CI job"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(old_rows(db), "5") << "the data is intact";
    // CI and PGMI_NON_INTERACTIVE=1 count as no terminal even at a real one.
    for (const auto& [k, v] :
         std::map<std::string, std::string>{{"CI", "true"}, {"PGMI_NON_INTERACTIVE", "1"}}) {
        auto pty = run_in_pty(deploy_args(project.path(), db, {"--overwrite"}), {{k, v}});
        EXPECT_EQ(pty.exit_code, 12) << k << "\n" << pty.output;
        EXPECT_NE(pty.output.find("must be confirmed at a terminal"), std::string::npos);
    }
    EXPECT_EQ(old_rows(db), "5");
}

TEST(Overwrite, ForceRecreatesWhileAnotherSessionIsConnectedKeepingProperties) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    const std::string db = unique_db("force");
    const std::string before = make_rich_database(db);
    EXPECT_EQ(before,
              "LATIN1 | C | C | shop_owner | 7 | it's the shop \\ db | search_path=app, "
              "\"$user\", public ; work_mem=8MB ; myapp.flag=it's on | shop_reader: "
              "statement_timeout=5s | acl PUBLIC=TEMPORARY,shop_owner=CONNECT,shop_owner=CREATE,"
              "shop_owner=TEMPORARY,shop_reader=CONNECT,shop_reader=CREATE* | template true");
    auto held = pg::Connection::open(server().conn_params(db));
    ASSERT_TRUE(held);
    ASSERT_TRUE(held->exec("BEGIN; CREATE TABLE public.in_flight(x int)"));

    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite", "--force", "--verbose"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("--force: dropping and recreating \"" + db + "\"\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Recreated database \"" + db + "\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Terminated 1 other session(s) on database \"" + db + "\""),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("DANGER"), std::string::npos) << "no banner without a terminal";
    EXPECT_EQ(fingerprint(db), before) << "encoding, locale, owner, limit, comment, settings";
    EXPECT_EQ(old_rows(db), "gone");
    EXPECT_EQ(query(db, "SELECT v FROM public.marker"), std::vector<std::string>{"deployed"});
    EXPECT_FALSE(held->exec("SELECT 1")) << "the other session was terminated";
}

TEST(Overwrite, MissingTargetIsCreatedWithoutApproval) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    const std::string db = unique_db("fresh");
    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Database \"" + db + "\" does not exist; creating"), std::string::npos);
    EXPECT_EQ(query(db, "SELECT v FROM public.marker"), std::vector<std::string>{"deployed"});
}

TEST(Overwrite, MaintenanceAndTemplateDatabasesAreRefusedBeforeConnecting) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    // Nothing listens on port 1: a refusal that needed the server would exit 11.
    const std::string nowhere = "postgresql://postgres@127.0.0.1:1/postgres";
    auto maint = run_pgmi({"deploy", project.path().string(), "--connection", nowhere, "-d",
                           "Postgres", "--overwrite", "--force"});
    EXPECT_EQ(maint.exit_code, 10) << maint.err;
    EXPECT_NE(maint.err.find("overwrite workflow failed: cannot overwrite maintenance database "
                             "\"Postgres\"\npgmi connects to it for CREATE/DROP DATABASE; pick a "
                             "different target with -d: invalid configuration"),
              std::string::npos)
        << maint.err;
    // postgres is protected even when another database is the maintenance one.
    auto pg = run_pgmi({"deploy", project.path().string(), "--connection",
                        "postgresql://postgres@127.0.0.1:1/template1", "-d", "postgres",
                        "--overwrite", "--force"});
    EXPECT_EQ(pg.exit_code, 10) << pg.err;
    EXPECT_NE(pg.err.find("refusing to drop and recreate \"postgres\""), std::string::npos)
        << pg.err;
    for (const char* tpl : {"template0", "TEMPLATE1"}) {
        auto t = run_pgmi({"deploy", project.path().string(), "--connection", nowhere, "-d", tpl,
                           "--overwrite", "--force"});
        EXPECT_EQ(t.exit_code, 10) << t.err;
        EXPECT_NE(t.err.find(std::string("cannot drop template database \"") + tpl +
                             "\" (template0/template1 are protected by PostgreSQL): invalid "
                             "configuration"),
                  std::string::npos)
            << t.err;
    }
}

TEST(Overwrite, TypedNameAtATerminal) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    const std::string db = unique_db("typed");
    const std::string before = make_rich_database(db);
    const std::string prompt = "Type the database name to confirm: ";

    auto wrong =
        run_in_pty(deploy_args(project.path(), db, {"--overwrite"}), {}, {{prompt, db + "x\n"}});
    EXPECT_EQ(wrong.exit_code, 12) << wrong.output;
    EXPECT_NE(wrong.output.find("WARNING: about to DROP and RECREATE database \"" + db +
                                "\". This deletes all data."),
              std::string::npos)
        << wrong.output;
    EXPECT_NE(wrong.output.find("\"" + db + "x\" does not match \"" + db + "\". Cancelled."),
              std::string::npos)
        << wrong.output;
    EXPECT_NE(wrong.output.find("overwrite workflow failed: approval denied"), std::string::npos);
    EXPECT_EQ(old_rows(db), "5");

    auto eof = run_in_pty(deploy_args(project.path(), db, {"--overwrite"}), {}, {{prompt, "\x04"}});
    EXPECT_EQ(eof.exit_code, 12) << eof.output;
    EXPECT_NE(eof.output.find("No input available. Use --force to bypass confirmation in "
                              "non-interactive mode."),
              std::string::npos)
        << eof.output;
    EXPECT_EQ(old_rows(db), "5");

    auto right =
        run_in_pty(deploy_args(project.path(), db, {"--overwrite"}), {}, {{prompt, db + "\n"}});
    EXPECT_EQ(right.exit_code, 0) << right.output;
    EXPECT_NE(right.output.find("Confirmed."), std::string::npos) << right.output;
    EXPECT_NE(right.output.find("Recreated database \"" + db + "\""), std::string::npos);
    EXPECT_EQ(old_rows(db), "gone");
    EXPECT_EQ(fingerprint(db), before);
}

TEST(Overwrite, ForceCountdownAtATerminal) {
    TempDir project;
    project.write("deploy.sql", kDeploySql);
    const std::string db = unique_db("countdown");
    make_rich_database(db);

    // Ctrl-C during the countdown aborts before anything is dropped.
    auto aborted = run_in_pty(deploy_args(project.path(), db, {"--overwrite", "--force"}), {},
                              {{" in 4s. Ctrl-C aborts.", "\x03"}});
    EXPECT_EQ(aborted.exit_code, 130) << aborted.output;
    EXPECT_EQ(old_rows(db), "5");

    const auto started = std::chrono::steady_clock::now();
    auto r = run_in_pty(deploy_args(project.path(), db, {"--overwrite", "--force"}), {});
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("will be PERMANENTLY DELETED"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ALL DATA WILL BE LOST"), std::string::npos);
    for (int n = 5; n >= 1; --n) {
        EXPECT_NE(r.output.find("\r--force: DROP DATABASE \"" + db + "\" in " + std::to_string(n) +
                                "s. Ctrl-C aborts."),
                  std::string::npos)
            << n;
    }
    EXPECT_NE(r.output.find("\r--force: DROP DATABASE \"" + db + "\" now."), std::string::npos);
    EXPECT_GE(took, std::chrono::seconds(5));
    EXPECT_EQ(old_rows(db), "gone");

    auto quiet = run_in_pty(deploy_args(project.path(), db, {"--overwrite", "--force"}),
                            {{"PGMI_NO_BANNER", "1"}});
    ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
    EXPECT_EQ(quiet.output.find("PERMANENTLY DELETED"), std::string::npos) << quiet.output;
    EXPECT_NE(quiet.output.find("in 1s. Ctrl-C aborts."), std::string::npos) << quiet.output;
}

/// Runs `sql` on `db` connected as `role` (trust authentication on the test server).
void as_role(const std::string& db, const std::string& role, const std::string& sql) {
    pg::ConnParams params = server().conn_params(db);
    for (auto& [k, v] : params) {
        if (k == "user")
            v = role;
    }
    auto c = pg::Connection::open(params);
    ASSERT_TRUE(c) << c.error().message;
    auto r = c->exec(sql);
    ASSERT_TRUE(r) << r.error().message;
}

bool is_superuser(const std::string& role) {
    return query("postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = '" + role + "'")
               .at(0) == "t";
}

// A login role (and a database owner) store values that would be SQL if spliced into the
// statements that --overwrite replays. Each must come back verbatim as data and run nothing.
TEST(Overwrite, HostileKeptPropertiesAreRestoredAsDataNotRunAsSql) {
    const std::string db = unique_db("inj");
    query("postgres",
          "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inj_low') THEN "
          "CREATE ROLE inj_low LOGIN; END IF; IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
          "rolname = 'inj_owner') THEN CREATE ROLE inj_owner LOGIN; END IF; END$$");
    const std::string evil_role = "\"evil\"\"; ALTER ROLE inj_low SUPERUSER; --\"";
    query("postgres", "DROP ROLE IF EXISTS " + evil_role);
    query("postgres", "CREATE ROLE " + evil_role);
    query("postgres", "CREATE DATABASE " + db + " OWNER inj_owner");
    ASSERT_FALSE(is_superuser("inj_low"));

    // The reported attack: a list-valued setting stored FROM CURRENT by the login role itself.
    const std::string hostile_path = "x;ALTER/**/ROLE/**/inj_low/**/SUPERUSER;SELECT/**/1";
    as_role(db, "inj_low",
            "SELECT set_config('search_path', '" + hostile_path +
                "', false); ALTER ROLE inj_low "
                "IN DATABASE " +
                db + " SET search_path FROM CURRENT");
    // The owner variant, on a list-valued setting, and in the comment it may write.
    as_role(db, "inj_owner",
            "SELECT set_config('search_path', 'a, b;ALTER/**/ROLE/**/inj_low/**/SUPERUSER;--', "
            "false); ALTER DATABASE " +
                db + " SET search_path FROM CURRENT; COMMENT ON DATABASE " + db +
                " IS E'x\\\\''); ALTER ROLE inj_low SUPERUSER; --'");
    // A scalar setting with quotes and backslashes (custom settings need a superuser to store),
    // and a role whose name is SQL, holding a privilege on the database.
    query("postgres", "ALTER DATABASE " + db +
                          " SET \"myapp.x\" = E'\\\\''; ALTER ROLE inj_low SUPERUSER; --'");
    query("postgres", "GRANT CONNECT ON DATABASE " + db + " TO " + evil_role);
    const std::string before = fingerprint(db);
    ASSERT_NE(before.find(hostile_path), std::string::npos) << before;
    ASSERT_NE(before.find(evil_role + "=CONNECT"), std::string::npos) << before;

    TempDir project;
    // The restored search_path holds no real schema, so the marker names its schema.
    project.write("deploy.sql", "CREATE TABLE public.marker AS SELECT 'deployed'::text AS v;\n");
    auto r = run_pgmi(deploy_args(project.path(), db, {"--overwrite", "--force", "--verbose"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(is_superuser("inj_low")) << "a stored value was executed as SQL";
    EXPECT_EQ(fingerprint(db), before) << "every hostile value comes back verbatim";
    EXPECT_EQ(query(db, "SELECT v FROM public.marker"), std::vector<std::string>{"deployed"});
}

}  // namespace
}  // namespace pgmi::test
