// Fuzzes the ADO.NET connection-string parser. Invariants: no crash; errors are Config errors of
// the documented shape that never contain the value of an unquoted Password that runs to the end
// of the input; successes have a valid sslmode and no NUL byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conn/connection_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::conn::parse_ado_net(input);
    if (r) {
        if (r->sslmode && r->sslmode->find('-') == std::string::npos && *r->sslmode != "disable" &&
            *r->sslmode != "allow" && *r->sslmode != "prefer" && *r->sslmode != "require") {
            std::abort();
        }
        if (r->password && r->password->find('\0') != std::string::npos)
            std::abort();
        return 0;
    }
    const std::string& m = r.error().message;
    if (r.error().kind != pgmi::ErrorKind::Config ||
        m.rfind("invalid connection string: ", 0) != 0) {
        std::abort();
    }
    // "...;Password=<secret>" at the end: whatever went wrong, the secret is not quoted.
    size_t pos = input.rfind(";Password=");
    if (pos != std::string::npos) {
        std::string secret = input.substr(pos + 10);
        bool distinctive = secret.size() >= 8 && secret.find_first_of("'\"") == std::string::npos &&
                           secret.find_first_of("0123456789") != std::string::npos &&
                           secret.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
        bool only_there = input.find(secret) == pos + 10;
        if (distinctive && only_there && m.find(secret) != std::string::npos) {
            std::abort();
        }
    }
    // The same string through format detection must not crash either.
    (void)pgmi::conn::parse_connection_string(input);
    return 0;
}
