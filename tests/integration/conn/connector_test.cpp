// The standard connector against a real server: the compatibility query and its refusals
// (not PostgreSQL, too old, a missing function), the retry policy (a server that comes up late is
// reached; authentication failures, missing databases and bad passwords are tried once; nothing
// listening is tried three times), and secrets staying out of every message.
#include "conn/connector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "conn/resolver.hpp"
#include "support/support.hpp"

namespace pgmi::conn {
namespace {

constexpr const char* kRightPassword = "Right-Pw-4417";
constexpr const char* kWrongPassword = "Wrong-Pw-9923";

void setup_once() {
    static bool done = [] {
        test::query("postgres",
                    std::string("CREATE ROLE pwuser LOGIN PASSWORD '") + kRightPassword + "'");
        Status s = test::server().reload_with(
            "local all all trust\n"
            "host all pwuser 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n",
            {"log_connections = on"});
        EXPECT_TRUE(s) << s.error().message;
        return true;
    }();
    (void)done;
}

struct Lines {
    std::vector<std::string> lines;
    std::string joined() const {
        std::string out;
        for (const auto& l : lines)
            out += l + "\n";
        return out;
    }
    size_t count(const std::string& needle) const {
        size_t n = 0;
        for (const auto& l : lines)
            n += l.find(needle) != std::string::npos ? 1 : 0;
        return n;
    }
};

ConnectionConfig socket_config() {
    ConnectionConfig c;
    c.host = test::server().socket_dir().string();
    c.port = test::server().port();
    c.username = "postgres";
    return c;
}

Result<pg::Connection> connect(const ConnectionConfig& c, const std::string& db, Lines& log) {
    auto connector =
        make_connector(c, {.verbose = [&log](std::string_view l) { log.lines.emplace_back(l); }});
    EXPECT_TRUE(connector);
    return (*connector)->connect(db, Deadline::after(std::chrono::seconds(60)));
}

std::string server_log() {
    std::ifstream in(test::server().socket_dir() / "server.log");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

size_t occurrences(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

TEST(Compatibility, EveryConnectionRunsTheSevenColumnQuery) {
    setup_once();
    Lines log;
    auto conn = connect(socket_config(), "postgres", log);
    ASSERT_TRUE(conn) << conn.error().message;
    ASSERT_EQ(log.lines.size(), 1u) << log.joined();
    const std::string& l = log.lines[0];
    EXPECT_EQ(l.rfind("Connected: PostgreSQL 15.", 0), 0u) << l;
    EXPECT_NE(l.find("; database \"postgres\" as \"postgres\", backend pid " +
                     std::to_string(conn->backend_pid()) + ", server Unix socket, "),
              std::string::npos)
        << l;
    EXPECT_NE(l.find("server_version_num 15"), std::string::npos) << l;

    ConnectionConfig tcp = socket_config();
    tcp.host = "127.0.0.1";
    Lines tcp_log;
    ASSERT_TRUE(connect(tcp, "postgres", tcp_log));
    EXPECT_NE(tcp_log.joined().find("server 127.0.0.1:" + std::to_string(test::server().port())),
              std::string::npos)
        << tcp_log.joined();

    pg::Connection probe = std::move(conn).value();
    auto id = check_compatibility(probe, "here");
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(id->database, "postgres");
    EXPECT_EQ(id->user, "postgres");
    EXPECT_EQ(id->backend_pid, probe.backend_pid());
    EXPECT_EQ(id->version_num, probe.server_version());
}

/// A database whose search_path puts `fake` before pg_catalog, so the compatibility query's
/// unqualified version()/current_setting()/pg_backend_pid() can be made to answer like another
/// product, an old server, or a server missing a function.
std::string impostor(const std::string& suffix, const std::string& functions) {
    const std::string db = test::unique_db(suffix);
    test::query("postgres", "CREATE DATABASE " + db);
    test::query(db, "CREATE SCHEMA fake; " + functions + "; ALTER DATABASE " + db +
                        " SET search_path = fake, pg_catalog");
    return db;
}

TEST(Compatibility, RefusesWhatIsNotPostgreSQL) {
    setup_once();
    const std::string crdb =
        impostor("crdb",
                 "CREATE FUNCTION fake.version() RETURNS text LANGUAGE sql AS "
                 "$$SELECT 'CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu)'$$");
    Lines log;
    auto r = connect(socket_config(), crdb, log);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message.rfind("invalid configuration: the server at ", 0), 0u);
    EXPECT_NE(r.error().message.find(" is not PostgreSQL: version() reports \"CockroachDB CCL "
                                     "v23.1.11 (x86_64-pc-linux-gnu)\"\npgmi needs PostgreSQL 11"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(log.count("attempt"), 0u) << "a wrong product is not retried";

    const std::string yb =
        impostor("yb",
                 "CREATE FUNCTION fake.version() RETURNS text LANGUAGE sql AS "
                 "$$SELECT 'PostgreSQL 11.2-YB-2.18.0.0-b0 on x86_64-pc-linux-gnu'$$");
    auto y = connect(socket_config(), yb, log);
    ASSERT_FALSE(y);
    EXPECT_NE(y.error().message.find("is not PostgreSQL"), std::string::npos);

    const std::string missing =
        impostor("nofn",
                 "CREATE FUNCTION fake.pg_backend_pid() RETURNS int LANGUAGE plpgsql AS "
                 "$$BEGIN RAISE EXCEPTION 'function pg_backend_pid() does not exist' USING "
                 "ERRCODE = '42883'; END$$");
    auto m = connect(socket_config(), missing, log);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().kind, ErrorKind::Config);
    EXPECT_NE(m.error().message.find("failed pgmi's PostgreSQL compatibility query: ERROR: "
                                     "function pg_backend_pid() does not exist (SQLSTATE 42883)"),
              std::string::npos)
        << m.error().message;
}

TEST(Compatibility, RefusesServersOlderThan11) {
    setup_once();
    const std::string old =
        impostor("old",
                 "CREATE FUNCTION fake.version() RETURNS text LANGUAGE sql AS "
                 "$$SELECT 'PostgreSQL 10.23 on x86_64-pc-linux-gnu, compiled by gcc'$$; "
                 "CREATE FUNCTION fake.current_setting(text) RETURNS text LANGUAGE sql AS "
                 "$$SELECT '100023'$$");
    Lines log;
    auto r = connect(socket_config(), old, log);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "invalid configuration: this server reports PostgreSQL 10.23, and pgmi requires 11 "
              "or newer");
}

TEST(Retry, AServerThatComesUpLateIsReachedOnALaterAttempt) {
    setup_once();
    test::server().stop();
    std::atomic<bool> restarted{false};
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        Status s = test::server().restart();
        EXPECT_TRUE(s) << s.error().message;
        restarted = true;
    });
    Lines log;
    const auto started = std::chrono::steady_clock::now();
    auto conn = connect(socket_config(), "postgres", log);
    const auto took = std::chrono::steady_clock::now() - started;
    later.join();
    ASSERT_TRUE(conn) << conn.error().message << "\n" << log.joined();
    EXPECT_TRUE(restarted.load());
    // The first attempt found nothing listening; a later one got through.
    ASSERT_GE(log.lines.size(), 2u) << log.joined();
    EXPECT_EQ(log.lines[0].rfind("Connection attempt 1 of 3 to database \"postgres\" failed (", 0),
              0u)
        << log.joined();
    EXPECT_EQ(log.lines.back().rfind("Connected: PostgreSQL", 0), 0u) << log.joined();
    EXPECT_LE(log.count("retrying in"), 2u);
    std::printf("[ measured ] late server reached after %zu failed attempt(s) in %lld ms\n",
                log.count("retrying in"),
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(Retry, NothingListeningIsTriedThreeTimes) {
    setup_once();
    ConnectionConfig c;
    c.host = "127.0.0.1";
    c.port = 1;  // nothing listens on port 1 here
    c.username = "postgres";
    Lines log;
    auto r = connect(c, "postgres", log);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(r.error().message,
              "connection refused to 127.0.0.1:1\nis PostgreSQL running? check: pg_isready -h "
              "127.0.0.1 -p 1");
    EXPECT_EQ(log.count("Connection attempt 1 of 3"), 1u) << log.joined();
    EXPECT_EQ(log.count("Connection attempt 2 of 3"), 1u) << log.joined();
    EXPECT_EQ(log.count("Connection attempt 3 of 3 failed; giving up"), 1u) << log.joined();
    EXPECT_EQ(log.lines.size(), 3u) << log.joined();
}

TEST(Retry, AuthenticationFailureIsNotRetried) {
    setup_once();
    const std::string marker = "password authentication failed for user \"pwuser\"";
    const size_t before = occurrences(server_log(), marker);
    ConnectionConfig c = socket_config();
    c.host = "127.0.0.1";
    c.username = "pwuser";
    c.password = kWrongPassword;
    Lines log;
    auto r = connect(c, "postgres", log);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(r.error().message,
              "password authentication failed for user \"pwuser\" on database \"postgres\"\n"
              "check $PGPASSWORD, ~/.pgpass, or the connection string");
    EXPECT_EQ(log.lines.size(), 0u) << log.joined();
    // The server saw exactly one attempt (log_connections + the auth failure line).
    std::string after_log;
    for (int i = 0; i < 50 && occurrences(after_log = server_log(), marker) == before; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(occurrences(after_log, marker), before + 1);
    EXPECT_EQ(r.error().message.find(kWrongPassword), std::string::npos);
    ASSERT_TRUE(r.error().server);
    EXPECT_EQ(r.error().server->sqlstate, "28P01");

    c.password = kRightPassword;
    Lines ok_log;
    auto ok = connect(c, "postgres", ok_log);
    ASSERT_TRUE(ok) << ok.error().message;
}

TEST(Retry, MissingDatabaseIsNotRetried) {
    setup_once();
    Lines log;
    auto r = connect(socket_config(), "no_such_db_here", log);
    ASSERT_FALSE(r);
    EXPECT_TRUE(is_missing_database(r.error()));
    EXPECT_EQ(r.error().message,
              "database \"no_such_db_here\" does not exist\ncreate it with `createdb "
              "no_such_db_here` or pass --overwrite to let pgmi create it");
    EXPECT_EQ(log.lines.size(), 0u) << log.joined();
}

TEST(Retry, TheDeadlineStopsTheBackoff) {
    setup_once();
    ConnectionConfig c;
    c.host = "127.0.0.1";
    c.port = 1;
    auto connector = make_connector(c);
    auto r = (*connector)->connect("postgres", Deadline::after(std::chrono::milliseconds(200)));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Timeout);
}

}  // namespace
}  // namespace pgmi::conn
