#include "support/stall_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace pgmi::test {

namespace {

int connect_loopback(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Writes all of buf (blocking); false when the peer is gone.
bool write_all(int fd, const char* buf, size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, buf, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

struct Pair {
    int client;
    int server;
    bool client_open = true;  // false once a stalled client closed: the close is swallowed too
};

}  // namespace

StallProxy::StallProxy(int backend_port) : backend_port_(backend_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(wake_, O_CLOEXEC) != 0) {
        throw std::runtime_error("stall proxy: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
}

StallProxy::~StallProxy() {
    stopping_ = true;
    char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void StallProxy::stall() {
    stalled_ = true;
    char c = 's';
    (void)!::write(wake_[1], &c, 1);
}

void StallProxy::run() {
    std::vector<Pair> pairs;
    std::vector<pollfd> fds;
    char buf[65536];
    while (!stopping_) {
        // [0] wake pipe, [1] listener, then per pair: client (while open), server.
        fds.clear();
        fds.push_back({wake_[0], POLLIN, 0});
        fds.push_back({listen_fd_, POLLIN, 0});
        const bool stalled = stalled_;
        for (const Pair& p : pairs) {
            fds.push_back({p.client_open ? p.client : -1, POLLIN, 0});
            fds.push_back({p.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents != 0) {
            char drain[64];
            (void)!::read(wake_[0], drain, sizeof drain);
            continue;  // re-evaluate the stall flag and stopping_
        }
        if (fds[1].revents & POLLIN) {
            int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) {
                ++connections_;
                int server = connect_loopback(backend_port_);
                if (server < 0) {
                    ::close(client);
                } else {
                    pairs.push_back({client, server});
                }
            }
            continue;  // the pairs changed: rebuild the poll set
        }
        std::vector<size_t> closed;
        for (size_t i = 0; i < pairs.size(); ++i) {
            const pollfd& c = fds[2 + 2 * i];
            const pollfd& s = fds[3 + 2 * i];
            bool gone = false;
            if (c.fd >= 0 && (c.revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = ::recv(pairs[i].client, buf, sizeof buf, 0);
                if (!stalled) {
                    gone = n <= 0 || !write_all(pairs[i].server, buf, static_cast<size_t>(n));
                } else if (n > 0) {
                    held_bytes_ += n;
                } else {
                    pairs[i].client_open = false;
                }
            }
            if (!gone && (s.revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = ::recv(pairs[i].server, buf, sizeof buf, 0);
                gone = n <= 0 || !write_all(pairs[i].client, buf, static_cast<size_t>(n));
            }
            if (gone)
                closed.push_back(i);
        }
        for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
            ::close(pairs[*it].client);
            ::close(pairs[*it].server);
            pairs.erase(pairs.begin() + static_cast<long>(*it));
        }
    }
    for (const Pair& p : pairs) {
        ::close(p.client);
        ::close(p.server);
    }
}

}  // namespace pgmi::test
