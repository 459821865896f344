// A tiny HTTP/1.1 server on 127.0.0.1 for tests of cloud clients: it listens on a free port in a
// thread, records every request, and answers from scripted routes (404 when none matches).
// One connection at a time, "Connection: close" after each response.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pgmi::test {

struct FakeRequest {
    std::string method;
    std::string target;                                        // as sent: path plus "?query"
    std::string path;                                          // without the query
    std::string query;                                         // without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    /// First value of a header (case-insensitive name), or "".
    std::string header(const std::string& name) const;
    bool has_header(const std::string& name) const;
    /// A query parameter, percent-decoded ("+" as space), or nullopt.
    std::optional<std::string> query_param(const std::string& name) const;
    /// A field of an application/x-www-form-urlencoded body, decoded, or nullopt.
    std::optional<std::string> form_field(const std::string& name) const;
};

struct FakeResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds delay{0};  // wait before answering (timeout tests)

    static FakeResponse json(std::string body, int status = 200);
};

class FakeHttpServer {
  public:
    using Handler = std::function<FakeResponse(const FakeRequest&)>;

    FakeHttpServer();  // binds 127.0.0.1:0 and starts serving
    ~FakeHttpServer();
    FakeHttpServer(const FakeHttpServer&) = delete;
    FakeHttpServer& operator=(const FakeHttpServer&) = delete;

    int port() const { return port_; }
    /// "http://127.0.0.1:<port>"
    std::string url() const;

    /// Answers `method` `path` (exact, query ignored) with `response` every time.
    void on(const std::string& method, const std::string& path, FakeResponse response);
    /// Answers with whatever `handler` returns.
    void on(const std::string& method, const std::string& path, Handler handler);

    /// Every request received so far, in order.
    std::vector<FakeRequest> requests() const;
    /// Requests to `path` only.
    std::vector<FakeRequest> requests_to(const std::string& path) const;

  private:
    void serve();
    void handle(int fd);

    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mu_;
    std::map<std::pair<std::string, std::string>, Handler> routes_;
    std::vector<FakeRequest> requests_;
};

}  // namespace pgmi::test
