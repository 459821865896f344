// A loopback TLS front for the PostgreSQL wire protocol, standing in for a managed server that
// takes a token as a cleartext password over TLS (RDS IAM). It answers the client's SSLRequest
// with 'S' and does TLS with the given certificate. It then asks the client for a cleartext
// password itself, records it and calls `on_password` (which may set the role's password to it),
// and only then opens the real PostgreSQL over plain TCP, relays the StartupMessage, answers the
// server's cleartext password request with the client's PasswordMessage, and relays bytes both
// ways from there. One thread per client connection; 127.0.0.1 only.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pgmi::test {

struct PgTlsFrontOptions {
    std::filesystem::path cert, key;  // PEM files of the front's server certificate
    int backend_port = 0;             // the real PostgreSQL on 127.0.0.1, plain TCP
    /// The user of the StartupMessage and the password the client sent (called on the
    /// connection's thread, before the password is forwarded).
    std::function<void(const std::string& user, const std::string& password)> on_password;
};

class PgTlsFront {
  public:
    explicit PgTlsFront(PgTlsFrontOptions options);  // listens on 127.0.0.1:0
    ~PgTlsFront();
    PgTlsFront(const PgTlsFront&) = delete;
    PgTlsFront& operator=(const PgTlsFront&) = delete;

    int port() const { return port_; }
    /// Every password received, in order.
    std::vector<std::string> passwords() const;
    /// How many clients asked for TLS, and how many connections arrived in all.
    int tls_clients() const { return tls_clients_.load(); }
    int connections() const { return connections_.load(); }

  private:
    void serve();
    void handle(int client_fd);

    PgTlsFrontOptions options_;
    void* ctx_ = nullptr;  // SSL_CTX
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    int port_ = 0;
    std::thread acceptor_;
    std::mutex mu_;
    std::vector<std::thread> workers_;
    mutable std::mutex passwords_mu_;
    std::vector<std::string> passwords_;
    std::atomic<int> tls_clients_{0};
    std::atomic<int> connections_{0};
};

}  // namespace pgmi::test
