#include "support/fake_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace pgmi::test {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::optional<std::string> decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
                return std::nullopt;
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::optional<std::string> find_param(const std::string& encoded, const std::string& name) {
    size_t start = 0;
    while (start <= encoded.size()) {
        size_t end = encoded.find('&', start);
        if (end == std::string::npos)
            end = encoded.size();
        const std::string pair = encoded.substr(start, end - start);
        const size_t eq = pair.find('=');
        auto key = decode(pair.substr(0, eq));
        if (key && *key == name)
            return eq == std::string::npos ? std::string() : decode(pair.substr(eq + 1));
        start = end + 1;
    }
    return std::nullopt;
}

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 500:
            return "Internal Server Error";
        default:
            return "Status";
    }
}

bool write_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

std::string FakeRequest::header(const std::string& name) const {
    const std::string key = lower(name);
    for (const auto& [k, v] : headers) {
        if (k == key)
            return v;
    }
    return "";
}

bool FakeRequest::has_header(const std::string& name) const {
    const std::string key = lower(name);
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return h.first == key; });
}

std::optional<std::string> FakeRequest::query_param(const std::string& name) const {
    return find_param(query, name);
}

std::optional<std::string> FakeRequest::form_field(const std::string& name) const {
    return find_param(body, name);
}

FakeResponse FakeResponse::json(std::string body, int status) {
    FakeResponse r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = std::move(body);
    return r;
}

FakeHttpServer::FakeHttpServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0)
        throw std::runtime_error("fake http: socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0)
        throw std::runtime_error("fake http: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe(wake_) != 0)
        throw std::runtime_error("fake http: pipe failed");
    thread_ = std::thread([this] { serve(); });
}

FakeHttpServer::~FakeHttpServer() {
    if (wake_[1] >= 0) {
        const char c = 'x';
        (void)!::write(wake_[1], &c, 1);
    }
    if (thread_.joinable())
        thread_.join();
    for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
        if (fd >= 0)
            ::close(fd);
    }
}

std::string FakeHttpServer::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeHttpServer::on(const std::string& method, const std::string& path, FakeResponse response) {
    on(method, path, [response](const FakeRequest&) { return response; });
}

void FakeHttpServer::on(const std::string& method, const std::string& path, Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[{method, path}] = std::move(handler);
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
}

std::vector<FakeRequest> FakeHttpServer::requests_to(const std::string& path) const {
    std::vector<FakeRequest> out;
    for (auto& r : requests()) {
        if (r.path == path)
            out.push_back(r);
    }
    return out;
}

void FakeHttpServer::serve() {
    while (true) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0)
            continue;
        if (fds[1].revents != 0)
            return;
        if ((fds[0].revents & POLLIN) == 0)
            continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        handle(fd);
        ::close(fd);
    }
}

void FakeHttpServer::handle(int fd) {
    std::string data;
    char buf[8192];
    size_t header_end = std::string::npos;
    auto read_more = [&]() -> bool {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0)
            return false;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return false;
        data.append(buf, static_cast<size_t>(n));
        return true;
    };
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
        if (data.size() > (1U << 20) || !read_more())
            return;
    }
    FakeRequest req;
    const std::string head = data.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos)
        return;
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    size_t content_length = 0;
    bool chunked = false;
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        size_t e = head.find("\r\n", pos);
        if (e == std::string::npos)
            e = head.size();
        const std::string line = head.substr(pos, e - pos);
        pos = e + 2;
        const size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        req.headers.emplace_back(lower(line.substr(0, colon)), value);
        if (lower(line.substr(0, colon)) == "content-length")
            content_length = static_cast<size_t>(std::strtoull(value.c_str(), nullptr, 10));
        if (lower(line.substr(0, colon)) == "transfer-encoding" &&
            lower(value).find("chunked") != std::string::npos)
            chunked = true;
    }
    if (req.header("expect") == "100-continue")
        write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    std::string rest = data.substr(header_end + 4);
    if (chunked) {
        // Read up to the terminating zero-size chunk, then decode.
        while (rest.find("\r\n0\r\n\r\n") == std::string::npos && rest.rfind("0\r\n\r\n", 0) != 0) {
            if (!read_more())
                return;
            rest = data.substr(header_end + 4);
        }
        size_t p = 0;
        while (p < rest.size()) {
            const size_t le = rest.find("\r\n", p);
            const size_t n = std::strtoul(rest.substr(p, le - p).c_str(), nullptr, 16);
            if (n == 0)
                break;
            req.body += rest.substr(le + 2, n);
            p = le + 2 + n + 2;
        }
    } else {
        while (rest.size() < content_length) {
            if (!read_more())
                return;
            rest = data.substr(header_end + 4);
        }
        req.body = rest.substr(0, content_length);
    }

    Handler handler;
    {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
        auto it = routes_.find({req.method, req.path});
        if (it != routes_.end())
            handler = it->second;
    }
    FakeResponse resp = handler ? handler(req) : FakeResponse{404, {}, "not found\n"};
    if (resp.delay.count() > 0)
        std::this_thread::sleep_for(resp.delay);
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) +
                      "\r\nContent-Length: " + std::to_string(resp.body.size()) +
                      "\r\nConnection: close\r\n";
    for (const auto& [k, v] : resp.headers)
        out += k + ": " + v + "\r\n";
    out += "\r\n" + resp.body;
    write_all(fd, out);
}

}  // namespace pgmi::test
