// A small synchronous HTTP client over libcurl for token and metadata endpoints, and the rules
// for endpoint overrides. TLS verification is always on, redirects are not followed, only http
// and https are spoken, and every request has a connect and a total timeout.
//
// Override rule: a URL taken from an override variable must be https://, or plain http:// to a
// loopback host (127.0.0.0/8, ::1, localhost) so tests can run fakes; a few variables also admit
// their cloud's documented link-local metadata hosts. Anything else is a Config error naming the
// variable. Messages show scheme://host[:port] only, never user info, paths or query strings.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace pgmi::cloud {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{15000};  // whole request
};

struct HttpResponse {
    long status = 0;
    Headers headers;  // names lower-cased, in arrival order
    std::string body;

    /// First value of a header (name compared case-insensitively).
    std::optional<std::string> header(std::string_view name) const;
};

/// Sends one request. Transport failures (refused, DNS, TLS, timeout) are Connection errors
/// "<scheme://host:port/path>: <reason>"; any HTTP status is a successful Result. Bodies over
/// 4 MiB are refused.
Result<HttpResponse> http_send(const HttpRequest& request);

/// The parts of an absolute http(s) URL.
struct UrlParts {
    std::string scheme;  // "http" or "https", lower case
    std::string host;    // IPv6 without brackets
    int port = 0;        // explicit or the scheme's default
    std::string path;    // "/" when empty
    std::string query;   // without '?', may be empty
};

/// Parses an absolute http:// or https:// URL (nullopt for anything else).
std::optional<UrlParts> parse_url(std::string_view url);

/// "scheme://host[:port]" for messages (IPv6 in brackets).
std::string url_origin(const UrlParts& url);

/// True for "localhost", 127.0.0.0/8 and ::1 (with or without brackets).
bool is_loopback_host(std::string_view host);

/// Checks an endpoint taken from `variable` against the override rule; `extra_http_hosts` are
/// further hosts allowed over plain http (e.g. "169.254.170.2"). Returns the URL unchanged.
Result<std::string> validate_override_url(std::string_view variable, std::string_view url,
                                          const std::vector<std::string>& extra_http_hosts = {});

/// application/x-www-form-urlencoded body from pairs, in the given order.
std::string form_encode(const Headers& fields);

/// Test guard: when on, http_send refuses every host that is not loopback (an Unexpected error)
/// before any socket is opened. Also switched on by PGMI_TEST_LOOPBACK_ONLY=1 in the process
/// environment. Test binaries turn it on so that no code path they run can reach a cloud
/// metadata address.
void set_loopback_only(bool on);
bool loopback_only();

}  // namespace pgmi::cloud
