// A stand-in for a Cloud SQL instance's server-side proxy, on loopback: TLS 1.3 on
// <random 127.a.b.c>:3307 that DEMANDS a client certificate signed by the given client CA,
// presents the server certificate it is told to, reads the PostgreSQL startup message that
// arrives directly inside TLS (an SSLRequest is refused), refuses a user other than the one the
// client certificate names (its CN, without ".gserviceaccount.com", like Cloud SQL's IAM
// login), and forwards the rest to a real PostgreSQL's TCP port; a CancelRequest is forwarded
// as is. It ends each connection with close_notify unless told not to. Written with OpenSSL's API
// directly, independent of src/. Header only, for the conn integration tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/x509_maker.hpp"

namespace pgmi::test {

class CloudSqlFront {
  public:
    CloudSqlFront(std::string client_ca_pem, int pg_port)
        : client_ca_(std::move(client_ca_pem)), pg_port_(pg_port) {
        std::random_device rd;
        std::uniform_int_distribution<int> octet(1, 254);
        for (int tries = 0; tries < 50 && listen_fd_ < 0; ++tries) {
            const std::string ip = "127." + std::to_string(octet(rd)) + "." +
                                   std::to_string(octet(rd)) + "." + std::to_string(octet(rd));
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(3307);
            ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
            if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                ::listen(fd, 16) == 0) {
                listen_fd_ = fd;
                ip_ = ip;
            } else {
                ::close(fd);
            }
        }
        if (listen_fd_ < 0 || ::pipe(wake_) != 0)
            throw std::runtime_error("cannot listen on 127.x.y.z:3307");
        thread_ = std::thread([this] { serve(); });
    }

    ~CloudSqlFront() {
        (void)!::write(wake_[1], "x", 1);
        thread_.join();
        for (auto& t : conns_)
            t.join();
        ::close(listen_fd_);
        ::close(wake_[0]);
        ::close(wake_[1]);
    }
    CloudSqlFront(const CloudSqlFront&) = delete;
    CloudSqlFront& operator=(const CloudSqlFront&) = delete;

    const std::string& ip() const { return ip_; }
    void set_server_cert(PemPair cert) {
        std::lock_guard<std::mutex> l(mu_);
        server_ = std::move(cert);
    }
    /// The next `n` TCP connections are closed at once, before any TLS (a flaky network).
    void drop_next(int n) { drop_ = n; }
    /// false: a connection ends with a bare TCP close, no close_notify (as the Cloud SQL
    /// instance's proxy does right after the server's ErrorResponse).
    void set_close_notify(bool on) { close_notify_ = on; }

    int handshakes() const { return handshakes_; }  // completed, client certificate verified
    int rejected() const { return rejected_; }      // TLS refused (no or untrusted cert)
    int cancels() const { return cancels_; }        // CancelRequests forwarded
    /// Waits (up to 20 s) until `n` refusals were counted: the front counts after its alert
    /// went out, so a client can see the refusal first.
    bool wait_for_rejected(int n) const {
        for (int i = 0; i < 2000 && rejected_ < n; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return rejected_ >= n;
    }
    std::vector<std::string> client_cns() const {
        std::lock_guard<std::mutex> l(mu_);
        return cns_;
    }
    std::vector<std::string> startup_users() const {
        std::lock_guard<std::mutex> l(mu_);
        return users_;
    }

  private:
    static void block_sigpipe() {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &s, nullptr);
    }

    void serve() {
        block_sigpipe();
        for (;;) {
            pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            if (::poll(p, 2, -1) < 0)
                continue;
            if (p[1].revents != 0)
                return;
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            if (drop_ > 0) {
                --drop_;
                ::close(fd);
                continue;
            }
            conns_.emplace_back([this, fd] { handle(fd); });
        }
    }

    SSL_CTX* context() {
        std::lock_guard<std::mutex> l(mu_);
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
        X509* cert = x509_detail::read_cert(server_.cert);
        EVP_PKEY* key = x509_detail::read_key(server_.key, true);
        SSL_CTX_use_certificate(ctx, cert);
        SSL_CTX_use_PrivateKey(ctx, key);
        X509_free(cert);
        EVP_PKEY_free(key);
        X509* ca = x509_detail::read_cert(client_ca_);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
        X509_free(ca);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        return ctx;
    }

    static bool read_exact(SSL* ssl, char* out, size_t n) {
        size_t got = 0;
        while (got < n) {
            const int r = SSL_read(ssl, out + got, static_cast<int>(n - got));
            if (r <= 0)
                return false;
            got += static_cast<size_t>(r);
        }
        return true;
    }

    static void send_error(SSL* ssl, const std::string& code, const std::string& msg) {
        std::string body = "SFATAL";
        body += '\0';
        body += "VFATAL";
        body += '\0';
        body += "C" + code;
        body += '\0';
        body += "M" + msg;
        body += '\0';
        body += '\0';
        const uint32_t len = htonl(static_cast<uint32_t>(body.size() + 4));
        std::string packet = "E";
        packet.append(reinterpret_cast<const char*>(&len), 4);
        packet += body;
        SSL_write(ssl, packet.data(), static_cast<int>(packet.size()));
    }

    void handle(int fd) {
        block_sigpipe();
        timeval tv{20, 0};  // a stuck test fails instead of hanging
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL_CTX* ctx = context();
        SSL* ssl = SSL_new(ctx);
        SSL_CTX_free(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {
            ++rejected_;
            ERR_clear_error();
            SSL_free(ssl);
            ::close(fd);
            return;
        }
        ++handshakes_;
        std::string cn;
        if (X509* peer = SSL_get0_peer_certificate(ssl)) {
            char buf[256] = {0};
            X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof buf);
            cn = buf;
        }
        std::string user;
        char head[4];
        std::string startup;
        if (read_exact(ssl, head, 4)) {
            uint32_t len = 0;
            std::memcpy(&len, head, 4);
            len = ntohl(len);
            if (len >= 8 && len < 10000) {
                startup.assign(head, 4);
                std::string rest(len - 4, '\0');
                if (read_exact(ssl, rest.data(), rest.size()))
                    startup += rest;
                else
                    startup.clear();
            }
        }
        uint32_t protocol = 0;
        if (startup.size() >= 8) {
            std::memcpy(&protocol, startup.data() + 4, 4);
            protocol = ntohl(protocol);
        }
        for (size_t i = 8; protocol == 196608 && i < startup.size();) {
            const std::string key = startup.c_str() + i;
            i += key.size() + 1;
            if (key.empty() || i >= startup.size())
                break;
            const std::string value = startup.c_str() + i;
            i += value.size() + 1;
            if (key == "user")
                user = value;
        }
        {
            std::lock_guard<std::mutex> l(mu_);
            cns_.push_back(cn);
            users_.push_back(user);
        }
        std::string expected = cn;
        const std::string suffix = ".gserviceaccount.com";
        if (expected.size() > suffix.size() &&
            expected.compare(expected.size() - suffix.size(), suffix.size(), suffix) == 0)
            expected.resize(expected.size() - suffix.size());
        if (protocol == 80877102 && startup.size() == 16) {
            ++cancels_;  // a CancelRequest carries no user: the certificate was enough
            relay(ssl, fd, startup);
        } else if (protocol != 196608) {
            send_error(ssl, "08P01", "expected a startup message directly inside TLS");
        } else if (user != expected) {
            send_error(ssl, "28000",
                       "Cloud SQL IAM authentication failed for user \"" + user +
                           "\": the client certificate is for another principal");
        } else {
            relay(ssl, fd, startup);
        }
        if (close_notify_)
            SSL_shutdown(ssl);
        SSL_free(ssl);
        ::close(fd);
    }

    void relay(SSL* ssl, int fd, const std::string& startup) {
        const int pg = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(pg_port_));
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::connect(pg, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::send(pg, startup.data(), startup.size(), MSG_NOSIGNAL) !=
                static_cast<ssize_t>(startup.size())) {
            ::close(pg);
            return;
        }
        char buf[16384];
        for (;;) {
            pollfd p[3] = {{fd, POLLIN, 0}, {pg, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            if (SSL_pending(ssl) == 0 && ::poll(p, 3, -1) < 0)
                continue;
            if (p[2].revents != 0)
                break;
            if (SSL_pending(ssl) > 0 || p[0].revents != 0) {
                const int n = SSL_read(ssl, buf, sizeof buf);
                if (n <= 0 || ::send(pg, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
                    break;
            }
            if (p[1].revents != 0) {
                const ssize_t n = ::recv(pg, buf, sizeof buf, 0);
                if (n <= 0 || SSL_write(ssl, buf, static_cast<int>(n)) != n)
                    break;
            }
        }
        ::close(pg);
    }

    std::string client_ca_;
    int pg_port_;
    std::string ip_;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<int> drop_{0};
    std::atomic<bool> close_notify_{true};
    std::atomic<int> handshakes_{0};
    std::atomic<int> rejected_{0};
    std::atomic<int> cancels_{0};
    mutable std::mutex mu_;
    PemPair server_;
    std::vector<std::string> cns_;
    std::vector<std::string> users_;
    std::vector<std::thread> conns_;  // touched by the accept thread only, joined at the end
    std::thread thread_;
};

}  // namespace pgmi::test
