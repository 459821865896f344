// TlsStream and LocalBridge without a database: a TLS echo server on 127.0.0.1 (OpenSSL's API,
// written here), dialled by TlsStream, bridged to a private Unix socket that the test talks to
// like libpq would. Shows the relay, the one-client rule, the socket and directory lifecycle,
// the end of the relay when the server goes away, and the dial's refusals (TLS 1.2 only, an
// untrusted chain, a closed port).
#include "conn/local_bridge.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "support/x509_maker.hpp"

namespace pgmi::conn {
namespace {

using test::PemPair;

const PemPair& server_ca() {
    static const PemPair c = test::make_ca("bridge test CA");
    return c;
}

/// How the echo server ends a connection.
struct Ending {
    size_t close_after = 0;    // bytes received before it closes (0: never)
    bool close_notify = true;  // false: the TCP connection just closes, like a crashing peer
    bool echo = true;          // false: it swallows what it receives
};

/// Echoes what it receives, each connection in a thread, and ends connections as `ending` says.
class EchoServer {
  public:
    explicit EchoServer(int max_version = 0, Ending ending = {})
        : leaf_(test::make_leaf(server_ca(), "proj:db")), ending_(ending) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        socklen_t len = sizeof a;
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0);
        ::listen(fd_, 4);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        ctx_ = SSL_CTX_new(TLS_server_method());
        if (max_version != 0)
            SSL_CTX_set_max_proto_version(ctx_, max_version);
        X509* cert = test::x509_detail::read_cert(leaf_.cert);
        EVP_PKEY* key = test::x509_detail::read_key(leaf_.key, true);
        SSL_CTX_use_certificate(ctx_, cert);
        SSL_CTX_use_PrivateKey(ctx_, key);
        X509_free(cert);
        EVP_PKEY_free(key);
        thread_ = std::thread([this] { serve(); });
    }
    ~EchoServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
        SSL_CTX_free(ctx_);
    }
    int port() const { return port_; }
    int served() const { return served_; }

  private:
    void serve() {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &s, nullptr);
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0)
                break;
            conns_.emplace_back([this, c] { echo(c); });
        }
        for (auto& t : conns_)
            t.join();
    }

    void echo(int c) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &s, nullptr);
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1) {
            ++served_;
            char buf[4096];
            size_t total = 0;
            for (;;) {
                const int n = SSL_read(ssl, buf, sizeof buf);
                if (n <= 0 || (ending_.echo && SSL_write(ssl, buf, n) != n))
                    break;
                total += static_cast<size_t>(n);
                if (ending_.close_after != 0 && total >= ending_.close_after)
                    break;
            }
            if (ending_.close_notify)
                SSL_shutdown(ssl);
        }
        ERR_clear_error();
        SSL_free(ssl);
        ::close(c);
    }

    PemPair leaf_;
    Ending ending_;
    int fd_ = -1;
    int port_ = 0;
    SSL_CTX* ctx_ = nullptr;
    std::atomic<int> served_{0};
    std::vector<std::thread> conns_;  // the accept thread's, joined when it ends
    std::thread thread_;
};

struct ClientKey {
    cloud::PrivateKey key = *cloud::PrivateKey::generate_rsa(2048);
    std::string cert;
    ClientKey() {
        const PemPair client_ca = test::make_ca("client CA");
        cert = test::sign_public_key(client_ca, *key.public_key_pem(), "me@example.com");
    }
};

const ClientKey& client() {
    static const ClientKey k;
    return k;
}

TlsDialOptions options(int port, const std::string& trusted = server_ca().cert) {
    TlsDialOptions o;
    o.label = "test instance";
    o.ip = "127.0.0.1";
    o.port = port;
    o.client_cert_pem = client().cert;
    o.client_key = client().key;
    o.trusted_ca_pem = trusted;
    return o;
}

/// A connection to the bridge's socket, like libpq's.
int connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Reads exactly `n` bytes (or what arrives before EOF).
std::string read_n(int fd, size_t n) {
    std::string out;
    char buf[4096];
    while (out.size() < n) {
        const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
        if (got <= 0)
            break;
        out.append(buf, static_cast<size_t>(got));
    }
    return out;
}

TEST(LocalBridge, RelaysOneClientThroughAPrivateSocketAndCleansUp) {
    EchoServer server;
    auto stream = TlsStream::dial(options(server.port()));
    ASSERT_TRUE(stream) << stream.error().message;
    auto bridge = LocalBridge::start(std::move(*stream));
    ASSERT_TRUE(bridge) << bridge.error().message;
    const std::filesystem::path dir = (*bridge)->directory();
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ((*bridge)->socket_path(), dir.string() + "/.s.PGSQL.5432");
    EXPECT_TRUE(std::filesystem::exists((*bridge)->socket_path()));

    const int fd = connect_unix((*bridge)->socket_path());
    ASSERT_GE(fd, 0);
    // More than one TLS record and more than one buffer's worth, both ways.
    std::string big(300 * 1024, 'x');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + i % 26);
    std::thread writer([&] {
        EXPECT_EQ(::send(fd, big.data(), big.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(big.size()));
    });
    EXPECT_EQ(read_n(fd, big.size()), big);
    writer.join();

    // Accepted: the name is gone, so no second client can reach the stream.
    EXPECT_FALSE(std::filesystem::exists((*bridge)->socket_path()));
    EXPECT_LT(connect_unix((*bridge)->socket_path()), 0);
    EXPECT_FALSE((*bridge)->finished());

    ::close(fd);
    bridge->reset();
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(LocalBridge, LaterClientsMaySendOnlyACancelRequestWhichGoesOverANewStream) {
    EchoServer server(0, {.close_after = 16});  // closes after 16 bytes: a CancelRequest's length
    const TlsDialOptions o = options(server.port());
    auto stream = TlsStream::dial(o);
    ASSERT_TRUE(stream) << stream.error().message;
    int redials = 0;
    auto bridge = LocalBridge::start(std::move(*stream), [&redials, o] {
        ++redials;
        return TlsStream::dial(o);
    });
    ASSERT_TRUE(bridge);
    const int main = connect_unix((*bridge)->socket_path());
    ASSERT_GE(main, 0);

    // Not a cancel request: turned away without a new stream.
    const int other = connect_unix((*bridge)->socket_path());
    ASSERT_GE(other, 0);
    ASSERT_EQ(::send(other, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL), 18);
    char byte;
    EXPECT_LE(::recv(other, &byte, 1, 0), 0);  // EOF, or a reset for the bytes left unread
    ::close(other);
    EXPECT_EQ((*bridge)->rejected(), 1);

    // A cancel request: forwarded over a new stream; the bridge closes when the server has.
    const unsigned char cancel[16] = {0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 42, 1, 2, 3, 4};
    const int c = connect_unix((*bridge)->socket_path());
    ASSERT_GE(c, 0);
    ASSERT_EQ(::send(c, cancel, sizeof cancel, MSG_NOSIGNAL), 16);
    EXPECT_EQ(::recv(c, &byte, 1, 0), 0);
    ::close(c);
    EXPECT_EQ((*bridge)->cancels(), 1);
    EXPECT_EQ(redials, 1);
    EXPECT_EQ(server.served(), 2);

    // The first client's relay is untouched.
    ASSERT_EQ(::send(main, "ping", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(read_n(main, 4), "ping");
    ::close(main);
}

TEST(LocalBridge, TheClientSeesTheEndWhenTheServerCloses) {
    EchoServer server(0, {.close_after = 5});
    auto stream = TlsStream::dial(options(server.port()));
    ASSERT_TRUE(stream) << stream.error().message;
    auto bridge = LocalBridge::start(std::move(*stream));
    ASSERT_TRUE(bridge);
    const int fd = connect_unix((*bridge)->socket_path());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "hello", 5, MSG_NOSIGNAL), 5);
    EXPECT_EQ(read_n(fd, 5), "hello");
    char byte;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);  // EOF, not a hang
    EXPECT_TRUE((*bridge)->finished());
    EXPECT_EQ((*bridge)->failure(), "");  // an orderly close_notify
    ::close(fd);
}

TEST(LocalBridge, WhatArrivedBeforeAnEofWithoutCloseNotifyReachesTheClient) {
    // A Cloud SQL instance's proxy may close the TCP connection right after the server's
    // ErrorResponse, without close_notify: the message must still reach libpq, and the bridge
    // must not call it a failure (the connector would show its own message instead).
    EchoServer server(0, {.close_after = 5, .close_notify = false});
    auto stream = TlsStream::dial(options(server.port()));
    ASSERT_TRUE(stream) << stream.error().message;
    auto bridge = LocalBridge::start(std::move(*stream));
    ASSERT_TRUE(bridge);
    const int fd = connect_unix((*bridge)->socket_path());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "hello", 5, MSG_NOSIGNAL), 5);
    EXPECT_EQ(read_n(fd, 5), "hello");
    char byte;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);  // then EOF, not a hang
    EXPECT_TRUE((*bridge)->finished());
    EXPECT_EQ((*bridge)->failure(), "");
    ::close(fd);
}

TEST(LocalBridge, AnEofWithoutCloseNotifyBeforeAnyDataIsNamed) {
    // Nothing came from the instance at all: libpq would only see a closed socket, so the
    // bridge keeps the TLS layer's reason for the connector's message.
    EchoServer server(0, {.close_after = 5, .close_notify = false, .echo = false});
    auto stream = TlsStream::dial(options(server.port()));
    ASSERT_TRUE(stream) << stream.error().message;
    auto bridge = LocalBridge::start(std::move(*stream));
    ASSERT_TRUE(bridge);
    const int fd = connect_unix((*bridge)->socket_path());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "hello", 5, MSG_NOSIGNAL), 5);
    char byte;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
    EXPECT_TRUE((*bridge)->finished());
    EXPECT_EQ((*bridge)->failure(),
              "the Cloud SQL instance ended the TLS session: unexpected eof while reading");
    ::close(fd);
}

TEST(LocalBridge, DestroyingItWithoutAClientStopsTheThreadAndRemovesTheDirectory) {
    EchoServer server;
    auto stream = TlsStream::dial(options(server.port()));
    ASSERT_TRUE(stream);
    auto bridge = LocalBridge::start(std::move(*stream));
    ASSERT_TRUE(bridge);
    const std::string dir = (*bridge)->directory();
    bridge->reset();
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(TlsStream, RefusesLessThanTls13) {
    EchoServer server(TLS1_2_VERSION);
    bool transient = true;
    auto stream = TlsStream::dial(options(server.port()), &transient);
    ASSERT_FALSE(stream);
    EXPECT_FALSE(transient);
    EXPECT_NE(stream.error().message.find("test instance at 127.0.0.1:"), std::string::npos)
        << stream.error().message;
}

TEST(TlsStream, RefusesAChainOutsideTheGivenCa) {
    EchoServer server;
    bool transient = true;
    auto stream = TlsStream::dial(options(server.port(), test::make_ca("other").cert), &transient);
    ASSERT_FALSE(stream);
    EXPECT_FALSE(transient);
    EXPECT_NE(stream.error().message.find("does not chain to the instance's server CA"),
              std::string::npos)
        << stream.error().message;
    EXPECT_EQ(stream.error().message.find("BEGIN"), std::string::npos);
}

TEST(TlsStream, TheIdentityCheckRunsOnTheVerifiedLeaf) {
    EchoServer server;
    TlsDialOptions o = options(server.port());
    int calls = 0;
    o.verify_identity = [&](x509_st*) {
        ++calls;
        return Status(make_error(ErrorKind::Connection, "not the instance"));
    };
    bool transient = true;
    auto stream = TlsStream::dial(o, &transient);
    ASSERT_FALSE(stream);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(transient);
    EXPECT_EQ(stream.error().message, "not the instance");
}

TEST(TlsStream, AClosedPortIsATransientFailure) {
    int port = 0;
    {
        EchoServer gone;  // a port that was just free, now closed again
        port = gone.port();
    }
    bool transient = false;
    auto stream = TlsStream::dial(options(port), &transient);
    ASSERT_FALSE(stream);
    EXPECT_TRUE(transient);
    EXPECT_NE(stream.error().message.find("Connection refused"), std::string::npos)
        << stream.error().message;
}

}  // namespace
}  // namespace pgmi::conn
