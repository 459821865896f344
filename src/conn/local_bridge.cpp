#include "conn/local_bridge.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "conn/cancel_request.hpp"
#include "conn/sigpipe.hpp"

namespace pgmi::conn {
namespace {

// How much each direction buffers before it stops reading from its source.
constexpr size_t kBuffer = size_t{64} * 1024;
constexpr size_t kChunk = size_t{16} * 1024;

std::string socket_file(const std::string& dir) {
    return dir + "/.s.PGSQL." + std::to_string(LocalBridge::kPort);
}

/// A fresh 0700 directory whose socket path fits sockaddr_un, or "".
std::string make_private_dir() {
    std::vector<std::string> bases;
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0')
        bases.emplace_back(t);
    bases.emplace_back("/tmp");
    for (const auto& base : bases) {
        std::string templ = base + "/pgmi-cloudsql-XXXXXX";
        if (socket_file(templ).size() >= sizeof(sockaddr_un{}.sun_path))
            continue;
        // mkdtemp creates the directory with mode 0700.
        if (::mkdtemp(templ.data()) != nullptr)
            return templ;
    }
    return "";
}

using Steady = std::chrono::steady_clock;

bool wait_fd(int fd, short events, Steady::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Steady::now());
    if (left.count() <= 0)
        return false;
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

}  // namespace

Result<std::shared_ptr<LocalBridge>> LocalBridge::start(TlsStream stream, Redial redial) {
    const std::string dir = make_private_dir();
    if (dir.empty())
        return make_error(ErrorKind::Connection,
                          std::string("cannot create a private directory for the Cloud SQL "
                                      "bridge in $TMPDIR or /tmp: ") +
                              std::strerror(errno));
    auto give_up = [&](const char* what) {
        const int err = errno;
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
        return make_error(ErrorKind::Connection, std::string("cannot ") + what +
                                                     " the Cloud SQL bridge socket in " + dir +
                                                     ": " + std::strerror(err));
    };
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return give_up("create");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = socket_file(dir);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0) {
        auto e = give_up("bind");
        ::close(fd);
        return e;
    }
    int stop[2];
    if (::pipe2(stop, O_CLOEXEC | O_NONBLOCK) != 0) {
        auto e = give_up("signal");
        ::close(fd);
        return e;
    }
    return std::shared_ptr<LocalBridge>(
        new LocalBridge(std::move(stream), std::move(redial), dir, fd, stop[0], stop[1]));
}

LocalBridge::LocalBridge(TlsStream stream, Redial redial, std::string dir, int listen_fd,
                         int stop_read, int stop_write)
    : stream_(std::move(stream)),
      redial_(std::move(redial)),
      dir_(std::move(dir)),
      listen_fd_(listen_fd),
      stop_read_(stop_read),
      stop_write_(stop_write),
      thread_([this] { run(); }) {}

LocalBridge::~LocalBridge() {
    const char byte = 1;
    (void)!::write(stop_write_, &byte, 1);
    if (thread_.joinable())
        thread_.join();
    for (int fd : {client_fd_, listen_fd_, stop_read_, stop_write_}) {
        if (fd >= 0)
            ::close(fd);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    // stream_ closes last (member order), sending close_notify.
}

std::string LocalBridge::socket_path() const {
    return socket_file(dir_);
}

std::string LocalBridge::failure() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
}

void LocalBridge::fail(std::string why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure_.empty())
        failure_ = std::move(why);
}

void LocalBridge::run() {
    SigpipeGuard no_sigpipe;  // for this thread's whole life
    if (accept_client())
        relay();
    finished_ = true;
    if (client_fd_ >= 0)
        ::shutdown(client_fd_, SHUT_RDWR);  // libpq sees the end instead of waiting forever
}

int LocalBridge::accept_one() {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::geteuid()) {
        // The directory is 0700, so only root could get here; still, the stream is ours.
        ++rejected_;
        ::close(fd);
        return -1;
    }
    return fd;
}

bool LocalBridge::accept_client() {
    for (;;) {
        pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_read_, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail(std::string("poll: ") + std::strerror(errno));
            return false;
        }
        if (p[1].revents != 0)
            return false;
        const int fd = accept_one();
        if (fd < 0)
            continue;
        client_fd_ = fd;
        if (!redial_) {
            // Nothing but the one client: nobody else can connect once the name is gone.
            ::unlink(socket_path().c_str());
            ::close(listen_fd_);
            listen_fd_ = -1;
        }
        return true;
    }
}

void LocalBridge::serve_cancel(int fd) {
    // PQcancel sends exactly one CancelRequest (conn/cancel_request), then waits for the server
    // to close. The main relay waits meanwhile, so anything else is turned away as soon as its
    // first 8 bytes show it, and a silent client after 2 s.
    const auto until = Steady::now() + std::chrono::seconds(2);
    char req[kCancelRequestSize];
    size_t got = 0;
    CancelFrame frame = CancelFrame::Incomplete;
    while (frame == CancelFrame::Incomplete && wait_fd(fd, POLLIN, until)) {
        const ssize_t n = ::recv(fd, req + got, sizeof req - got, 0);
        if (n <= 0)
            break;
        got += static_cast<size_t>(n);
        frame = classify_cancel_request(std::string_view(req, got));
    }
    if (frame != CancelFrame::Cancel) {
        ++rejected_;
        ::close(fd);
        return;
    }
    auto stream = redial_();
    if (stream) {
        SSL* ssl = stream->ssl();
        size_t sent = 0;
        while (sent < sizeof req) {
            const int n = SSL_write(ssl, req + sent, static_cast<int>(sizeof req - sent));
            if (n > 0) {
                sent += static_cast<size_t>(n);
                continue;
            }
            const int why = SSL_get_error(ssl, n);
            if ((why != SSL_ERROR_WANT_WRITE && why != SSL_ERROR_WANT_READ) ||
                !wait_fd(stream->fd(), why == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, until))
                break;
        }
        // Like PQcancel, wait for the server to close: then the request was seen.
        char sink[256];
        while (sent == sizeof req) {
            const int n = SSL_read(ssl, sink, sizeof sink);
            if (n > 0)
                continue;
            if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ ||
                !wait_fd(stream->fd(), POLLIN, until))
                break;
        }
        ERR_clear_error();
        if (sent == sizeof req)
            ++cancels_;
    }
    ::close(fd);
}

void LocalBridge::relay() {
    SSL* ssl = stream_.ssl();
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    std::string up;    // from libpq, to the instance
    std::string down;  // from the instance, to libpq
    bool client_eof = false;
    bool server_eof = false;
    bool stopping = false;
    bool received_any = false;  // application data from the instance, ever
    char buf[kChunk];
    for (;;) {
        bool tls_in = false;   // OpenSSL waits for the TLS socket to be readable
        bool tls_out = false;  // ... or writable
        bool local_out = false;
        // Move what can move without blocking, until nothing does.
        for (bool progress = true; progress;) {
            progress = false;
            if (!server_eof && down.size() < kBuffer) {
                const int n = SSL_read(ssl, buf, sizeof buf);
                if (n > 0) {
                    down.append(buf, static_cast<size_t>(n));
                    received_any = true;
                    progress = true;
                } else {
                    const int why = SSL_get_error(ssl, n);
                    if (why == SSL_ERROR_WANT_READ) {
                        tls_in = true;
                    } else if (why == SSL_ERROR_WANT_WRITE) {
                        tls_out = true;
                    } else {
                        // Without close_notify (the instance's proxy closes the TCP connection
                        // right after the server's ErrorResponse), OpenSSL 3 reports an
                        // "unexpected eof". What arrived before it is delivered to libpq all the
                        // same (the PostgreSQL protocol frames its own messages, so a cut is seen
                        // there); it is only the bridge's failure when nothing came at all.
                        if (why != SSL_ERROR_ZERO_RETURN && !received_any) {
                            const unsigned long code = ERR_get_error();
                            const char* r = code != 0 ? ERR_reason_error_string(code) : nullptr;
                            fail(std::string("the Cloud SQL instance ended the TLS session") +
                                 (r != nullptr ? std::string(": ") + r : std::string()));
                        }
                        ERR_clear_error();
                        server_eof = true;
                    }
                }
            }
            if (!down.empty()) {
                const ssize_t n = ::send(client_fd_, down.data(), down.size(), MSG_NOSIGNAL);
                if (n > 0) {
                    down.erase(0, static_cast<size_t>(n));
                    progress = true;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    local_out = true;
                } else {
                    return;  // libpq went away; nothing left to deliver to
                }
            }
            if (!client_eof && up.size() < kBuffer) {
                const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
                if (n > 0) {
                    up.append(buf, static_cast<size_t>(n));
                    progress = true;
                } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    client_eof = true;
                }
            }
            if (!up.empty()) {
                const int n =
                    SSL_write(ssl, up.data(), static_cast<int>(std::min(up.size(), kChunk)));
                if (n > 0) {
                    up.erase(0, static_cast<size_t>(n));
                    progress = true;
                } else {
                    const int why = SSL_get_error(ssl, n);
                    if (why == SSL_ERROR_WANT_WRITE) {
                        tls_out = true;
                    } else if (why == SSL_ERROR_WANT_READ) {
                        tls_in = true;
                    } else {
                        ERR_clear_error();
                        fail("writing to the Cloud SQL instance failed");
                        return;
                    }
                }
            }
        }
        if ((client_eof && up.empty()) || (server_eof && down.empty()) || stopping)
            return;
        pollfd p[4] = {{stream_.fd(), 0, 0},
                       {client_fd_, 0, 0},
                       {stop_read_, POLLIN, 0},
                       {listen_fd_, POLLIN, 0}};  // -1 (ignored) without redial
        if (tls_in)
            p[0].events |= POLLIN;
        if (tls_out)
            p[0].events |= POLLOUT;
        if (!client_eof && up.size() < kBuffer)
            p[1].events |= POLLIN;
        if (local_out)
            p[1].events |= POLLOUT;
        if (::poll(p, 4, -1) < 0 && errno != EINTR) {
            fail(std::string("poll: ") + std::strerror(errno));
            return;
        }
        if (p[3].revents != 0) {
            if (const int fd = accept_one(); fd >= 0)
                serve_cancel(fd);
        }
        // Asked to stop: one more pass delivers what libpq wrote last (its Terminate message).
        if (p[2].revents != 0)
            stopping = true;
    }
}

}  // namespace pgmi::conn
