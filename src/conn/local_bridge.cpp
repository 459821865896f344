#include "conn/local_bridge.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "conn/sigpipe.hpp"

namespace pgmi::conn {
namespace {

// How much each direction buffers before it stops reading from its source.
constexpr size_t kBuffer = 64 * 1024;
constexpr size_t kChunk = 16 * 1024;

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

}  // namespace

Result<std::shared_ptr<LocalBridge>> LocalBridge::start(TlsStream stream) {
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
        new LocalBridge(std::move(stream), dir, fd, stop[0], stop[1]));
}

LocalBridge::LocalBridge(TlsStream stream, std::string dir, int listen_fd, int stop_read,
                         int stop_write)
    : stream_(std::move(stream)),
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
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        ucred peer{};
        socklen_t len = sizeof peer;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
            peer.uid != ::geteuid()) {
            // The directory is 0700, so only root could get here; still, the stream is ours.
            ++rejected_;
            ::close(fd);
            continue;
        }
        client_fd_ = fd;
        // One client only: nobody else can connect once the name is gone.
        ::unlink(socket_path().c_str());
        ::close(listen_fd_);
        listen_fd_ = -1;
        return true;
    }
}

void LocalBridge::relay() {
    SSL* ssl = stream_.ssl();
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    std::string up;    // from libpq, to the instance
    std::string down;  // from the instance, to libpq
    bool client_eof = false;
    bool server_eof = false;
    bool stopping = false;
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
                    progress = true;
                } else {
                    const int why = SSL_get_error(ssl, n);
                    if (why == SSL_ERROR_WANT_READ) {
                        tls_in = true;
                    } else if (why == SSL_ERROR_WANT_WRITE) {
                        tls_out = true;
                    } else {
                        if (why != SSL_ERROR_ZERO_RETURN) {
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
        pollfd p[3] = {{stream_.fd(), 0, 0}, {client_fd_, 0, 0}, {stop_read_, POLLIN, 0}};
        if (tls_in)
            p[0].events |= POLLIN;
        if (tls_out)
            p[0].events |= POLLOUT;
        if (!client_eof && up.size() < kBuffer)
            p[1].events |= POLLIN;
        if (local_out)
            p[1].events |= POLLOUT;
        if (::poll(p, 3, -1) < 0 && errno != EINTR) {
            fail(std::string("poll: ") + std::strerror(errno));
            return;
        }
        // Asked to stop: one more pass delivers what libpq wrote last (its Terminate message).
        if (p[2].revents != 0)
            stopping = true;
    }
}

}  // namespace pgmi::conn
