// The Cloud SQL IAM connector end to end, on loopback only: the real credential chain (a service
// account file whose token_uri is a fake), a fake Admin API (connectSettings, and a
// generateEphemeralCert that signs the submitted key with a test client CA), a TLS 1.3 front on
// 127.a.b.c:3307 that demands that certificate and forwards to this binary's real PostgreSQL,
// and the connector's bridge in between. Negative cases: wrong server name, wrong CA, Admin API
// refusal, region mismatch, a user the certificate does not name; none leaks a secret.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "cloud/http.hpp"
#include "conn/cloud_sql_connector.hpp"
#include "integration/conn/cloud_sql_fake.hpp"

namespace pgmi::conn {
namespace {

using test::PemPair;

const bool kLoopbackOnly = [] {
    cloud::set_loopback_only(true);
    return true;
}();

using namespace test::cloud_sql_fake;

std::unique_ptr<Connector> make(std::vector<std::string>* verbose = nullptr,
                                const std::string& user = "", int attempts = 3) {
    World& w = world();
    CloudSqlOptions o;
    o.instance = kInstance;
    o.config.username = user;
    auto env = w.env();
    env["HOME"] = w.dir->path().string();
    o.google.env = env_from(env);
    o.google.dmi_product_name_path = (w.dir->path() / "no-dmi").string();
    ConnectorOptions c;
    c.retry.attempts = attempts;
    c.retry.base = std::chrono::milliseconds(10);
    if (verbose != nullptr)
        c.verbose = [verbose](std::string_view line) { verbose->emplace_back(line); };
    auto made = make_cloud_sql_connector(o, c);
    EXPECT_TRUE(made) << made.error().message;
    return made ? std::move(*made) : nullptr;
}

Deadline soon() {
    return Deadline::after(std::chrono::seconds(60));
}

size_t certs_issued() {
    return world().certs_issued();
}

/// The bridge's socket path from the connector's --verbose line.
std::string bridge_socket(const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
        auto at = l.find(" through ");
        if (l.rfind("Cloud SQL instance", 0) == 0 && at != std::string::npos)
            return l.substr(at + 9);
    }
    return "";
}

TEST(CloudSql, ConnectsAsTheIamUserThroughAPrivateBridge) {
    std::vector<std::string> lines;
    auto connector = make(&lines);
    const size_t before = certs_issued();
    const int handshakes = world().front->handshakes();
    auto conn = connector->connect("postgres", soon());
    ASSERT_TRUE(conn) << conn.error().message;
    auto r = conn->exec(
        "SELECT current_user, inet_server_addr()::text, "
        "current_setting('application_name')");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->value(0, 0), kDbUser);
    EXPECT_EQ(r->value(0, 1), "127.0.0.1/32");  // the front's leg: TCP to PostgreSQL
    EXPECT_EQ(r->value(0, 2), "pgmi");
    EXPECT_EQ(certs_issued(), before + 1);
    EXPECT_EQ(world().front->handshakes(), handshakes + 1);
    EXPECT_EQ(world().front->client_cns().back(), kEmail);
    EXPECT_EQ(world().front->startup_users().back(), kDbUser);

    // The compatibility query ran (its answer is the verbose line); no line holds a secret.
    bool described = false;
    for (const auto& l : lines) {
        described = described || l.find("Connected: PostgreSQL") != std::string::npos;
        expect_no_secret(l);
    }
    EXPECT_TRUE(described);

    // The bridge: a socket in a 0700 directory; after libpq, only a cancel request gets in.
    const std::filesystem::path socket = bridge_socket(lines);
    ASSERT_FALSE(socket.empty());
    const auto dir = socket.parent_path();
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    const int handshakes_now = world().front->handshakes();
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", socket.c_str());
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        // A second startup message, as another libpq would send.
        const char startup[8] = {0, 0, 0, 8, 0, 3, 0, 0};
        ASSERT_EQ(::send(fd, startup, sizeof startup, MSG_NOSIGNAL), 8);
        char byte;
        EXPECT_LE(::recv(fd, &byte, 1, 0), 0);
        ::close(fd);
    }
    EXPECT_EQ(world().front->handshakes(), handshakes_now);  // it never reached the instance

    // Lifetime: the bridge lives exactly as long as the connection.
    auto again = conn->exec("SELECT 1");
    EXPECT_TRUE(again);
    { pg::Connection gone = std::move(*conn); }
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(CloudSql, TheServersErrorSurvivesAnInstanceThatClosesWithoutCloseNotify) {
    // The instance's proxy relays the server's ErrorResponse, then closes the TCP connection
    // without close_notify. The bridge's TLS layer sees an "unexpected eof"; what the user must
    // see (and what pgmi acts on: it creates a missing database) is the server's error.
    world().front->set_close_notify(false);
    auto connector = make();
    auto conn = connector->connect("no_such_db_eof", soon());
    world().front->set_close_notify(true);
    ASSERT_FALSE(conn);
    const Error& e = conn.error();
    EXPECT_NE(e.message.find("database \"no_such_db_eof\" does not exist"), std::string::npos)
        << e.message;
    EXPECT_EQ(e.message.find("unexpected eof"), std::string::npos) << e.message;
    ASSERT_TRUE(e.server.has_value()) << e.message;
    EXPECT_EQ(e.server->sqlstate, "3D000");
    EXPECT_EQ(e.kind, ErrorKind::Connection);
}

TEST(CloudSql, ACancelRequestReachesTheServerThroughTheBridge) {
    auto connector = make();
    auto conn = connector->connect("postgres", soon());
    ASSERT_TRUE(conn) << conn.error().message;
    const int cancels = world().front->cancels();
    const size_t certs = certs_issued();
    std::thread canceller([&] {
        // Cancel only once the statement runs (seen from a second, plain connection).
        const std::string pid = std::to_string(conn->backend_pid());
        for (int i = 0; i < 2000; ++i) {
            auto running = test::query(
                "postgres", "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid +
                                " AND state = 'active' AND query LIKE 'SELECT pg_sleep%'");
            if (!running.empty() && running[0] == "1")
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_TRUE(conn->cancel());
    });
    auto r = conn->exec("SELECT pg_sleep(60)");
    canceller.join();
    ASSERT_FALSE(r);
    ASSERT_TRUE(r.error().server.has_value()) << r.error().message;
    EXPECT_EQ(r.error().server->sqlstate, "57014");
    EXPECT_EQ(world().front->cancels(), cancels + 1);
    EXPECT_EQ(certs_issued(), certs);  // the cancel reused the connection's certificate
    auto after = conn->exec("SELECT 1");
    EXPECT_TRUE(after) << after.error().message;
}

TEST(CloudSql, EveryConnectionGetsAFreshKeyAndCertificate) {
    auto connector = make();
    const size_t before = certs_issued();
    int settings_before = 0;
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        settings_before = world().google.settings_calls;
    }
    auto a = connector->connect("postgres", soon());
    auto b = connector->connect("postgres", soon());
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    // Both open at once, each over its own tunnel.
    auto pa = a->exec("SELECT pg_backend_pid()");
    auto pb = b->exec("SELECT pg_backend_pid()");
    ASSERT_TRUE(pa && pb);
    EXPECT_NE(pa->value(0, 0), pb->value(0, 0));
    std::lock_guard<std::mutex> l(world().google.mu);
    ASSERT_EQ(world().google.public_keys.size(), before + 2);
    EXPECT_NE(world().google.public_keys[before], world().google.public_keys[before + 1]);
    // connectSettings is cached by the connector.
    EXPECT_EQ(world().google.settings_calls, settings_before + 1);
}

TEST(CloudSql, ARetriedAttemptDialsWithANewCertificate) {
    std::vector<std::string> lines;
    auto connector = make(&lines);
    const size_t before = certs_issued();
    world().front->drop_next(1);
    auto conn = connector->connect("postgres", soon());
    ASSERT_TRUE(conn) << conn.error().message;
    EXPECT_EQ(certs_issued(), before + 2);
    std::lock_guard<std::mutex> l(world().google.mu);
    EXPECT_NE(world().google.public_keys[before], world().google.public_keys[before + 1]);
    bool retried = false;
    for (const auto& line : lines)
        retried = retried || line.find("retrying in") != std::string::npos;
    EXPECT_TRUE(retried);
}

TEST(CloudSql, AnExplicitUserWinsOverThePrincipal) {
    auto connector = make(nullptr, "someone_else");
    auto conn = connector->connect("postgres", soon());
    ASSERT_FALSE(conn);
    EXPECT_EQ(world().front->startup_users().back(), "someone_else");
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_NE(conn.error().message.find("authentication rejected for user \"someone_else\""),
              std::string::npos)
        << conn.error().message;
    EXPECT_NE(conn.error().message.find("Cloud SQL Instance User role"), std::string::npos);
    expect_no_secret(conn.error().message);
}

TEST(CloudSql, AServerCertificateForAnotherInstanceIsRefused) {
    world().front->set_server_cert(
        test::make_leaf(world().server_ca, "pgmi-test:other", {"other.example.com"}));
    auto connector = make();
    const size_t before = certs_issued();
    auto conn = connector->connect("postgres", soon());
    world().front->set_server_cert(world().server_cert);
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    const std::string& m = conn.error().message;
    EXPECT_NE(m.find(kInstance), std::string::npos) << m;
    EXPECT_NE(m.find("\"pgmi-test:other\""), std::string::npos) << m;
    EXPECT_NE(m.find("refusing"), std::string::npos) << m;
    EXPECT_EQ(certs_issued(), before + 1);  // permanent: not retried
    expect_no_secret(m);
}

TEST(CloudSql, AServerWhoseChainIsNotTheInstanceCaIsRefused) {
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        world().google.server_ca = world().other_ca.cert;
    }
    auto connector = make();
    auto conn = connector->connect("postgres", soon());
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        world().google.server_ca = world().server_ca.cert;
    }
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_NE(conn.error().message.find(kInstance), std::string::npos) << conn.error().message;
    EXPECT_NE(conn.error().message.find("does not chain to the instance's server CA"),
              std::string::npos)
        << conn.error().message;
    expect_no_secret(conn.error().message);
}

TEST(CloudSql, AdminApiRefusalQuotesGoogleWithoutTheToken) {
    world().set_settings_status(403);
    auto connector = make();
    auto conn = connector->connect("postgres", soon());
    world().set_settings_status(200);
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_EQ(exit_code(conn.error().kind), 11);
    const std::string& m = conn.error().message;
    EXPECT_NE(m.find("HTTP 403"), std::string::npos) << m;
    EXPECT_NE(m.find("The client is not authorized to make this request"), std::string::npos) << m;
    EXPECT_NE(m.find("[redacted]"), std::string::npos) << m;
    expect_no_secret(m);
}

TEST(CloudSql, RegionMismatchIsAConfigurationError) {
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        world().google.region = "us-central1";
    }
    auto connector = make();
    auto conn = connector->connect("postgres", soon());
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        world().google.region = kRegion;
    }
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Config);
    EXPECT_NE(conn.error().message.find("us-central1"), std::string::npos);
    expect_no_secret(conn.error().message);
}

TEST(CloudSql, AnInvalidInstanceNameFailsBeforeAnythingIsContacted) {
    CloudSqlOptions o;
    o.instance = "pgmi-test/db1";
    o.google.env = env_from({});
    auto made = make_cloud_sql_connector(o);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().kind, ErrorKind::Config);
}

TEST(CloudSql, PghostaddrWouldBypassTheBridgeAndIsRefused) {
    ::setenv("PGHOSTADDR", "127.0.0.1", 1);
    CloudSqlOptions o;
    o.instance = kInstance;
    o.google.env = env_from({});
    auto made = make_cloud_sql_connector(o);
    ::unsetenv("PGHOSTADDR");
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().kind, ErrorKind::Config);
    EXPECT_NE(made.error().message.find("$PGHOSTADDR"), std::string::npos);
}

/// A raw OpenSSL client to the front, with or without a certificate; true when a byte of
/// application data got through (the front answers a bogus startup with an error).
bool front_accepts(const PemPair* client) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    if (client != nullptr) {
        X509* c = test::x509_detail::read_cert(client->cert);
        EVP_PKEY* k = test::x509_detail::read_key(client->key, true);
        SSL_CTX_use_certificate(ctx, c);
        SSL_CTX_use_PrivateKey(ctx, k);
        X509_free(c);
        EVP_PKEY_free(k);
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(3307);
    ::inet_pton(AF_INET, world().front->ip().c_str(), &a.sin_addr);
    bool got = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) == 1) {
            const char bogus[8] = {0, 0, 0, 8, 0, 0, 0, 1};
            char reply[1];
            got = SSL_write(ssl, bogus, 8) == 8 && SSL_read(ssl, reply, 1) == 1;
        }
        ERR_clear_error();
        SSL_free(ssl);
    }
    ::close(fd);
    SSL_CTX_free(ctx);
    return got;
}

TEST(CloudSqlFront, DemandsAClientCertificateFromTheClientCa) {
    sigset_t s;  // a refused write must not end the test binary
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    const int rejected = world().front->rejected();
    EXPECT_FALSE(front_accepts(nullptr));
    const PemPair stranger = test::make_leaf(world().other_ca, kEmail);
    EXPECT_FALSE(front_accepts(&stranger));
    const PemPair trusted = test::make_leaf(world().client_ca, kEmail);
    EXPECT_TRUE(front_accepts(&trusted));
    EXPECT_TRUE(world().front->wait_for_rejected(rejected + 2)) << world().front->rejected();
}

}  // namespace
}  // namespace pgmi::conn
