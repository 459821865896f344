#include "conn/tls_stream.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "cloud/http.hpp"
#include "conn/sigpipe.hpp"
#include "util/openssl.hpp"

namespace pgmi::conn {
namespace {

using Clock = std::chrono::steady_clock;

std::string where(const TlsDialOptions& o) {
    const bool v6 = o.ip.find(':') != std::string::npos;
    return o.label + " at " + (v6 ? "[" + o.ip + "]" : o.ip) + ":" + std::to_string(o.port);
}

/// The first queued OpenSSL error as text ("" when none), and the queue cleared.
std::string openssl_reason() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return "";
    const char* reason = ERR_reason_error_string(code);
    return reason != nullptr ? reason : "error " + std::to_string(code);
}

/// Every certificate of a PEM bundle, in order.
std::vector<util::X509Ptr> read_certs(const std::string& pem) {
    std::vector<util::X509Ptr> out;
    util::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (bio) {
        X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
        if (cert == nullptr)
            break;
        out.emplace_back(cert);
    }
    ERR_clear_error();  // the end of the bundle queues a "no start line"
    return out;
}

/// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

/// A non-blocking TCP connection to ip:port, or an error (sets `transient`).
Result<int> tcp_connect(const TlsDialOptions& o, Clock::time_point deadline, bool& transient) {
    // The test guard of cloud/http covers this dialer too: tests never leave loopback.
    if (cloud::loopback_only() && !cloud::is_loopback_host(o.ip))
        return make_error(ErrorKind::Unexpected,
                          "loopback-only test mode refuses to dial " + where(o));
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(o.port);
    if (::getaddrinfo(o.ip.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
        transient = false;
        return make_error(ErrorKind::Connection,
                          o.label + " has an address pgmi cannot dial: \"" + o.ip + "\"");
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return make_error(ErrorKind::Connection,
                          "cannot create a socket for " + where(o) + ": " + std::strerror(errno));
    int err = 0;
    if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            if (!wait_for(fd, POLLOUT, deadline)) {
                ::close(fd);
                transient = true;
                return make_error(ErrorKind::Connection,
                                  "connection to " + where(o) + " timed out");
            }
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
    }
    if (err != 0) {
        ::close(fd);
        transient = true;
        // strerror's words ("Connection refused", "Network is unreachable") are the ones the
        // retry classification knows.
        return make_error(ErrorKind::Connection,
                          "could not connect to " + where(o) + ": " + std::strerror(err));
    }
    return fd;
}

Result<util::SslCtxPtr> make_context(const TlsDialOptions& o) {
    util::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1)
        return make_error(ErrorKind::Unexpected, "cannot set up TLS 1.3: " + openssl_reason());
    auto anchors = read_certs(o.trusted_ca_pem);
    if (anchors.empty())
        return make_error(ErrorKind::Connection,
                          o.label + ": the server CA certificate is not readable PEM");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    for (auto& c : anchors)
        X509_STORE_add_cert(store, c.get());
    // Cloud SQL may hand out an intermediate with its root; either one anchors the chain.
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);

    auto own = read_certs(o.client_cert_pem);
    if (own.empty())
        return make_error(ErrorKind::Connection,
                          o.label + ": the ephemeral client certificate is not readable PEM");
    if (SSL_CTX_use_certificate(ctx.get(), own[0].get()) != 1)
        return make_error(
            ErrorKind::Connection,
            o.label + ": the ephemeral client certificate was refused: " + openssl_reason());
    for (size_t i = 1; i < own.size(); ++i)
        SSL_CTX_ctrl(ctx.get(), SSL_CTRL_CHAIN_CERT, 1, own[i].get());  // SSL_CTX_add1_chain_cert
    if (!o.client_key || SSL_CTX_use_PrivateKey(ctx.get(), o.client_key->get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
        ERR_clear_error();
        return make_error(ErrorKind::Connection,
                          o.label +
                              ": the ephemeral client certificate does not match the key "
                              "pgmi generated for it");
    }
    return ctx;
}

}  // namespace

Result<TlsStream> TlsStream::dial(const TlsDialOptions& o, bool* transient_out) {
    bool transient = false;
    auto report = [&](Error e) {
        if (transient_out != nullptr)
            *transient_out = transient;
        return e;
    };
    ERR_clear_error();
    auto ctx = make_context(o);
    if (!ctx)
        return report(ctx.error());
    const auto deadline = Clock::now() + o.timeout;
    auto fd = tcp_connect(o, deadline, transient);
    if (!fd)
        return report(fd.error());
    SSL* ssl = SSL_new(ctx->get());
    if (ssl == nullptr) {
        ::close(*fd);
        return report(make_error(ErrorKind::Unexpected, "cannot set up TLS: " + openssl_reason()));
    }
    TlsStream stream(*fd, ssl);  // owns both from here
    SSL_set_fd(ssl, *fd);
    if (!o.sni.empty())
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(o.sni.c_str()));  // SSL_set_tlsext_host_name, minus its C cast

    SigpipeGuard no_sigpipe;
    for (;;) {
        errno = 0;
        const int rc = SSL_connect(ssl);
        if (rc == 1)
            break;
        const int why = SSL_get_error(ssl, rc);
        if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
            if (wait_for(*fd, why == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
                continue;
            transient = true;
            return report(
                make_error(ErrorKind::Connection, "the handshake with " + where(o) + " timed out"));
        }
        const long verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK) {
            ERR_clear_error();
            return report(
                make_error(ErrorKind::Connection,
                           where(o) +
                               " presented a server certificate that does not chain to the "
                               "instance's server CA (" +
                               X509_verify_cert_error_string(verify) + ")"));
        }
        std::string reason = openssl_reason();
        if (why == SSL_ERROR_SYSCALL || why == SSL_ERROR_ZERO_RETURN || reason.empty() ||
            reason == "unexpected eof while reading") {
            transient = true;
            const int sys = errno;
            return report(make_error(
                ErrorKind::Connection,
                where(o) + ": the server closed the connection during the handshake" +
                    (sys != 0 ? std::string(" (") + std::strerror(sys) + ")" : std::string())));
        }
        return report(make_error(ErrorKind::Connection,
                                 "the TLS handshake with " + where(o) + " failed: " + reason));
    }
    if (SSL_version(ssl) != TLS1_3_VERSION)
        return report(make_error(ErrorKind::Connection, where(o) + " did not negotiate TLS 1.3"));
    X509* leaf = SSL_get0_peer_certificate(ssl);
    if (leaf == nullptr)
        return report(
            make_error(ErrorKind::Connection, where(o) + " presented no server certificate"));
    if (o.verify_identity) {
        if (Status s = o.verify_identity(leaf); !s)
            return report(s.error());
    }
    return stream;
}

TlsStream::TlsStream(TlsStream&& other) noexcept : fd_(other.fd_), ssl_(other.ssl_) {
    other.fd_ = -1;
    other.ssl_ = nullptr;
}

TlsStream& TlsStream::operator=(TlsStream&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        ssl_ = std::exchange(other.ssl_, nullptr);
    }
    return *this;
}

TlsStream::~TlsStream() {
    close();
}

void TlsStream::close() {
    if (ssl_ != nullptr) {
        SigpipeGuard no_sigpipe;
        // One best-effort close_notify; the socket is non-blocking, so this never waits.
        if (SSL_is_init_finished(ssl_) != 0)
            SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ERR_clear_error();
        ssl_ = nullptr;
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

}  // namespace pgmi::conn
