// The ephemeral server: lifecycle, reachability, reload/restart, and cleanup when the owning
// process is signalled. Each case starts its own servers (the shared test server is not used).
#include "ephemeral/server.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace pgmi::ephemeral {
namespace {

namespace fs = std::filesystem;

Server start_or_die(const Options& options = {}) {
    auto s = Server::start(options);
    if (!s) {
        ADD_FAILURE() << "Server::start: " << s.error().message;
        std::abort();
    }
    return std::move(s).value();
}

// The postmaster's pid, from the first line of postmaster.pid.
pid_t postmaster_pid(const Server& server) {
    std::ifstream in(server.data_dir() / "postmaster.pid");
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
}

bool process_exists(pid_t pid) {
    return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH);
}

std::string select_one(const pg::ConnParams& params, const std::string& sql) {
    auto conn = pg::Connection::open(params);
    if (!conn)
        return "connect failed: " + conn.error().message;
    auto res = conn->exec(sql);
    if (!res)
        return "query failed: " + res.error().message;
    return std::string(res->value(0, 0));
}

pg::ConnParams tcp_params(const Server& s) {
    return {{"host", "127.0.0.1"},
            {"port", std::to_string(s.port())},
            {"user", s.superuser()},
            {"dbname", "postgres"},
            {"sslmode", "disable"}};
}

TEST(FindBindir, HasServerBinaries) {
    auto dir = find_bindir();
    ASSERT_TRUE(dir) << dir.error().message;
    EXPECT_EQ(::access((*dir / "initdb").c_str(), X_OK), 0);
    EXPECT_EQ(::access((*dir / "postgres").c_str(), X_OK), 0);
}

TEST(Server, StartStopRemovesDirectory) {
    fs::path root;
    pid_t pm = 0;
    {
        Server s = start_or_die();
        root = s.socket_dir();
        EXPECT_TRUE(fs::is_directory(s.data_dir()));
        EXPECT_EQ(s.data_dir().parent_path(), root);
        EXPECT_GT(s.port(), 0);
        EXPECT_EQ(s.superuser(), "postgres");
        pm = postmaster_pid(s);
        EXPECT_TRUE(process_exists(pm));
        EXPECT_EQ(select_one(s.conn_params(), "SELECT current_user || ' ' || 6*7"), "postgres 42");
        // Settings from the server's own config.
        EXPECT_EQ(select_one(s.conn_params(), "SHOW fsync"), "off");
        EXPECT_EQ(select_one(s.conn_params(), "SHOW server_encoding"), "UTF8");
        if (::geteuid() == 0) {
            struct stat st {};
            ASSERT_EQ(::stat(root.c_str(), &st), 0);
            EXPECT_NE(st.st_uid, 0u) << "the directory belongs to the server user";
            EXPECT_EQ(st.st_mode & 0777, 0700u);
        }
    }
    EXPECT_FALSE(fs::exists(root)) << root;
    EXPECT_FALSE(process_exists(pm));
}

TEST(Server, TwoServersAtOnce) {
    Server a = start_or_die();
    Server b = start_or_die();
    EXPECT_NE(a.port(), b.port());
    EXPECT_NE(a.data_dir(), b.data_dir());
    auto ca = pg::Connection::open(a.conn_params());
    ASSERT_TRUE(ca) << ca.error().message;
    ASSERT_TRUE(ca->exec("CREATE DATABASE only_in_a"));
    EXPECT_EQ(select_one(a.conn_params(),
                         "SELECT count(*) FROM pg_database WHERE datname = "
                         "'only_in_a'"),
              "1");
    EXPECT_EQ(select_one(b.conn_params(),
                         "SELECT count(*) FROM pg_database WHERE datname = "
                         "'only_in_a'"),
              "0");
    EXPECT_EQ(select_one(a.conn_params("only_in_a"), "SELECT current_database()"), "only_in_a");
}

TEST(Server, TcpSocketAndUriReachable) {
    Server s = start_or_die();
    EXPECT_EQ(select_one(tcp_params(s), "SELECT inet_server_addr()::text"), "127.0.0.1/32");
    EXPECT_EQ(select_one(s.conn_params(), "SELECT coalesce(inet_server_addr()::text, 'socket')"),
              "socket");
    std::string uri = s.uri("template1");
    EXPECT_EQ(uri.rfind("postgresql://postgres@%2F", 0), 0u) << uri;
    EXPECT_NE(uri.find(":" + std::to_string(s.port()) + "/template1"), std::string::npos) << uri;
    EXPECT_EQ(uri.find('/', std::string("postgresql://").size()), uri.find("/template1"))
        << "the socket path is percent-encoded: " << uri;
    PGconn* raw = PQconnectdb(uri.c_str());
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(PQstatus(raw), CONNECTION_OK) << PQerrorMessage(raw);
    EXPECT_STREQ(PQdb(raw), "template1");
    PQfinish(raw);
}

TEST(Server, SocketOnlyWhenTcpDisabled) {
    Options o;
    o.tcp = false;
    Server s = start_or_die(o);
    EXPECT_EQ(select_one(s.conn_params(), "SELECT 1"), "1");
    auto conn = pg::Connection::open(tcp_params(s));
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_NE(conn.error().message.find("refused"), std::string::npos) << conn.error().message;
}

TEST(Server, ExtraSettingsAndSuperuser) {
    Options o;
    o.settings = {"work_mem = '12MB'", "application_name = 'from_conf'"};
    o.superuser = "boss";
    Server s = start_or_die(o);
    EXPECT_EQ(s.superuser(), "boss");
    EXPECT_EQ(select_one(s.conn_params(), "SHOW work_mem"), "12MB");
    EXPECT_EQ(select_one(s.conn_params(), "SELECT current_user"), "boss");
    EXPECT_EQ(select_one(s.conn_params(),
                         "SELECT rolsuper::text FROM pg_roles WHERE rolname = "
                         "current_user"),
              "true");
}

TEST(Server, ReloadWithHbaAndSettings) {
    Server s = start_or_die();
    // Reject TCP; the socket stays trusted.
    ASSERT_TRUE(s.reload_with("local all all trust\nhost all all 127.0.0.1/32 reject\n",
                              {"work_mem = '7MB'"}));
    auto rejected = pg::Connection::open(tcp_params(s));
    ASSERT_FALSE(rejected);
    EXPECT_EQ(rejected.error().kind, ErrorKind::Connection);
    ASSERT_TRUE(rejected.error().server.has_value()) << rejected.error().message;
    EXPECT_EQ(rejected.error().server->sqlstate, "28000");
    EXPECT_NE(rejected.error().message.find("pg_hba.conf rejects connection"), std::string::npos)
        << rejected.error().message;
    EXPECT_EQ(select_one(s.conn_params(), "SHOW work_mem"), "7MB");

    ASSERT_TRUE(s.reload_with(""));  // back to the defaults
    EXPECT_EQ(select_one(tcp_params(s), "SELECT 1"), "1");

    auto invalid = s.reload_with("local all all no_such_method\n");
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.error().kind, ErrorKind::Config);
    EXPECT_NE(invalid.error().message.find("pg_hba.conf line 1"), std::string::npos)
        << invalid.error().message;
}

TEST(Server, StopAndRestartKeepDataAndPort) {
    Server s = start_or_die();
    int port = s.port();
    ASSERT_EQ(select_one(s.conn_params(),
                         "CREATE TABLE kept(x int); INSERT INTO kept VALUES (5); "
                         "SELECT 'ok'"),
              "ok");
    s.stop();
    s.stop();  // idempotent
    auto down = pg::Connection::open(s.conn_params());
    EXPECT_FALSE(down);
    ASSERT_TRUE(s.restart());
    EXPECT_EQ(s.port(), port);
    EXPECT_EQ(select_one(s.conn_params(), "SELECT x FROM kept"), "5");
    ASSERT_TRUE(s.restart());  // restart while running
    EXPECT_EQ(select_one(tcp_params(s), "SELECT x FROM kept"), "5");
}

TEST(Server, WriteFileOwnedByServerUser) {
    Server s = start_or_die();
    auto p = s.write_file("conf.d/extra.txt", "hello\n", 0640);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(*p, s.data_dir() / "conf.d/extra.txt");
    EXPECT_EQ(select_one(s.conn_params(), "SELECT pg_read_file('conf.d/extra.txt')"), "hello\n");
    struct stat st {};
    ASSERT_EQ(::stat(p->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(Server, MoveKeepsServerRunning) {
    Server a = start_or_die();
    fs::path root = a.socket_dir();
    Server b = std::move(a);
    EXPECT_EQ(select_one(b.conn_params(), "SELECT 1"), "1");
    Server c = start_or_die();
    fs::path other = c.socket_dir();
    c = std::move(b);  // the server c had is stopped and removed
    EXPECT_FALSE(fs::exists(other));
    EXPECT_TRUE(fs::exists(root));
    EXPECT_EQ(select_one(c.conn_params(), "SELECT 1"), "1");
}

// ---- the owning process is signalled -----------------------------------------------------

// Runs this binary again as a child that starts a server, prints "<dir> <postmaster pid>" and
// waits to be killed. Returns the child's pid and what it printed.
struct Child {
    pid_t pid = -1;
    std::string dir;
    pid_t postmaster = 0;
};

Child spawn_owner() {
    Child c;
    int out[2];
    if (::pipe(out) != 0)
        return c;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        ::close(out[1]);
        ::setenv("PGMI_EPHEMERAL_OWNER_CHILD", "1", 1);
        // A shell's background job ignores SIGINT; the child must start from the defaults.
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        const char* argv[] = {"/proc/self/exe", "--gtest_filter=OwnerChild.*", nullptr};
        ::execv(argv[0], const_cast<char**>(argv));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while (text.find("READY ") == std::string::npos || text.back() != '\n') {
        n = ::read(out[0], buf, sizeof buf);
        if (n <= 0)
            break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    c.pid = pid;
    size_t at = text.find("READY ");
    if (at != std::string::npos) {
        std::string rest = text.substr(at + 6);
        size_t sp = rest.find(' ');
        c.dir = rest.substr(0, sp);
        c.postmaster = static_cast<pid_t>(std::atol(rest.substr(sp + 1).c_str()));
    }
    return c;
}

// waitpid with a deadline; kills the child (and fails) when it does not end in time.
bool wait_child(pid_t pid, int& status, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 || std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool wait_gone(pid_t pid, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_exists(pid)) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

TEST(OwnerChild, StartsServerAndWaits) {
    if (std::getenv("PGMI_EPHEMERAL_OWNER_CHILD") == nullptr)
        GTEST_SKIP() << "helper";
    Server s = start_or_die();
    std::printf("READY %s %d\n", s.socket_dir().c_str(), static_cast<int>(postmaster_pid(s)));
    std::fflush(stdout);
    for (;;)
        ::pause();
}

void expect_signal_cleans_up(int sig) {
    Child c = spawn_owner();
    ASSERT_GT(c.pid, 0);
    ASSERT_FALSE(c.dir.empty()) << "child did not report its server";
    ASSERT_TRUE(fs::is_directory(c.dir));
    ASSERT_TRUE(process_exists(c.postmaster));
    ASSERT_EQ(::kill(c.pid, sig), 0);
    int status = 0;
    ASSERT_TRUE(wait_child(c.pid, status, std::chrono::seconds(60))) << "child ignored the signal";
    EXPECT_TRUE(WIFSIGNALED(status)) << "status " << status;
    if (WIFSIGNALED(status)) {
        EXPECT_EQ(WTERMSIG(status), sig);
    }
    EXPECT_FALSE(process_exists(c.postmaster)) << "postmaster " << c.postmaster << " survived";
    EXPECT_FALSE(fs::exists(c.dir)) << c.dir;
}

TEST(Server, SigtermToOwnerStopsServerAndRemovesDirectory) {
    expect_signal_cleans_up(SIGTERM);
}

TEST(Server, SigintToOwnerStopsServerAndRemovesDirectory) {
    expect_signal_cleans_up(SIGINT);
}

TEST(Server, SigkillToOwnerStillStopsPostgres) {
    Child c = spawn_owner();
    ASSERT_GT(c.pid, 0);
    ASSERT_TRUE(process_exists(c.postmaster));
    ASSERT_EQ(::kill(c.pid, SIGKILL), 0);
    int status = 0;
    ASSERT_TRUE(wait_child(c.pid, status, std::chrono::seconds(60)));
    // PR_SET_PDEATHSIG: the orphaned postmaster shuts down by itself. Only the directory stays.
    EXPECT_TRUE(wait_gone(c.postmaster, std::chrono::seconds(15)));
    std::error_code ec;
    fs::remove_all(c.dir, ec);
}

volatile sig_atomic_t g_app_handler_calls = 0;
void app_handler(int) {
    g_app_handler_calls = g_app_handler_calls + 1;
}

TEST(Server, ProgramHandlerIsChainedAndIgnoredSignalStaysIgnored) {
    struct sigaction app {
    }, ign{}, old_term{}, old_int{};
    app.sa_handler = &app_handler;
    sigemptyset(&app.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ASSERT_EQ(::sigaction(SIGTERM, &app, &old_term), 0);
    ASSERT_EQ(::sigaction(SIGINT, &ign, &old_int), 0);
    {
        Server s = start_or_die();
        struct sigaction cur {};
        ASSERT_EQ(::sigaction(SIGINT, nullptr, &cur), 0);
        EXPECT_EQ(cur.sa_handler, SIG_IGN);
        g_app_handler_calls = 0;
        ASSERT_EQ(::raise(SIGTERM), 0);  // the program's handler runs; the server is untouched
        EXPECT_EQ(g_app_handler_calls, 1);
        ::raise(SIGINT);  // ignored
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_EQ(select_one(s.conn_params(), "SELECT 1"), "1");
    }
    struct sigaction after {};
    ASSERT_EQ(::sigaction(SIGTERM, nullptr, &after), 0);
    EXPECT_EQ(after.sa_handler, &app_handler) << "the program's handler is restored";
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::sigaction(SIGINT, &old_int, nullptr);
}

TEST(Server, HandlersOnlyWhileServersExist) {
    struct sigaction before {};
    ASSERT_EQ(::sigaction(SIGTERM, nullptr, &before), 0);
    ASSERT_EQ(before.sa_handler, SIG_DFL);
    {
        Server s = start_or_die();
        struct sigaction during {};
        ASSERT_EQ(::sigaction(SIGTERM, nullptr, &during), 0);
        EXPECT_NE(during.sa_flags & SA_SIGINFO, 0);
    }
    struct sigaction after {};
    ASSERT_EQ(::sigaction(SIGTERM, nullptr, &after), 0);
    EXPECT_EQ(after.sa_flags & SA_SIGINFO, 0);
    EXPECT_EQ(after.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace pgmi::ephemeral
