// The one message the Cloud SQL bridge (conn/local_bridge) takes from a local client after the
// first: a PostgreSQL CancelRequest as PQcancel sends it on a new connection, exactly 16 bytes
// (length 16, request code 80877102, backend pid, secret key, all big-endian). The bridge judges
// the bytes received so far, so anything else is turned away as soon as its first 8 bytes show
// it, and nothing but these 16 bytes is ever forwarded to the instance.
#pragma once

#include <cstddef>
#include <string_view>

namespace pgmi::conn {

inline constexpr std::size_t kCancelRequestSize = 16;

enum class CancelFrame {
    Incomplete,  // a prefix of a CancelRequest: read on
    Cancel,      // exactly one CancelRequest
    Rejected,    // anything else (another message, or bytes after the request)
};

CancelFrame classify_cancel_request(std::string_view received);

}  // namespace pgmi::conn
