// AWS Signature Version 4 (connections §8.1): canonical request, string to sign, signing key,
// the Authorization-header form (for STS AssumeRole) and the query-presigned RDS IAM token.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/http.hpp"
#include "cloud/token.hpp"

namespace pgmi::cloud {

/// AWS credentials. The secret key and session token are secrets.
struct AwsCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;            // empty for long-term keys
    std::optional<TimePoint> expires_at;  // for temporary credentials
    std::string source;                   // the chain link that produced them
};

/// "YYYYMMDDTHHMMSSZ" (UTC).
std::string amz_date(TimePoint t);

/// The signing key: HMAC chain "AWS4"+secret -> date (YYYYMMDD) -> region -> service ->
/// "aws4_request" (32 raw bytes).
std::string sigv4_signing_key(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service);

/// The pieces of one signature, exposed for tests and diagnostics (no secret in them).
struct SigV4Signature {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signed_headers;  // "host;x-amz-date"
    std::string signature;       // lower-case hex
    std::string authorization;   // the Authorization header value
};

/// What gets signed. `path` is the canonical URI (already encoded, "/" for the root); `query`
/// holds decoded name/value pairs (encoded and sorted here); `headers` are signed as given
/// (names lower-cased, values trimmed with inner runs of blanks collapsed, sorted by name).
struct SigV4Input {
    std::string method = "GET";
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string payload_sha256;  // lower-case hex
    std::string region;
    std::string service;
    std::string amz_date;  // YYYYMMDDTHHMMSSZ
};

/// The canonical query string: each name and value RFC 3986-encoded, sorted by name then value.
std::string sigv4_canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

/// Signs `input` with `credentials`.
SigV4Signature sigv4_sign(const SigV4Input& input, const AwsCredentials& credentials);

/// Adds Host-matching X-Amz-Date, X-Amz-Security-Token (when present) and Authorization headers
/// to an HTTP request whose body is `request.body`. The URL's query must be empty (send form
/// bodies instead).
void sigv4_sign_request(HttpRequest& request, const AwsCredentials& credentials,
                        std::string_view region, std::string_view service, TimePoint now);

/// The RDS IAM auth token for host:port and DB user: the presigned `connect` URL, valid 900 s,
/// without its scheme: "<host>:<port>/?<canonical query>&X-Amz-Signature=<hex>".
std::string rds_auth_token(std::string_view host, int port, std::string_view db_user,
                           std::string_view region, const AwsCredentials& credentials,
                           TimePoint now);

}  // namespace pgmi::cloud
