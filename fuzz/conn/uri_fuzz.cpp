// Fuzzes the PostgreSQL URI parser. Invariants: no crash; an error is a Config error of the form
// "invalid connection string: ...: invalid configuration" that never quotes the text between
// "user:" and the last '@' (where a password sits); a success has valid ports and sslmode, and
// no NUL byte in any value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conn/connection_string.hpp"

namespace {

void check_success(const pgmi::conn::ConnectionString& cs) {
    for (int p : cs.ports) {
        if (p < 0 || p > 65535)
            std::abort();
    }
    if (cs.sslmode && *cs.sslmode != "disable" && *cs.sslmode != "allow" &&
        *cs.sslmode != "prefer" && *cs.sslmode != "require" && *cs.sslmode != "verify-ca" &&
        *cs.sslmode != "verify-full") {
        std::abort();
    }
    for (const auto* v : {&cs.user, &cs.password, &cs.database}) {
        if (*v && (*v)->find('\0') != std::string::npos)
            std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input =
        "postgresql://" + std::string(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::conn::parse_uri(input);
    if (r) {
        check_success(*r);
        return 0;
    }
    const std::string& m = r.error().message;
    if (r.error().kind != pgmi::ErrorKind::Config ||
        m.rfind("invalid connection string: ", 0) != 0 || m.size() < 23 ||
        m.compare(m.size() - 23, 23, ": invalid configuration") != 0) {
        std::abort();
    }
    // The password position: after the first ':' of the authority, before its last '@'.
    std::string_view rest(input);
    rest.remove_prefix(13);
    size_t colon = rest.find(':');
    size_t at = rest.rfind('@');
    if (colon != std::string_view::npos && at != std::string_view::npos && at > colon + 6) {
        std::string_view pw = rest.substr(colon + 1, at - colon - 1);
        // Only passwords that cannot occur in the fixed text of a message (a letter and a digit,
        // no '%').
        bool distinctive = pw.find_first_of("/?#@%") == std::string_view::npos &&
                           pw.find_first_of("0123456789") != std::string_view::npos &&
                           pw.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos;
        // (Text that also appears elsewhere in the input may legitimately be quoted from there.)
        bool only_there = input.find(pw) == input.rfind(pw);
        if (distinctive && only_there && m.find(pw) != std::string::npos) {
            // A leak only if the text came from the password: with the password replaced, the
            // message must lose it. (Fixed text can hold it: "32): i" is in "[::1]:5432): invalid
            // configuration", the campaign's one finding, regression-password-in-fixed-text.)
            std::string other = input;
            other.replace(13 + colon + 1, pw.size(), std::string(pw.size(), 'Q'));
            auto again = pgmi::conn::parse_uri(other);
            if (!again && again.error().message.find(pw) == std::string::npos)
                std::abort();
        }
    }
    return 0;
}
