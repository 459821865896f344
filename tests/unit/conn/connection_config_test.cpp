// ConnectionConfig: the libpq parameters of one connection, addresses for messages, the secrets a
// run knows, and the --verbose description that must never show one.
#include "conn/connection_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "conn/pgpass.hpp"

namespace pgmi::conn {
namespace {

std::map<std::string, std::string> as_map(const pg::ConnParams& p) {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : p) {
        EXPECT_EQ(m.count(k), 0u) << "keyword given twice: " << k;
        m[k] = v;
    }
    return m;
}

TEST(ConnectionConfig, ParamsCarryOnlyWhatWasSet) {
    ConnectionConfig c;
    c.host = "db1,db2";
    c.ports = {5432, 0};
    c.username = "deployer";
    c.sslmode = "verify-full";
    c.connect_timeout = 7;
    c.additional_params = {{"target_session_attrs", "read-write"}};
    const auto m = as_map(c.to_params("app"));
    EXPECT_EQ(m.at("host"), "db1,db2");
    EXPECT_EQ(m.at("port"), "5432,") << "an unset port of a host stays empty (libpq default)";
    EXPECT_EQ(m.at("user"), "deployer");
    EXPECT_EQ(m.at("dbname"), "app");
    EXPECT_EQ(m.at("sslmode"), "verify-full");
    EXPECT_EQ(m.at("application_name"), "pgmi");
    EXPECT_EQ(m.at("connect_timeout"), "7");
    EXPECT_EQ(m.at("target_session_attrs"), "read-write");
    for (const char* absent : {"password", "passfile", "sslcert", "sslpassword", "service"})
        EXPECT_EQ(m.count(absent), 0u) << absent;
}

TEST(ConnectionConfig, ThePasswordFileIsReadByPgmiNotTwiceByLibpq) {
    ConnectionConfig c;
    c.host = "db";
    c.port = 6432;
    c.username = "u";
    PasswordFile f;
    f.present = true;
    f.entries = parse_pgpass("db:6432:app:u:right\n*:*:*:*:fallback\n");
    c.password_file = f;
    auto m = as_map(c.to_params("app"));
    EXPECT_EQ(m.at("password"), "right");
    EXPECT_NE(m.at("passfile").find("/dev/null/"), std::string::npos)
        << "libpq must not find a password file of its own";
    EXPECT_EQ(as_map(c.to_params("other")).at("password"), "fallback");
    c.password = "explicit";
    EXPECT_EQ(as_map(c.to_params("app")).at("password"), "explicit") << "a given password wins";
}

TEST(ConnectionConfig, AddressesForMessages) {
    ConnectionConfig c;
    EXPECT_EQ(c.address(), "localhost:5432");
    EXPECT_EQ(c.first_host(), "localhost");
    EXPECT_EQ(c.first_port(), 5432);
    c.host = "::1,db.example.com";
    c.ports = {6432, 0};
    EXPECT_EQ(c.address(), "[::1]:6432,db.example.com:5432");
    EXPECT_EQ(c.first_host(), "::1");
    EXPECT_EQ(c.first_port(), 6432);
    c.host = "/var/run/postgresql";
    c.ports.clear();
    c.port = 5433;
    EXPECT_EQ(c.address(), "/var/run/postgresql:5433");
}

TEST(ResolvedConnection, SecretsAreKnownAndNeverDescribed) {
    ResolvedConnection r;
    r.config.host = "db";
    r.config.password = "pw-from-string";
    r.config.sslpassword = "key-passphrase";
    PasswordFile f;
    f.present = true;
    f.path = "/home/u/.pgpass";
    f.entries = parse_pgpass("db:*:*:*:pw-from-file\n");
    r.config.password_file = f;
    r.target_db = "app";
    r.maintenance_db = "postgres";
    r.sources["password"] = "connection string ($DATABASE_URL)";
    const auto secrets = r.secrets();
    for (const char* s : {"pw-from-string", "key-passphrase", "pw-from-file"})
        EXPECT_NE(std::find(secrets.begin(), secrets.end(), s), secrets.end()) << s;
    const std::string d = describe(r);
    EXPECT_EQ(d.rfind("Connection resolved:", 0), 0u) << d;
    for (const char* s : {"pw-from-string", "key-passphrase", "pw-from-file"})
        EXPECT_EQ(d.find(s), std::string::npos) << d;
    EXPECT_NE(d.find("Password: [redacted] (connection string ($DATABASE_URL))"), std::string::npos)
        << d;
    EXPECT_NE(d.find("SSL Password: [redacted]"), std::string::npos) << d;
}

TEST(ConnectionConfig, WeakSslModesAreTheOnesThatMaySendAPasswordInTheClear) {
    for (const char* weak : {"", "disable", "allow", "prefer"})
        EXPECT_TRUE(weak_sslmode(weak)) << weak;
    for (const char* strong : {"require", "verify-ca", "verify-full"})
        EXPECT_FALSE(weak_sslmode(strong)) << strong;
}

}  // namespace
}  // namespace pgmi::conn
