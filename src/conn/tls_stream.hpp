// A client TLS connection for the Cloud SQL dialer: TCP to an IP literal, TLS 1.3 only, a client
// certificate and key held in memory (never written anywhere), the server's chain checked against
// the given CA certificates only (the system store is not consulted; any of them may be the
// anchor), then the caller's own check of the server's identity before any byte of application
// data moves. Errors name `label` (the instance) and never quote certificates or keys. A
// transport failure (refused, reset, closed, timed out) is a transient Connection error; a
// verification failure is a permanent one.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "cloud/crypto.hpp"
#include "util/error.hpp"

struct ssl_st;
struct x509_st;

namespace pgmi::conn {

struct TlsDialOptions {
    std::string label;  // for messages, e.g. "Cloud SQL instance p:r:i"
    std::string ip;     // IPv4 or IPv6 literal
    int port = 0;
    std::string sni;  // server name sent, "" for none
    std::string client_cert_pem;
    std::optional<cloud::PrivateKey> client_key;  // the certificate's key (shared, not copied)
    std::string trusted_ca_pem;                   // one or more certificates
    std::chrono::milliseconds timeout{10000};     // TCP connect plus handshake
    /// Checks the verified leaf certificate; an error ends the dial with that error.
    std::function<Status(x509_st* leaf)> verify_identity;
};

/// An established TLS connection. Move-only; closing sends close_notify when it can.
class TlsStream {
  public:
    /// Connects and handshakes. `transient` (when given) says whether a failure is worth another
    /// attempt.
    static Result<TlsStream> dial(const TlsDialOptions& options, bool* transient = nullptr);

    TlsStream(TlsStream&& other) noexcept;
    TlsStream& operator=(TlsStream&& other) noexcept;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;
    ~TlsStream();

    int fd() const { return fd_; }  // non-blocking after dial()
    ssl_st* ssl() const { return ssl_; }

  private:
    TlsStream(int fd, ssl_st* ssl) : fd_(fd), ssl_(ssl) {}
    void close();

    int fd_ = -1;
    ssl_st* ssl_ = nullptr;
};

}  // namespace pgmi::conn
