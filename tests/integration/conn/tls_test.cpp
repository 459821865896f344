// TLS against a real TLS-enabled PostgreSQL on loopback: the six sslmodes with libpq's semantics,
// CA and host-name verification, a hostssl-only role, client-certificate (cert) authentication,
// an encrypted client key, and TLS files combined with a connection string. Connections go
// through the resolver and the standard connector, as a deploy does.
#include <gtest/gtest.h>

#include "conn/connector.hpp"
#include "conn/resolver.hpp"
#include "integration/conn/tls_pki.hpp"
#include "support/support.hpp"

namespace pgmi::conn {
namespace {

constexpr const char* kPassphrase = "Key-Passphrase-7731";

const char* kHba =
    "local all all trust\n"
    "hostssl all certuser 127.0.0.1/32 cert\n"
    "hostssl all sslonly 127.0.0.1/32 trust\n"
    "host all sslonly 127.0.0.1/32 reject\n"
    "host all all 127.0.0.1/32 trust\n";

struct Env {
    std::unique_ptr<test::TempDir> dir;
    test::TestPki pki;
};

Env& env() {
    static Env e = [] {
        Env made;
        made.dir = std::make_unique<test::TempDir>();
        made.pki = test::make_test_pki(made.dir->path(), "certuser", kPassphrase);
        test::query("postgres", "CREATE ROLE certuser LOGIN; CREATE ROLE sslonly LOGIN");
        test::enable_tls(test::server(), made.pki, kHba);
        return made;
    }();
    return e;
}

struct Outcome {
    bool ok = false;
    bool ssl = false;
    std::string user;
    Error error;
};

/// Resolves like `pgmi deploy` (flags + environment) and connects to "postgres".
Outcome connect(ConnectionFlags flags, std::map<std::string, std::string> vars = {}) {
    env();
    vars["HOME"] = env().dir->path().string();  // no ~/.pgpass, no ~/.postgresql
    if (!flags.connection) {
        if (!flags.port)
            flags.port = test::server().port();
        if (!flags.database)
            flags.database = "postgres";
    }
    Outcome out;
    auto resolved = resolve(flags, env_from(vars), {});
    if (!resolved) {
        out.error = resolved.error();
        return out;
    }
    auto connector = make_connector(resolved->config);
    auto conn =
        (*connector)->connect(resolved->target_db, Deadline::after(std::chrono::seconds(30)));
    if (!conn) {
        out.error = conn.error();
        return out;
    }
    auto r =
        conn->exec("SELECT ssl::text, current_user FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    EXPECT_TRUE(r);
    out.ok = true;
    out.ssl = r && r->value(0, 0) == "true";
    out.user = r ? std::string(r->value(0, 1)) : "";
    return out;
}

std::string ca() {
    return env().pki.ca_crt.string();
}

TEST(Tls, TheSixSslModes) {
    // postgres may connect with or without TLS here.
    auto disable = connect({.host = "127.0.0.1", .username = "postgres", .sslmode = "disable"});
    ASSERT_TRUE(disable.ok) << disable.error.message;
    EXPECT_FALSE(disable.ssl);
    auto allow = connect({.host = "127.0.0.1", .username = "postgres", .sslmode = "allow"});
    ASSERT_TRUE(allow.ok) << allow.error.message;
    EXPECT_FALSE(allow.ssl) << "allow tries plaintext first";
    auto prefer = connect({.host = "127.0.0.1", .username = "postgres", .sslmode = "prefer"});
    ASSERT_TRUE(prefer.ok) << prefer.error.message;
    EXPECT_TRUE(prefer.ssl) << "prefer tries TLS first";
    auto deflt = connect({.host = "127.0.0.1", .username = "postgres"});
    ASSERT_TRUE(deflt.ok);
    EXPECT_TRUE(deflt.ssl) << "pgmi's default is prefer";
    auto require = connect({.host = "127.0.0.1", .username = "postgres", .sslmode = "require"});
    ASSERT_TRUE(require.ok) << require.error.message;
    EXPECT_TRUE(require.ssl);
    auto vca = connect(
        {.host = "127.0.0.1", .username = "postgres", .sslmode = "verify-ca", .sslrootcert = ca()});
    ASSERT_TRUE(vca.ok) << vca.error.message;
    EXPECT_TRUE(vca.ssl);
    auto vfull = connect({.host = "localhost",
                          .username = "postgres",
                          .sslmode = "verify-full",
                          .sslrootcert = ca()});
    ASSERT_TRUE(vfull.ok) << vfull.error.message;
    EXPECT_TRUE(vfull.ssl);
}

TEST(Tls, VerifyCaRejectsAServerFromAnotherCa) {
    auto wrong = connect({.host = "127.0.0.1",
                          .username = "postgres",
                          .sslmode = "verify-ca",
                          .sslrootcert = env().pki.wrong_ca_crt.string()});
    ASSERT_FALSE(wrong.ok);
    EXPECT_EQ(wrong.error.kind, ErrorKind::Connection);
    EXPECT_EQ(wrong.error.message.rfind("SSL/TLS connection error: ", 0), 0u)
        << wrong.error.message;
    EXPECT_NE(wrong.error.message.find("certificate verify failed"), std::string::npos);
    EXPECT_NE(wrong.error.message.find("not signed by the CA in --sslrootcert"), std::string::npos);
    // libpq: require with a root certificate configured verifies the chain like verify-ca.
    auto require = connect({.host = "127.0.0.1",
                            .username = "postgres",
                            .sslmode = "require",
                            .sslrootcert = env().pki.wrong_ca_crt.string()});
    ASSERT_FALSE(require.ok);
    EXPECT_NE(require.error.message.find("certificate verify failed"), std::string::npos);
    // Without verification the same server is accepted.
    EXPECT_TRUE(connect({.host = "127.0.0.1", .username = "postgres", .sslmode = "require"}).ok);
}

TEST(Tls, VerifyFullChecksTheHostName) {
    // The certificate names DNS:localhost only: 127.0.0.1 passes verify-ca but not verify-full.
    auto ip = connect({.host = "127.0.0.1",
                       .username = "postgres",
                       .sslmode = "verify-full",
                       .sslrootcert = ca()});
    ASSERT_FALSE(ip.ok);
    EXPECT_EQ(ip.error.kind, ErrorKind::Connection);
    EXPECT_NE(ip.error.message.find("does not match host name \"127.0.0.1\""), std::string::npos)
        << ip.error.message;
    EXPECT_NE(ip.error.message.find("verify-full needs the host you connect to"),
              std::string::npos);
    EXPECT_TRUE(connect({.host = "127.0.0.1",
                         .username = "postgres",
                         .sslmode = "verify-ca",
                         .sslrootcert = ca()})
                    .ok);
}

TEST(Tls, HostsslOnlyRoleRefusesPlaintext) {
    auto plain = connect({.host = "127.0.0.1", .username = "sslonly", .sslmode = "disable"});
    ASSERT_FALSE(plain.ok);
    EXPECT_EQ(plain.error.kind, ErrorKind::Connection);
    EXPECT_EQ(plain.error.message.rfind("authentication rejected for user \"sslonly\" on database "
                                        "\"postgres\": pg_hba.conf rejects connection",
                                        0),
              0u)
        << plain.error.message;
    EXPECT_NE(plain.error.message.find("use --sslmode require"), std::string::npos);
    // allow falls back to TLS when plaintext is refused; prefer and require start with TLS.
    for (const char* mode : {"allow", "prefer", "require"}) {
        auto o = connect({.host = "127.0.0.1", .username = "sslonly", .sslmode = mode});
        ASSERT_TRUE(o.ok) << mode << ": " << o.error.message;
        EXPECT_TRUE(o.ssl) << mode;
        EXPECT_EQ(o.user, "sslonly");
    }
}

TEST(Tls, ClientCertificateAuthentication) {
    const auto& pki = env().pki;
    auto mtls = connect({.host = "localhost",
                         .username = "certuser",
                         .sslmode = "verify-full",
                         .sslcert = pki.client_crt.string(),
                         .sslkey = pki.client_key.string(),
                         .sslrootcert = ca()});
    ASSERT_TRUE(mtls.ok) << mtls.error.message;
    EXPECT_TRUE(mtls.ssl);
    EXPECT_EQ(mtls.user, "certuser");
    // The same files from the environment (PGSSLCERT/PGSSLKEY/PGSSLROOTCERT).
    auto from_env = connect({.host = "localhost", .username = "certuser", .sslmode = "verify-full"},
                            {{"PGSSLCERT", pki.client_crt.string()},
                             {"PGSSLKEY", pki.client_key.string()},
                             {"PGSSLROOTCERT", ca()}});
    ASSERT_TRUE(from_env.ok) << from_env.error.message;
    EXPECT_EQ(from_env.user, "certuser");
    // Without a certificate the cert method refuses.
    auto none = connect({.host = "localhost", .username = "certuser", .sslmode = "require"});
    ASSERT_FALSE(none.ok);
    EXPECT_EQ(none.error.kind, ErrorKind::Connection);
    EXPECT_NE(none.error.message.find("certuser"), std::string::npos) << none.error.message;
}

TEST(Tls, CertificateFlagsCombineWithAConnectionString) {
    const auto& pki = env().pki;
    const std::string uri =
        "postgresql://certuser@localhost:" + std::to_string(test::server().port()) +
        "/postgres?sslmode=verify-full&sslcert=/nonexistent.crt";
    auto o = connect({.connection = uri,
                      .sslcert = pki.client_crt.string(),
                      .sslkey = pki.client_key.string(),
                      .sslrootcert = ca()});
    ASSERT_TRUE(o.ok) << o.error.message;
    EXPECT_TRUE(o.ssl);
    EXPECT_EQ(o.user, "certuser");
}

TEST(Tls, EncryptedClientKeyNeedsItsPassphrase) {
    const auto& pki = env().pki;
    ConnectionFlags flags{.host = "localhost",
                          .username = "certuser",
                          .sslmode = "verify-full",
                          .sslcert = pki.client_crt.string(),
                          .sslkey = pki.client_key_encrypted.string(),
                          .sslrootcert = ca()};
    auto ok = connect(flags, {{"PGSSLPASSWORD", kPassphrase}});
    ASSERT_TRUE(ok.ok) << ok.error.message;
    EXPECT_EQ(ok.user, "certuser");

    auto missing = connect(flags);  // no prompt: the key simply does not load
    ASSERT_FALSE(missing.ok);
    EXPECT_EQ(missing.error.kind, ErrorKind::Connection);
    EXPECT_NE(missing.error.message.find("$PGSSLPASSWORD"), std::string::npos)
        << missing.error.message;

    auto wrong = connect(flags, {{"PGSSLPASSWORD", "Wrong-Passphrase-0042"}});
    ASSERT_FALSE(wrong.ok);
    EXPECT_NE(wrong.error.message.find("$PGSSLPASSWORD"), std::string::npos) << wrong.error.message;
    for (const auto* o : {&missing, &wrong}) {
        EXPECT_EQ(o->error.message.find(kPassphrase), std::string::npos);
        EXPECT_EQ(o->error.message.find("Wrong-Passphrase-0042"), std::string::npos);
    }
}

}  // namespace
}  // namespace pgmi::conn
