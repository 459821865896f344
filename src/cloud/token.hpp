// The common shape of cloud credentials: a token with its expiry, a provider that fetches a fresh
// one on every call, and the record of which credential sources were tried (connections §7.5).
// A Token's value is a secret: it never goes into a message, a log line or a process argument.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace pgmi::cloud {

using TimePoint = std::chrono::system_clock::time_point;

/// The current time; replaced in tests to make signatures and expiries deterministic.
using Clock = std::function<TimePoint()>;

/// The system clock.
Clock system_clock();

/// A bearer token or a database password derived from cloud credentials.
struct Token {
    std::string value;     // secret
    TimePoint expires_at;  // as reported by the issuer, or computed (AWS: +15 min)
    std::string source;    // which credential source produced it, e.g. "environment"
};

/// `now` plus a lifetime an issuer reported, or nullopt when it is negative or over ten years: a
/// hostile or broken issuer's huge value would overflow the clock's nanosecond count.
std::optional<TimePoint> expiry_after(TimePoint now, long long lifetime_seconds);

/// One credential source of a chain and what happened to it.
struct SourceAttempt {
    std::string source;   // e.g. "environment", "shared profile \"dev\"", "managed identity"
    std::string outcome;  // "chosen", "skipped: <reason>" or "failed: <reason>"
};

/// "source: outcome; source: outcome; ..." (never contains a secret: reasons name variables,
/// files and endpoints only).
std::string describe_attempts(const std::vector<SourceAttempt>& attempts);

/// Gives a fresh token per call (each connection attempt asks again). Not thread-safe: use one
/// provider from one thread at a time.
class TokenProvider {
  public:
    virtual ~TokenProvider() = default;
    /// A token, or an error: Config (10) when the configuration is wrong offline, Connection (11)
    /// when no source produced credentials (the message lists every source and why it was
    /// skipped) or a token service refused them.
    virtual Result<Token> token() = 0;
    /// The provider's user-facing name: "AWS IAM", "Azure", "Google".
    virtual std::string name() const = 0;
    /// The sources tried by the last token() call, in order.
    virtual std::vector<SourceAttempt> last_attempts() const { return {}; }
};

}  // namespace pgmi::cloud

namespace pgmi::cloud {

/// RFC 3339 / ISO 8601 UTC or offset time ("2024-05-01T12:00:00Z", "...:00.123+02:00").
std::optional<TimePoint> parse_rfc3339(std::string_view text);

/// Replaces every occurrence of each non-empty secret in `text` with "[redacted]"; used on text
/// from a remote service before it goes into an error message.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

/// "30 s" for whole seconds, else "250 ms".
std::string describe_duration(std::chrono::milliseconds d);

/// At most `max` bytes of `text` (cut on a UTF-8 boundary), single line, "..." when shortened.
std::string excerpt(std::string_view text, size_t max = 200);

}  // namespace pgmi::cloud
