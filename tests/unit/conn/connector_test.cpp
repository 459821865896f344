#include "conn/connector.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace pgmi::conn {
namespace {

TEST(ConnectionFailure, ClassifiesLibpqMessages) {
    EXPECT_EQ(classify_connection_failure(
                  "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs "
                  "the server running on that host and accepting TCP/IP connections?"),
              FailureClass::Refused);
    EXPECT_EQ(classify_connection_failure("connection to server on socket \"/tmp/.s.PGSQL.5\" "
                                          "failed: No such file or directory"),
              FailureClass::Refused);
    EXPECT_EQ(classify_connection_failure("connection to server on socket \"/x\" failed: FATAL:  "
                                          "database \"nope\" does not exist"),
              FailureClass::NoSuchDatabase);
    EXPECT_EQ(classify_connection_failure("FATAL:  password authentication failed for user \"u\""),
              FailureClass::PasswordFailed);
    EXPECT_EQ(classify_connection_failure("FATAL:  no pg_hba.conf entry for host \"1.2.3.4\""),
              FailureClass::NoHbaEntry);
    EXPECT_EQ(classify_connection_failure("FATAL:  sorry, too many clients already"),
              FailureClass::TooManyConnections);
    EXPECT_EQ(classify_connection_failure("FATAL:  the database system is starting up"),
              FailureClass::StartingUp);
    EXPECT_EQ(classify_connection_failure("could not translate host name \"nx\" to address"),
              FailureClass::NoSuchHost);
    EXPECT_EQ(classify_connection_failure("timeout expired"), FailureClass::Timeout);
    EXPECT_EQ(classify_connection_failure("SSL error: certificate verify failed"),
              FailureClass::Tls);
}

TEST(ConnectionFailure, OnlyTransientFailuresAreRetried) {
    EXPECT_TRUE(is_transient(make_error(ErrorKind::Connection, "Connection refused")));
    EXPECT_TRUE(
        is_transient(make_error(ErrorKind::Connection, "the database system is starting up")));
    EXPECT_FALSE(is_transient(
        make_error(ErrorKind::Connection, "password authentication failed for user \"u\"")));
    EXPECT_FALSE(is_transient(make_error(ErrorKind::Connection, "database \"x\" does not exist")));
}

TEST(ConnectionFailure, FriendlyMessagesNameTheFix) {
    ConnectionConfig c;
    c.host = "db.example";
    c.port = 5433;
    c.username = "app";
    auto refused = friendly_connection_error(
        make_error(ErrorKind::Connection, "Connection refused"), c, "shop");
    EXPECT_EQ(refused.kind, ErrorKind::Connection);
    EXPECT_EQ(refused.message,
              "connection refused to db.example:5433\nis PostgreSQL running? "
              "check: pg_isready -h db.example -p 5433");
    auto auth = friendly_connection_error(
        make_error(ErrorKind::Connection,
                   "FATAL:  password authentication failed for user \"app\""),
        c, "shop");
    EXPECT_EQ(auth.message,
              "password authentication failed for user \"app\" on database \"shop\"\n"
              "check $PGPASSWORD, ~/.pgpass, or the connection string");
}

Error with_sqlstate(const char* code, const char* message) {
    Error e = make_error(ErrorKind::Connection, std::string("FATAL:  ") + message);
    ServerError se;
    se.severity = "FATAL";
    se.sqlstate = code;
    se.message = message;
    e.server = se;
    return e;
}

TEST(ConnectionFailure, SqlstateDecidesWhenTheServerSentOne) {
    EXPECT_EQ(classify_connection_failure(with_sqlstate("28P01", "x")),
              FailureClass::PasswordFailed);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("28000", "x")), FailureClass::NoHbaEntry);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("3D000", "x")),
              FailureClass::NoSuchDatabase);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("42501", "x")),
              FailureClass::PermissionDenied);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("53300", "x")),
              FailureClass::TooManyConnections);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("57P03", "x")), FailureClass::StartingUp);
    EXPECT_EQ(classify_connection_failure(with_sqlstate("42704", "x")),
              FailureClass::ServerRefused);
    // Transient: classes 08, 53, 57 (but not 57014 / 57P04), and 40001, 40P01, 55P03.
    for (const char* code :
         {"08006", "08001", "53300", "53200", "57P03", "57P01", "40001", "40P01", "55P03"}) {
        EXPECT_TRUE(is_transient(with_sqlstate(code, "x"))) << code;
    }
    for (const char* code :
         {"28P01", "28000", "3D000", "42501", "42704", "57014", "57P04", "0A000"}) {
        EXPECT_FALSE(is_transient(with_sqlstate(code, "x"))) << code;
    }
    EXPECT_TRUE(is_missing_database(with_sqlstate("3D000", "database \"x\" does not exist")));
    EXPECT_FALSE(is_missing_database(with_sqlstate("28P01", "database \"x\" does not exist")));
    // pgbouncer relays the server's answer as a protocol violation; not worth a retry.
    EXPECT_TRUE(is_missing_database(with_sqlstate("08P01", "database \"x\" does not exist")));
    EXPECT_FALSE(is_transient(with_sqlstate("08P01", "database \"x\" does not exist")));
    EXPECT_TRUE(is_transient(with_sqlstate("08P01", "server login has been failing")));
    EXPECT_FALSE(is_missing_database(with_sqlstate("08P01", "server login has been failing")));
}

TEST(ConnectionFailure, TransportTextWithoutSqlstate) {
    auto t = [](const char* m) { return is_transient(make_error(ErrorKind::Connection, m)); };
    EXPECT_TRUE(t("server closed the connection unexpectedly"));
    EXPECT_TRUE(t("could not receive data from server: Connection reset by peer"));
    EXPECT_TRUE(t("connection to server at \"127.0.0.1\", port 5432 failed: timeout expired"));
    EXPECT_TRUE(
        t("could not translate host name \"db\" to address: Temporary failure in name "
          "resolution"));
    EXPECT_FALSE(t("could not translate host name \"nx\" to address: Name or service not known"));
    EXPECT_FALSE(t("could not open certificate file \"/x.crt\": No such file or directory"));
    EXPECT_FALSE(t("server certificate for \"localhost\" does not match host name \"127.0.0.1\""));
    EXPECT_EQ(
        classify_connection_failure("could not load private key file \"/k.pem\": bad decrypt"),
        FailureClass::Tls);
}

TEST(ConnectionFailure, FriendlyMessagesForEveryCase) {
    ConnectionConfig c;
    c.host = "db";
    c.port = 5433;
    c.username = "app";
    auto m = [&](const Error& e) { return friendly_connection_error(e, c, "shop").message; };
    EXPECT_EQ(m(with_sqlstate("28000",
                              "no pg_hba.conf entry for host \"1.2.3.4\", user \"app\", "
                              "database \"shop\", no encryption")),
              "authentication rejected for user \"app\" on database \"shop\": no pg_hba.conf "
              "entry for host \"1.2.3.4\", user \"app\", database \"shop\", no encryption\nno "
              "pg_hba.conf entry matches this host, user, and method\nthe server accepts this "
              "user only over TLS: use --sslmode require (or verify-ca / verify-full)");
    EXPECT_EQ(m(with_sqlstate("3D000", "database \"shop\" does not exist")),
              "database \"shop\" does not exist\ncreate it with `createdb shop` or pass "
              "--overwrite to let pgmi create it");
    EXPECT_EQ(m(with_sqlstate("42501", "permission denied for database \"shop\"")),
              "permission denied for database \"shop\"\ngrant access with: GRANT CONNECT ON "
              "DATABASE shop TO app");
    EXPECT_EQ(m(with_sqlstate("53300", "sorry, too many clients already")),
              "too many connections to database \"shop\"\nserver is at max_connections; close "
              "idle backends or wait");
    EXPECT_EQ(m(with_sqlstate("57P03", "the database system is starting up")),
              "server at db:5433 is not accepting connections: the database system is starting "
              "up\nit is starting up or recovering; retry shortly");
    EXPECT_EQ(m(with_sqlstate("42704", "unrecognized configuration parameter \"pooling\"")),
              "server at db:5433 refused the connection: unrecognized configuration parameter "
              "\"pooling\" (SQLSTATE 42704)");
    EXPECT_EQ(m(make_error(ErrorKind::Connection,
                           "could not translate host name \"db\" to address: Name or service "
                           "not known")),
              "cannot resolve host \"db\"\ncheck hostname spelling, DNS, and $PGHOST");
    EXPECT_EQ(m(make_error(ErrorKind::Connection, "timeout expired")),
              "connection timed out to db:5433\ncheck network reachability and server load; "
              "raise --timeout if needed");
    EXPECT_EQ(m(make_error(ErrorKind::Connection, "SSL error: certificate verify failed")),
              "SSL/TLS connection error: SSL error: certificate verify failed\ncheck --sslmode, "
              "--sslcert, --sslkey, --sslrootcert\nthe server certificate is not signed by the "
              "CA in --sslrootcert");
    EXPECT_EQ(m(make_error(ErrorKind::Connection, "something odd")),
              "failed to connect to database: something odd");
    EXPECT_EQ(friendly_connection_error(with_sqlstate("28P01", "x"), c, "shop").kind,
              ErrorKind::Connection);
}

TEST(Retry, ADeadlineThatRunsOutDuringTheLastDialIsATimeout) {
    // What libpq says when connect_timeout ends an attempt; the deploy deadline is over by then.
    const Deadline spent = Deadline::after(std::chrono::nanoseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ConnectorOptions options;
    options.retry.attempts = 1;
    int opened = 0;
    AttemptHooks hooks;
    hooks.open = [&]() -> Result<pg::Connection> {
        ++opened;
        return make_error(ErrorKind::Connection,
                          "connection to server at \"127.0.0.1\", port 5432 failed: timeout "
                          "expired");
    };
    hooks.friendly = [](const Error& e) { return e; };
    auto r = connect_with_retry("app", "127.0.0.1:5432", spent, options, hooks);
    ASSERT_FALSE(r);
    EXPECT_EQ(opened, 1);
    EXPECT_EQ(r.error().kind, ErrorKind::Timeout) << r.error().message;
    EXPECT_NE(r.error().message.find("--timeout expired while connecting: connection to server"),
              std::string::npos)
        << r.error().message;

    // A permanent failure stays what it is, deadline or not.
    hooks.open = []() -> Result<pg::Connection> {
        Error e = make_error(ErrorKind::Connection, "password authentication failed");
        e.server = ServerError{};
        e.server->sqlstate = "28P01";
        return e;
    };
    auto auth = connect_with_retry("app", "127.0.0.1:5432", spent, options, hooks);
    ASSERT_FALSE(auth);
    EXPECT_EQ(auth.error().kind, ErrorKind::Connection);
}

TEST(Retry, ThreeAttemptsWithExponentialBackoffAndJitter) {
    RetryPolicy p;
    EXPECT_EQ(p.attempts, 3);
    EXPECT_EQ(backoff_delay(p, 1, 0.5).count(), 500);
    EXPECT_EQ(backoff_delay(p, 2, 0.5).count(), 1000);
    EXPECT_EQ(backoff_delay(p, 1, 0.0).count(), 450);
    EXPECT_EQ(backoff_delay(p, 2, 0.999999).count(), 1099);
    RetryPolicy capped{.attempts = 10,
                       .base = std::chrono::milliseconds(1000),
                       .cap = std::chrono::milliseconds(3000),
                       .jitter = 0};
    EXPECT_EQ(backoff_delay(capped, 5, 0.3).count(), 3000);
}

TEST(ProviderFactory, ByAuthMethodWithOfflinePreconditions) {
    ConnectionConfig c;
    EXPECT_TRUE(make_connector(c));
    // AWS over a Unix socket cannot be signed for host:port: refused before any network.
    c.auth = AuthMethod::AwsIam;
    c.host = "/tmp";
    auto aws = make_connector(c);
    ASSERT_FALSE(aws);
    EXPECT_EQ(aws.error().kind, ErrorKind::Config);
    EXPECT_NE(aws.error().message.find("AWS IAM auth requires endpoint (host:port)"),
              std::string::npos);
    // Google: the instance name is checked offline; a valid one makes a connector that has
    // contacted nothing yet.
    c.auth = AuthMethod::GoogleIam;
    c.cloud.google_instance = "no-colons";
    auto bad = make_connector(c);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    c.cloud.google_instance = "proj:us-central1:db";
    EXPECT_TRUE(make_connector(c));
}

}  // namespace
}  // namespace pgmi::conn
