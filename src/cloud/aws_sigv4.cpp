#include "cloud/aws_sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "cloud/crypto.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {
namespace {

constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";

std::string trim_collapse(std::string_view v) {
    std::string out;
    bool blank = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            blank = true;
            continue;
        }
        if (blank && !out.empty())
            out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

}  // namespace

std::string amz_date(TimePoint t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string sigv4_signing_key(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service) {
    std::string k = hmac_sha256("AWS4" + std::string(secret), date);
    k = hmac_sha256(k, region);
    k = hmac_sha256(k, service);
    return hmac_sha256(k, "aws4_request");
}

std::string sigv4_canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> enc;
    enc.reserve(query.size());
    for (const auto& [k, v] : query)
        enc.emplace_back(util::percent_encode(k), util::percent_encode(v));
    std::sort(enc.begin(), enc.end());
    std::string out;
    for (const auto& [k, v] : enc) {
        if (!out.empty())
            out += '&';
        out += k + "=" + v;
    }
    return out;
}

SigV4Signature sigv4_sign(const SigV4Input& input, const AwsCredentials& credentials) {
    std::vector<std::pair<std::string, std::string>> headers;
    headers.reserve(input.headers.size());
    for (const auto& [k, v] : input.headers)
        headers.emplace_back(util::to_lower(k), trim_collapse(v));
    std::stable_sort(headers.begin(), headers.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string canonical_headers;
    std::string signed_headers;
    for (size_t i = 0; i < headers.size(); ++i) {
        // Repeated names are joined with commas under one entry.
        if (i > 0 && headers[i].first == headers[i - 1].first) {
            canonical_headers.pop_back();  // '\n'
            canonical_headers += "," + headers[i].second + "\n";
            continue;
        }
        canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
        if (!signed_headers.empty())
            signed_headers += ';';
        signed_headers += headers[i].first;
    }
    SigV4Signature s;
    s.signed_headers = signed_headers;
    s.canonical_request = input.method + "\n" + input.path + "\n" +
                          sigv4_canonical_query(input.query) + "\n" + canonical_headers + "\n" +
                          signed_headers + "\n" + input.payload_sha256;
    const std::string date = input.amz_date.substr(0, 8);
    const std::string scope = date + "/" + input.region + "/" + input.service + "/aws4_request";
    s.string_to_sign = std::string(kAlgorithm) + "\n" + input.amz_date + "\n" + scope + "\n" +
                       sha256_hex(s.canonical_request);
    const std::string key =
        sigv4_signing_key(credentials.secret_access_key, date, input.region, input.service);
    s.signature = hex_encode(hmac_sha256(key, s.string_to_sign));
    s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                      scope + ", SignedHeaders=" + signed_headers + ", Signature=" + s.signature;
    return s;
}

void sigv4_sign_request(HttpRequest& request, const AwsCredentials& credentials,
                        std::string_view region, std::string_view service, TimePoint now) {
    auto url = parse_url(request.url);
    SigV4Input in;
    in.method = request.method;
    in.path = url ? url->path : "/";
    in.region = std::string(region);
    in.service = std::string(service);
    in.amz_date = amz_date(now);
    in.payload_sha256 = sha256_hex(request.body);
    if (url) {  // the Host header curl sends: the port only when it is not the default
        std::string origin = url_origin(*url);
        in.headers.emplace_back("host", origin.substr(origin.find("://") + 3));
    }
    in.headers.emplace_back("x-amz-date", in.amz_date);
    if (!credentials.session_token.empty())
        in.headers.emplace_back("x-amz-security-token", credentials.session_token);
    for (const auto& [k, v] : request.headers) {
        const std::string name = util::to_lower(k);
        if (name == "content-type")
            in.headers.emplace_back(name, v);
    }
    const SigV4Signature sig = sigv4_sign(in, credentials);
    request.headers.emplace_back("X-Amz-Date", in.amz_date);
    if (!credentials.session_token.empty())
        request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    request.headers.emplace_back("Authorization", sig.authorization);
}

std::string rds_auth_token(std::string_view host, int port, std::string_view db_user,
                           std::string_view region, const AwsCredentials& credentials,
                           TimePoint now) {
    const std::string date_time = amz_date(now);
    const std::string date = date_time.substr(0, 8);
    const std::string endpoint = std::string(host) + ":" + std::to_string(port);
    SigV4Input in;
    in.method = "GET";
    in.path = "/";
    in.region = std::string(region);
    in.service = "rds-db";
    in.amz_date = date_time;
    in.payload_sha256 = sha256_hex("");
    in.headers = {{"host", endpoint}};
    in.query = {
        {"Action", "connect"},
        {"DBUser", std::string(db_user)},
        {"X-Amz-Algorithm", kAlgorithm},
        {"X-Amz-Credential", credentials.access_key_id + "/" + date + "/" + std::string(region) +
                                 "/rds-db/aws4_request"},
        {"X-Amz-Date", date_time},
        {"X-Amz-Expires", "900"},
        {"X-Amz-SignedHeaders", "host"},
    };
    if (!credentials.session_token.empty())
        in.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
    const SigV4Signature sig = sigv4_sign(in, credentials);
    return endpoint + "/?" + sigv4_canonical_query(in.query) + "&X-Amz-Signature=" + sig.signature;
}

}  // namespace pgmi::cloud
