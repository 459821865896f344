#include "support/pg_tls_front.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace pgmi::test {

namespace {

constexpr uint32_t kSslRequest = 80877103;
constexpr uint32_t kGssEncRequest = 80877104;

uint32_t be32(const char* p) {
    uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return ntohl(v);
}

bool read_plain(int fd, char* buf, size_t n) {
    while (n > 0) {
        ssize_t got = ::recv(fd, buf, n, 0);
        if (got <= 0)
            return false;
        buf += got;
        n -= static_cast<size_t>(got);
    }
    return true;
}

bool write_plain(int fd, const char* buf, size_t n) {
    while (n > 0) {
        ssize_t put = ::send(fd, buf, n, MSG_NOSIGNAL);
        if (put <= 0)
            return false;
        buf += put;
        n -= static_cast<size_t>(put);
    }
    return true;
}

bool read_tls(SSL* ssl, char* buf, size_t n) {
    while (n > 0) {
        int got = SSL_read(ssl, buf, static_cast<int>(n));
        if (got <= 0)
            return false;
        buf += got;
        n -= static_cast<size_t>(got);
    }
    return true;
}

bool write_tls(SSL* ssl, const std::string& data) {
    return SSL_write(ssl, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
}

/// One typed message (type byte, length, body) read with `read`; "" on EOF or nonsense.
template <typename Read>
std::string read_message(Read read) {
    char head[5];
    if (!read(head, 5))
        return "";
    const uint32_t len = be32(head + 1);
    if (len < 4 || len > (1U << 24))
        return "";
    std::string msg(head, 5);
    msg.resize(1 + len);
    if (!read(msg.data() + 5, len - 4))
        return "";
    return msg;
}

std::string read_backend_message(int fd) {
    return read_message([fd](char* buf, size_t n) { return read_plain(fd, buf, n); });
}

std::string read_client_message(SSL* ssl) {
    return read_message([ssl](char* buf, size_t n) { return read_tls(ssl, buf, n); });
}

/// The "user" parameter of a StartupMessage body (after the protocol version).
std::string startup_user(const std::string& body) {
    size_t at = 4;
    while (at < body.size() && body[at] != '\0') {
        const std::string key = body.c_str() + at;
        at += key.size() + 1;
        std::string value = at < body.size() ? body.c_str() + at : "";
        at += value.size() + 1;
        if (key == "user")
            return value;
    }
    return "";
}

int connect_backend(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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

/// Bytes both ways until either side closes.
void relay(SSL* ssl, int client_fd, int backend_fd) {
    char buf[16384];
    for (;;) {
        if (SSL_pending(ssl) == 0) {
            pollfd fds[2] = {{client_fd, POLLIN, 0}, {backend_fd, POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0)
                return;
            if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                ssize_t got = ::recv(backend_fd, buf, sizeof buf, 0);
                if (got <= 0 || SSL_write(ssl, buf, static_cast<int>(got)) != got)
                    return;
            }
            if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
        }
        int got = SSL_read(ssl, buf, sizeof buf);
        if (got <= 0 || !write_plain(backend_fd, buf, static_cast<size_t>(got)))
            return;
    }
}

}  // namespace

PgTlsFront::PgTlsFront(PgTlsFrontOptions options) : options_(std::move(options)) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    ctx_ = ctx;
    if (SSL_CTX_use_certificate_chain_file(ctx, options_.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options_.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        ADD_FAILURE() << "PgTlsFront: cannot load " << options_.cert << " / " << options_.key;
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
        ADD_FAILURE() << "PgTlsFront: bind/listen: " << std::strerror(errno);
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe(wake_) != 0)
        ADD_FAILURE() << "PgTlsFront: pipe";
    acceptor_ = std::thread([this] { serve(); });
}

PgTlsFront::~PgTlsFront() {
    (void)!::write(wake_[1], "x", 1);
    acceptor_.join();
    std::vector<std::thread> workers;
    {
        std::lock_guard<std::mutex> lock(mu_);
        workers.swap(workers_);
    }
    // The clients (pgmi runs) are gone by now, so every relay has seen EOF or will.
    for (auto& t : workers)
        t.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
    SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

std::vector<std::string> PgTlsFront::passwords() const {
    std::lock_guard<std::mutex> lock(passwords_mu_);
    return passwords_;
}

void PgTlsFront::serve() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0)
            return;
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0)
            continue;
        ++connections_;
        std::lock_guard<std::mutex> lock(mu_);
        workers_.emplace_back([this, fd] {
            handle(fd);
            ::close(fd);
        });
    }
}

void PgTlsFront::handle(int client_fd) {
    // Pre-TLS negotiation: refuse GSS encryption, accept TLS, drop anything in the clear.
    for (;;) {
        char head[8];
        if (!read_plain(client_fd, head, 8))
            return;
        const uint32_t code = be32(head + 4);
        if (code == kGssEncRequest) {
            if (!write_plain(client_fd, "N", 1))
                return;
            continue;
        }
        if (code != kSslRequest)
            return;  // a plaintext startup: this front, like RDS for IAM, wants TLS
        if (!write_plain(client_fd, "S", 1))
            return;
        break;
    }
    SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
    SSL_set_fd(ssl, client_fd);
    if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        return;
    }
    ++tls_clients_;
    int backend = -1;
    [&] {
        char len_bytes[4];
        if (!read_tls(ssl, len_bytes, 4))
            return;
        const uint32_t len = be32(len_bytes);
        if (len < 8 || len > 10000)
            return;
        std::string body(len - 4, '\0');
        if (!read_tls(ssl, body.data(), body.size()))
            return;
        const std::string user = startup_user(body);
        // Ask for the password first, so the role's password is set before the real server's
        // backend starts: a backend may read the role's row early and not notice a later change.
        static const char kAskCleartext[] = {'R', 0, 0, 0, 8, 0, 0, 0, 3};
        if (!write_tls(ssl, std::string(kAskCleartext, sizeof kAskCleartext)))
            return;
        const std::string answer = read_client_message(ssl);
        if (answer.empty() || answer[0] != 'p')
            return;
        std::string password = answer.substr(5);
        if (!password.empty() && password.back() == '\0')
            password.pop_back();
        {
            std::lock_guard<std::mutex> lock(passwords_mu_);
            passwords_.push_back(password);
        }
        if (options_.on_password)
            options_.on_password(user, password);
        backend = connect_backend(options_.backend_port);
        if (backend < 0 || !write_plain(backend, len_bytes, 4) ||
            !write_plain(backend, body.data(), body.size()))
            return;
        // The server's own password request gets the client's answer; everything else is relayed.
        for (;;) {
            const std::string msg = read_backend_message(backend);
            if (msg.empty())
                return;
            if (msg[0] == 'R' && be32(msg.data() + 5) == 3) {
                if (!write_plain(backend, answer.data(), answer.size()))
                    return;
                continue;
            }
            if (!write_tls(ssl, msg))
                return;
            break;  // AuthenticationOk, an error, or another method: plain relay from here
        }
        relay(ssl, client_fd, backend);
    }();
    if (backend >= 0)
        ::close(backend);
    SSL_shutdown(ssl);
    SSL_free(ssl);
}

}  // namespace pgmi::test
