// Every test in this binary runs with the HTTP client restricted to loopback hosts, so no code
// path exercised here can reach a cloud metadata address (169.254.169.254, 169.254.170.2) or
// anything else outside 127.0.0.0/8 and ::1, even when a test forgets an override.
#include "cloud/http.hpp"

namespace {
const bool kLoopbackOnly = [] {
    pgmi::cloud::set_loopback_only(true);
    return true;
}();
}  // namespace
