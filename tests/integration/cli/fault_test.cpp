// Faults during a deploy, each reproduced for real against this binary's server: pgmi killed with
// SIGKILL in the middle of the atomic head, a network path that stalls (a loopback relay stops
// forwarding what pgmi sends), and the server stopped fast and immediately mid-deploy. The time
// bounds are "it does not hang" limits with wide margins, not performance figures.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ephemeral/server.hpp"
#include "pg/connection.hpp"
#include "support/stall_proxy.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

/// How many backends of `db` (the asking one aside) match `where` on pg_stat_activity.
int backends(const std::string& db, const std::string& where = "true") {
    auto rows = query("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db +
                                      "' AND pid <> pg_backend_pid() AND (" + where + ")");
    return rows.empty() ? -1 : std::stoi(rows[0]);
}

/// Waits up to `limit` for `backends(db, where)` to become `want`; false when it did not.
bool wait_backends(const std::string& db, const std::string& where, int want,
                   seconds limit = seconds(30)) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
        if (backends(db, where) == want)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

bool table_exists(const std::string& db, const std::string& table) {
    return query(db, "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'") ==
           std::vector<std::string>{"1"};
}

bool database_exists(const std::string& db) {
    return query("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") ==
           std::vector<std::string>{"1"};
}

/// Kills pgmi with SIGKILL while the server sleeps inside the head, then waits for the backend
/// to end: nothing of the head may be committed.
void kill_mid_head_and_expect_nothing_committed(const TempDir& project, const std::string& table) {
    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(project.path(), db));
    ASSERT_TRUE(wait_backends(db, "wait_event = 'PgSleep'", 1, seconds(20)))
        << "the deploy never reached its pg_sleep";
    proc->signal(SIGKILL);
    EXPECT_EQ(proc->wait().exit_code, 128 + SIGKILL);
    // The backend still sleeps; it ends once it finds its client gone.
    ASSERT_TRUE(wait_backends(db, "true", 0)) << "pgmi's backend outlived it by 30 s";
    ASSERT_TRUE(database_exists(db));
    EXPECT_FALSE(table_exists(db, table)) << "a killed pgmi committed the head";
}

TEST(Fault, KilledMidHeadCommitsNothing) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCREATE TABLE t(x int);\nSELECT pg_sleep(3);\nCOMMIT;\n");
    kill_mid_head_and_expect_nothing_committed(dir, "t");
}

TEST(Fault, KilledMidImplicitHeadCommitsNothing) {
    // No BEGIN: the statements before COMMIT would form an implicit transaction that the server
    // commits when their message ends.
    TempDir dir;
    dir.write("deploy.sql",
              "CREATE TABLE implicit_t(x int);\nSELECT pg_sleep(3);\nCOMMIT;\nSELECT 1;\n");
    kill_mid_head_and_expect_nothing_committed(dir, "implicit_t");
}

TEST(Fault, KilledWhileTheHeadExecutesAFileCommitsNothing) {
    // The slow statement runs inside a project file that deploy.sql EXECUTEs, as the templates do.
    TempDir dir;
    dir.write("migrations/001_slow.sql", "CREATE TABLE from_file(x int);\nSELECT pg_sleep(3);\n");
    dir.write("deploy.sql",
              "BEGIN;\n"
              "DO $$\nDECLARE f record;\nBEGIN\n"
              "  FOR f IN SELECT content FROM pg_temp.pgmi_plan_view\n"
              "           WHERE path LIKE './migrations/%' ORDER BY execution_order LOOP\n"
              "    EXECUTE f.content;\n"
              "  END LOOP;\nEND $$;\n"
              "COMMIT;\n");
    kill_mid_head_and_expect_nothing_committed(dir, "from_file");
}

TEST(Fault, AHeadThatRunsToItsEndStillCommits) {
    // The other side of the tests above: the held-back COMMIT is sent, once, and the summary
    // counts the head as committed.
    TempDir dir;
    dir.write("migrations/001.sql", "CREATE TABLE from_file(x int);\n");
    dir.write("deploy.sql",
              "BEGIN;\nCREATE TABLE t(x int);\n"
              "DO $$ DECLARE f record; BEGIN FOR f IN SELECT content FROM pg_temp.pgmi_plan_view "
              "LOOP EXECUTE f.content; END LOOP; END $$;\nCOMMIT;\nCREATE TABLE tail(x int);\n");
    const std::string db = unique_db();
    auto r = run_pgmi(deploy_args(dir.path(), db, {"--json"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"unitsCommitted\": 2"), std::string::npos) << r.out;
    EXPECT_TRUE(table_exists(db, "t"));
    EXPECT_TRUE(table_exists(db, "from_file"));
    EXPECT_TRUE(table_exists(db, "tail"));
}

// ---- a stalled network path ---------------------------------------------------------------

/// A deploy through `proxy` whose head sleeps 2 s; the path stalls during the sleep, so the next
/// message (the head's COMMIT) never reaches the server.
struct StalledDeploy {
    std::unique_ptr<StallProxy> proxy = std::make_unique<StallProxy>(server().port());
    TempDir dir;
    std::string db = unique_db("stall");
    std::unique_ptr<Process> proc;
    Clock::time_point started;

    explicit StalledDeploy(const std::vector<std::string>& extra) {
        dir.write("deploy.sql",
                  "BEGIN;\nCREATE TABLE stalled(x int);\nSELECT pg_sleep(2);\nCOMMIT;\n");
        std::vector<std::string> args = {
            "deploy", dir.path().string(),  "-h", "127.0.0.1", "-p", std::to_string(proxy->port()),
            "-U",     server().superuser(), "-d", db};
        args.insert(args.end(), extra.begin(), extra.end());
        started = Clock::now();
        proc = spawn_pgmi(args, {.timeout_seconds = 120});
    }

    /// Stalls the path while the body sleeps, then waits until the server has answered it (the
    /// backend idle, waiting for pgmi) and pgmi has sent its COMMIT into the stall. Signalling
    /// earlier races pgmi's read of the body's result: it may then stop before the COMMIT.
    bool stall_after_sleep() {
        if (!wait_backends(db, "wait_event = 'PgSleep'", 1, seconds(20)))
            return false;
        proxy->stall();
        if (!wait_backends(db, "state LIKE 'idle%'", 1, seconds(20)))
            return false;
        const auto until = Clock::now() + seconds(20);
        while (proxy->held_bytes() == 0 && Clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return proxy->held_bytes() > 0;
    }
};

TEST(Fault, TimeoutOnAStalledPathExits16) {
    StalledDeploy d({"--timeout", "5s", "--json"});
    ASSERT_TRUE(d.stall_after_sleep());
    auto r = d.proc->wait();
    const auto took = Clock::now() - d.started;
    EXPECT_EQ(r.exit_code, 16) << r.err;
    // 5 s of --timeout, 5 s of grace for the cancel request, then pgmi closes the connection.
    EXPECT_LT(took, seconds(30)) << "pgmi kept waiting on a stalled path";
    EXPECT_NE(r.out.find("\"exitCode\": 16"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("pgmi: error: timeout: --timeout expired; the server did not answer the "
                         "cancel request within 5s, so pgmi closed the connection"),
              std::string::npos)
        << r.err;
    std::cerr << "[ info ] stalled deploy with --timeout 5s exited after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms; pgmi said\n"
              << r.err;
}

void expect_signal_ends_a_stalled_deploy(int sig, int want_exit, const std::string& want_error) {
    StalledDeploy d({});
    ASSERT_TRUE(d.stall_after_sleep());
    const auto signalled = Clock::now();
    d.proc->signal(sig);
    auto r = d.proc->wait();
    const auto took = Clock::now() - signalled;
    EXPECT_EQ(r.exit_code, want_exit) << r.err;
    EXPECT_LT(took, seconds(25)) << "pgmi kept waiting on a stalled path after the signal";
    EXPECT_NE(r.err.find("pgmi: interrupted, cancelling deployment..."), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("pgmi: error: " + want_error +
                         " the server did not answer the cancel request within 5s, so pgmi "
                         "closed the connection"),
              std::string::npos)
        << r.err;
    std::cerr << "[ info ] stalled deploy exited "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms after signal " << sig << "\n";
    // The server still holds the open transaction for the relay; once the relay lets go, it
    // rolls back: the COMMIT that never arrived commits nothing.
    d.proxy.reset();
    ASSERT_TRUE(wait_backends(d.db, "true", 0));
    EXPECT_FALSE(table_exists(d.db, "stalled"));
}

TEST(Fault, SigtermOnAStalledPathExits143) {
    expect_signal_ends_a_stalled_deploy(SIGTERM, 143, "terminated (SIGTERM):");
}

TEST(Fault, SigintOnAStalledPathExits130) {
    expect_signal_ends_a_stalled_deploy(SIGINT, 130, "interrupted (SIGINT):");
}

TEST(Fault, SignalDuringAHeadWhoseCancelIsLostStopsBeforeTheCommit) {
    // The path stalls while the body sleeps and SIGINT comes at once: the cancel request is
    // swallowed, so the body runs to its end and succeeds. pgmi must still not send the COMMIT.
    StalledDeploy d({"--json"});
    ASSERT_TRUE(wait_backends(d.db, "wait_event = 'PgSleep'", 1, seconds(20)));
    d.proxy->stall();
    d.proc->signal(SIGINT);
    auto r = d.proc->wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("pgmi: error: interrupted (SIGINT): pgmi stopped before sending the "
                         "head's COMMIT, so nothing of the head was committed"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("\"unitsCommitted\": 0"), std::string::npos) << r.out;
    d.proxy.reset();
    ASSERT_TRUE(wait_backends(d.db, "true", 0));
    EXPECT_FALSE(table_exists(d.db, "stalled"));
}

/// A deploy of `db` whose connect goes to `connection` (all through stalled proxies): SIGTERM once
/// `proxy` has accepted pgmi's first connection. Returns what pgmi said and how long after the
/// signal it exited.
std::pair<RunResult, Clock::duration> sigterm_while_connecting(const std::string& connection,
                                                               const std::string& db,
                                                               const StallProxy& proxy) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    auto proc = spawn_pgmi({"deploy", dir.path().string(), "--connection", connection, "-d", db},
                           {.timeout_seconds = 120});
    const auto until = Clock::now() + seconds(20);
    while (proxy.connections() == 0 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_GT(proxy.connections(), 0) << "pgmi never connected";
    const auto signalled = Clock::now();
    proc->signal(SIGTERM);
    auto r = proc->wait();
    const auto took = Clock::now() - signalled;
    std::cerr << "[ info ] stalled connect exited "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms after SIGTERM\n";
    return {r, took};
}

std::string via(const StallProxy& proxy) {
    return "127.0.0.1:" + std::to_string(proxy.port());
}

TEST(Fault, SigtermWhileConnectingThroughAStalledPathExits143) {
    // The path is dead before pgmi's first connection gets an answer: no connect_timeout is set
    // and no watchdog runs yet, so the connect itself must notice the signal.
    StallProxy proxy(server().port());
    proxy.stall();
    const std::string db = unique_db();
    auto [r, took] = sigterm_while_connecting(
        "postgresql://" + server().superuser() + "@" + via(proxy) + "/postgres", db, proxy);
    EXPECT_EQ(r.exit_code, 143) << r.err;
    // Well before the signal's 15 s backstop.
    EXPECT_LT(took, seconds(10)) << "pgmi kept connecting through a stalled path after SIGTERM";
    EXPECT_NE(r.err.find("pgmi: error: terminated (SIGTERM): pgmi stopped while connecting to "
                         "database \"" +
                         db + "\""),
              std::string::npos)
        << r.err;
}

TEST(Fault, SigtermWhileConnectingToSeveralStalledHostsEndsAtTheBackstop) {
    // Several hosts: libpq's own blocking loop tries them in turn and cannot be interrupted, so
    // the backstop armed by the first signal is what ends the wait.
    StallProxy first(server().port());
    StallProxy second(server().port());
    first.stall();
    second.stall();
    auto [r, took] = sigterm_while_connecting(
        "postgresql://" + server().superuser() + "@" + via(first) + "," + via(second) + "/postgres",
        unique_db(), first);
    EXPECT_EQ(r.exit_code, 143) << r.err;
    EXPECT_LT(took, seconds(40)) << "the backstop did not end the wait";
    EXPECT_NE(r.err.find("did not stop within 15s of the signal"), std::string::npos) << r.err;
}

TEST(Fault, VerboseShowsTheTcpLivenessSettings) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    const std::string db = unique_db();
    auto r = run_pgmi({"deploy", dir.path().string(), "--connection",
                       "postgresql://" + server().superuser() + "@127.0.0.1:" +
                           std::to_string(server().port()) + "/postgres?keepalives_idle=7",
                       "-d", db, "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("  TCP Liveness: keepalives=1 (pgmi default), keepalives_idle=7 "
                         "(connection string (--connection)), keepalives_interval=10 (pgmi "
                         "default), keepalives_count=3 (pgmi default), tcp_user_timeout=60000 "
                         "(pgmi default)\n"),
              std::string::npos)
        << r.err;
}

// ---- after a kill -9: the next deploy ---------------------------------------------------------

/// The pid of the one backend of `db` (on `datname`) matching `where`, or "" when there is none.
std::string backend_pid(const std::string& datname, const std::string& where) {
    auto rows = query("postgres", "SELECT pid FROM pg_stat_activity WHERE datname = '" + datname +
                                      "' AND pid <> pg_backend_pid() AND (" + where + ")");
    return rows.size() == 1 ? rows[0] : "";
}

TEST(Fault, AfterAKillTheNextDeployWaitsOnlyForTheOldBackend) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nSELECT pg_sleep(5);\nCOMMIT;\n");
    const std::string db = unique_db();
    auto proc = spawn_pgmi(deploy_args(dir.path(), db));
    ASSERT_TRUE(wait_backends(db, "wait_event = 'PgSleep'", 1, seconds(20)));
    const std::string old = backend_pid(db, "wait_event = 'PgSleep'");
    proc->signal(SIGKILL);
    proc->wait();

    // The orphaned backend still holds the deploy lock: refused, and named.
    TempDir next;
    next.write("deploy.sql", "CREATE TABLE next_deploy(x int);\n");
    auto blocked = run_pgmi(deploy_args(next.path(), db));
    EXPECT_EQ(blocked.exit_code, 15) << blocked.err;
    EXPECT_NE(blocked.err.find("held by pid " + old + " (application \"pgmi\""), std::string::npos)
        << blocked.err;

    // Once the server has noticed the lost client (after its sleep), nothing is in the way.
    ASSERT_TRUE(wait_backends(db, "true", 0));
    auto r = run_pgmi(deploy_args(next.path(), db));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(table_exists(db, "next_deploy"));
}

/// Holds CREATE DATABASE: it needs a SHARE lock on its template, which a pending COMMENT ON
/// DATABASE template1 (SHARE UPDATE EXCLUSIVE) blocks until the holder ends its transaction.
struct TemplateHeld {
    Result<pg::Connection> holder = pg::Connection::open(server().conn_params("postgres"));
    bool held() {
        return holder && holder->exec("BEGIN") &&
               holder->exec("COMMENT ON DATABASE template1 IS 'held by a pgmi test'");
    }
    bool release() { return holder && holder->exec("ROLLBACK"); }
};

const std::string kCreateWaits = "wait_event_type = 'Lock' AND query LIKE 'CREATE DATABASE%'";

/// A deployed database whose `--overwrite --force` is under way, held at CREATE DATABASE: the
/// drop has happened.
struct OverwriteHeldAtCreate {
    TempDir dir;
    std::string db = unique_db();
    std::vector<std::string> overwrite = {"--overwrite", "--force"};
    TemplateHeld lock;
    std::unique_ptr<Process> proc;

    /// False when a step did not happen: the first deploy, the lock, or pgmi reaching the create.
    bool start() {
        dir.write("deploy.sql", "CREATE TABLE marker(x int);\n");
        if (run_pgmi(deploy_args(dir.path(), db)).exit_code != 0 || !lock.held())
            return false;
        proc = spawn_pgmi(deploy_args(dir.path(), db, overwrite), {.timeout_seconds = 60});
        return wait_backends("postgres", kCreateWaits, 1, seconds(20));
    }
};

TEST(Fault, KilledBetweenDropAndCreateTheNextOverwriteRecovers) {
    OverwriteHeldAtCreate o;
    ASSERT_TRUE(o.start()) << "pgmi never reached CREATE DATABASE";
    const std::string orphan = backend_pid("postgres", kCreateWaits);
    o.proc->signal(SIGKILL);
    o.proc->wait();
    ASSERT_FALSE(database_exists(o.db)) << "the drop should have happened";

    // While the orphaned backend lives it holds the lifecycle lock: refused, and named.
    auto blocked = run_pgmi(deploy_args(o.dir.path(), o.db, o.overwrite));
    EXPECT_EQ(blocked.exit_code, 15) << blocked.err;
    EXPECT_NE(blocked.err.find("held by pid " + orphan), std::string::npos) << blocked.err;

    // The orphan ends without creating anything (as when the server notices the lost client
    // before the create runs); the database is simply missing, and the next run recovers.
    EXPECT_EQ(query("postgres", "SELECT pg_terminate_backend(" + orphan + ")"),
              std::vector<std::string>{"t"});
    ASSERT_TRUE(wait_backends("postgres", "pid = " + orphan, 0));
    ASSERT_TRUE(o.lock.release());
    ASSERT_FALSE(database_exists(o.db));
    auto r = run_pgmi(deploy_args(o.dir.path(), o.db, o.overwrite));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(table_exists(o.db, "marker"));
}

TEST(Fault, KilledBetweenDropAndCreateWhileTheOrphanStillCreatesTheNextOverwriteRecovers) {
    // The other way the orphan can end: the server runs the CREATE DATABASE it already received
    // to its end (the client is found gone only when the answer is sent). The database comes
    // back empty, without the project; the next --overwrite replaces it and nothing is stuck.
    OverwriteHeldAtCreate o;
    ASSERT_TRUE(o.start()) << "pgmi never reached CREATE DATABASE";
    const std::string orphan = backend_pid("postgres", kCreateWaits);
    o.proc->signal(SIGKILL);
    EXPECT_EQ(o.proc->wait().exit_code, 128 + SIGKILL);
    ASSERT_FALSE(database_exists(o.db)) << "the drop should have happened";

    // Let the orphan's CREATE DATABASE through; it ends once it finds its client gone.
    ASSERT_TRUE(o.lock.release());
    ASSERT_TRUE(wait_backends("postgres", "pid = " + orphan, 0));
    ASSERT_TRUE(database_exists(o.db)) << "the orphan's CREATE DATABASE should have run";
    EXPECT_FALSE(table_exists(o.db, "marker")) << "the orphan never deployed anything";

    auto r = run_pgmi(deploy_args(o.dir.path(), o.db, o.overwrite));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(table_exists(o.db, "marker"));
}

// ---- a stop while the maintenance connection waits ---------------------------------------------

TEST(Fault, TimeoutWhileCreatingAMissingDatabaseExits16) {
    TempDir dir;
    dir.write("deploy.sql", "CREATE TABLE marker(x int);\n");
    const std::string db = unique_db();
    TemplateHeld lock;
    ASSERT_TRUE(lock.held());
    const auto started = Clock::now();
    auto r = spawn_pgmi(deploy_args(dir.path(), db, {"--timeout", "2s"}), {.timeout_seconds = 60})
                 ->wait();
    const auto took = Clock::now() - started;
    ASSERT_TRUE(lock.release());
    EXPECT_EQ(r.exit_code, 16) << r.err;
    EXPECT_LT(took, seconds(20)) << "CREATE DATABASE outlived --timeout";
    EXPECT_NE(r.err.find("pgmi: error: timeout: --timeout expired; the running statement was "
                         "cancelled"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(wait_backends("postgres", kCreateWaits, 0));
    EXPECT_FALSE(database_exists(db));
}

TEST(Fault, SigtermWhileRecreatingExits143AndTheNextOverwriteRecovers) {
    OverwriteHeldAtCreate o;
    ASSERT_TRUE(o.start()) << "pgmi never reached CREATE DATABASE";
    const auto signalled = Clock::now();
    o.proc->signal(SIGTERM);
    auto r = o.proc->wait();
    const auto took = Clock::now() - signalled;
    EXPECT_EQ(r.exit_code, 143) << r.err;
    // Well before the signal's 15 s backstop: the cancel ended the wait.
    EXPECT_LT(took, seconds(10)) << r.err;
    EXPECT_NE(r.err.find("pgmi: error: terminated (SIGTERM): the running statement was cancelled"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(wait_backends("postgres", kCreateWaits, 0));
    ASSERT_TRUE(o.lock.release());
    EXPECT_FALSE(database_exists(o.db)) << "the drop had happened; the create was cancelled";
    auto next = run_pgmi(deploy_args(o.dir.path(), o.db, o.overwrite));
    EXPECT_EQ(next.exit_code, 0) << next.err;
    EXPECT_TRUE(table_exists(o.db, "marker"));
}

// ---- the server goes away -----------------------------------------------------------------

/// Stops this binary's server with `pg_ctl stop -m <mode>` (as its own user when we are root).
void pg_ctl_stop(const std::string& mode) {
    auto bindir = ephemeral::find_bindir();
    ASSERT_TRUE(bindir) << bindir.error().message;
    std::vector<std::string> argv = {(*bindir / "pg_ctl").string(),
                                     "stop",
                                     "-D",
                                     server().data_dir().string(),
                                     "-m",
                                     mode,
                                     "-w"};
    if (::geteuid() == 0)
        argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    auto r = run_program(argv, {.clear_pg_env = false, .timeout_seconds = 60});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

void expect_server_stop_ends_the_deploy(const std::string& mode) {
    TempDir dir;
    dir.write("deploy.sql", "BEGIN;\nCREATE TABLE gone(x int);\nSELECT pg_sleep(60);\nCOMMIT;\n");
    const std::string db = unique_db(mode);
    auto proc = spawn_pgmi(deploy_args(dir.path(), db, {"--json"}), {.timeout_seconds = 60});
    ASSERT_TRUE(wait_backends(db, "wait_event = 'PgSleep'", 1, seconds(20)));
    const auto stopped = Clock::now();
    pg_ctl_stop(mode);
    auto r = proc->wait();
    const auto took = Clock::now() - stopped;
    Status restarted = server().restart();
    ASSERT_TRUE(restarted) << restarted.error().message;
    EXPECT_TRUE(r.exit_code == 13 || r.exit_code == 11) << r.exit_code << "\n" << r.err;
    EXPECT_LT(took, seconds(30));
    EXPECT_NE(r.err.find("pgmi lost its connection to the server"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("\"unitsCommitted\": 0"), std::string::npos) << r.out;
    std::cerr << "[ info ] pg_ctl stop -m " << mode << ": pgmi said\n" << r.err << "\n";
    EXPECT_FALSE(table_exists(db, "gone"));
}

TEST(Fault, ServerFastShutdownMidDeployFails) {
    expect_server_stop_ends_the_deploy("fast");
}

TEST(Fault, ServerImmediateShutdownMidDeployFails) {
    expect_server_stop_ends_the_deploy("immediate");
}

}  // namespace
}  // namespace pgmi::test
