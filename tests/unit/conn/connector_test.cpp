#include "conn/connector.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pgmi::conn
