// The local end of the Cloud SQL tunnel: libpq cannot take a foreign socket, so pgmi listens on a
// Unix socket in a fresh private directory (mode 0700, under $TMPDIR or /tmp) and relays the one
// connection it accepts, from this user only, to an established TlsStream, in a thread of its
// own. libpq connects with host=<directory()> port=<port()> sslmode=disable; the encryption is
// the stream's. Later clients (this user only) may send one thing: a CancelRequest (what
// PQcancel sends on a new connection), which the bridge forwards over a new stream from
// `redial`; anything else is turned away, and without `redial` the socket file is removed once
// the first client is in. The bridge lives as long as its owner keeps it
// (pg::Connection::keep_alive):
// destroying it relays what libpq already sent (its Terminate message), stops the thread, closes
// both ends (close_notify on the TLS side) and removes the directory.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "conn/tls_stream.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

class LocalBridge {
  public:
    /// The port number in the socket's name (.s.PGSQL.<port>); the directory is private anyway.
    static constexpr int kPort = 5432;

    /// A new stream to the same server, for a cancel request (called on the bridge's thread).
    using Redial = std::function<Result<TlsStream>()>;

    /// Starts listening and relaying. Connection error when the directory or socket cannot be
    /// made.
    static Result<std::shared_ptr<LocalBridge>> start(TlsStream stream, Redial redial = {});

    ~LocalBridge();
    LocalBridge(const LocalBridge&) = delete;
    LocalBridge& operator=(const LocalBridge&) = delete;

    const std::string& directory() const { return dir_; }
    int port() const { return kPort; }
    std::string socket_path() const;

    /// True once the relay has ended: either side closed, or a transfer failed.
    bool finished() const { return finished_.load(); }
    /// Why the relay ended early ("" while it runs, after an orderly close by either side, or
    /// when the instance closed without close_notify after it had sent data: what it sent is
    /// relayed to libpq in full either way).
    std::string failure() const;
    /// How many local clients were turned away (another user's, or not a cancel request).
    int rejected() const { return rejected_.load(); }
    /// How many cancel requests were forwarded.
    int cancels() const { return cancels_.load(); }

  private:
    LocalBridge(TlsStream stream, Redial redial, std::string dir, int listen_fd, int stop_read,
                int stop_write);
    void run();
    int accept_one();
    bool accept_client();
    void serve_cancel(int fd);
    void relay();
    void fail(std::string why);

    TlsStream stream_;
    Redial redial_;
    std::string dir_;
    int listen_fd_ = -1;
    int client_fd_ = -1;
    int stop_read_ = -1;
    int stop_write_ = -1;
    std::atomic<bool> finished_{false};
    std::atomic<int> rejected_{0};
    std::atomic<int> cancels_{0};
    mutable std::mutex mu_;
    std::string failure_;
    std::thread thread_;  // last: started once everything above is set
};

}  // namespace pgmi::conn
