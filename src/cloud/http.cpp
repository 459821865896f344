#include "cloud/http.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "util/strings.hpp"

namespace pgmi::cloud {
namespace {

constexpr size_t kMaxBody = 4U << 20;

std::atomic<int> g_loopback_only{-1};  // -1: not decided yet (read the environment once)

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct Sink {
    std::string body;
    Headers headers;
    bool too_big = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    if (sink->body.size() + n > kMaxBody) {
        sink->too_big = true;
        return 0;  // aborts the transfer
    }
    sink->body.append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue): start over
        sink->headers.clear();
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return n;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' ||
                              value.back() == '\t'))
        value.remove_suffix(1);
    sink->headers.emplace_back(util::to_lower(line.substr(0, colon)), std::string(value));
    return n;
}

bool is_link_local_or_loopback(const std::string& host) {
    return is_loopback_host(host) || host.rfind("169.254.", 0) == 0 ||
           util::to_lower(host).rfind("fd00:ec2::", 0) == 0 ||
           util::to_lower(host) == "metadata.google.internal";
}

std::string describe(const UrlParts& u) {
    return url_origin(u) + u.path;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    const std::string key = util::to_lower(name);
    for (const auto& [k, v] : headers) {
        if (k == key)
            return v;
    }
    return std::nullopt;
}

std::optional<UrlParts> parse_url(std::string_view url) {
    global_init();
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
        return std::nullopt;
    std::unique_ptr<CURLU, UrlDeleter> h(curl_url());
    if (!h)
        return std::nullopt;
    const std::string text(url);
    if (curl_url_set(h.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
        return std::nullopt;
    auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
        char* out = nullptr;
        if (curl_url_get(h.get(), which, &out, flags) != CURLUE_OK || out == nullptr)
            return std::nullopt;
        std::string s(out);
        curl_free(out);
        return s;
    };
    UrlParts p;
    auto scheme = part(CURLUPART_SCHEME, 0);
    auto host = part(CURLUPART_HOST, 0);
    auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
    if (!scheme || !host || !port || host->empty())
        return std::nullopt;
    p.scheme = util::to_lower(*scheme);
    if (p.scheme != "http" && p.scheme != "https")
        return std::nullopt;
    // The scheme must be spelled out: curl would guess "http" for "example.com/x".
    if (util::to_lower(url.substr(0, p.scheme.size() + 3)) != p.scheme + "://" ||
        url.substr(p.scheme.size() + 3, 1) == "/")
        return std::nullopt;
    p.host = *host;
    if (p.host.size() >= 2 && p.host.front() == '[' && p.host.back() == ']')
        p.host = p.host.substr(1, p.host.size() - 2);
    p.port = std::atoi(port->c_str());
    p.path = part(CURLUPART_PATH, 0).value_or("/");
    if (p.path.empty())
        p.path = "/";
    p.query = part(CURLUPART_QUERY, 0).value_or("");
    return p;
}

std::string url_origin(const UrlParts& u) {
    std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    const bool default_port =
        (u.scheme == "http" && u.port == 80) || (u.scheme == "https" && u.port == 443);
    return u.scheme + "://" + host + (default_port ? "" : ":" + std::to_string(u.port));
}

bool is_loopback_host(std::string_view host) {
    std::string h = util::to_lower(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
        h = h.substr(1, h.size() - 2);
    if (h == "localhost")
        return true;
    in_addr v4{};
    if (inet_pton(AF_INET, h.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, h.c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

Result<std::string> validate_override_url(std::string_view variable, std::string_view url,
                                          const std::vector<std::string>& extra_http_hosts) {
    const std::string var(variable);
    auto parts = parse_url(url);
    if (!parts) {
        return make_error(ErrorKind::Config, var + " is not an absolute http:// or https:// URL");
    }
    if (parts->scheme == "https")
        return std::string(url);
    if (is_loopback_host(parts->host))
        return std::string(url);
    for (const auto& allowed : extra_http_hosts) {
        if (util::to_lower(parts->host) == util::to_lower(allowed))
            return std::string(url);
    }
    return make_error(ErrorKind::Config,
                      var +
                          " must use https:// (plain http:// is accepted only for loopback "
                          "hosts 127.0.0.0/8, ::1 and localhost), got " +
                          url_origin(*parts));
}

std::string form_encode(const Headers& fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty())
            out += '&';
        out += util::percent_encode(k) + "=" + util::percent_encode(v);
    }
    return out;
}

void set_loopback_only(bool on) {
    g_loopback_only = on ? 1 : 0;
}

bool loopback_only() {
    int v = g_loopback_only.load();
    if (v < 0) {
        const char* e = std::getenv("PGMI_TEST_LOOPBACK_ONLY");
        v = (e != nullptr && std::string_view(e) == "1") ? 1 : 0;
        int expected = -1;
        g_loopback_only.compare_exchange_strong(expected, v);
        v = g_loopback_only.load();
    }
    return v == 1;
}

Result<HttpResponse> http_send(const HttpRequest& request) {
    global_init();
    auto parts = parse_url(request.url);
    if (!parts) {
        return make_error(ErrorKind::Config, "not an absolute http:// or https:// URL");
    }
    if (loopback_only() && !is_loopback_host(parts->host)) {
        return make_error(ErrorKind::Unexpected,
                          "refusing to contact " + url_origin(*parts) +
                              ": this process allows loopback addresses only");
    }
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl)
        return make_error(ErrorKind::General, "could not initialise libcurl");
    CURL* c = curl.get();
    Sink sink;
    std::unique_ptr<curl_slist, SlistDeleter> list;
    auto add_header = [&](const std::string& line) {
        curl_slist* next = curl_slist_append(list.get(), line.c_str());
        if (next != nullptr) {
            (void)list.release();
            list.reset(next);
        }
    };
    for (const auto& [k, v] : request.headers)
        add_header(k + ": " + v);
    add_header("Expect:");  // no 100-continue round trip

    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "pgmi");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    if (is_link_local_or_loopback(parts->host))
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // metadata services are never proxied
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    if (request.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        if (request.method == "POST" || !request.body.empty()) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
        }
        if (request.method != "POST")
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        std::string reason;
        if (sink.too_big) {
            reason = "response larger than 4 MiB";
        } else if (rc == CURLE_OPERATION_TIMEDOUT) {
            reason = "timed out";
        } else {
            reason = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
        }
        return make_error(ErrorKind::Connection, describe(*parts) + ": " + reason);
    }
    HttpResponse response;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    response.headers = std::move(sink.headers);
    response.body = std::move(sink.body);
    return response;
}

}  // namespace pgmi::cloud
