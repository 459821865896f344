// Fuzzes the service-file reader. Invariants: no crash; errors are Config errors naming the file;
// a found section maps libpq keywords only.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conn/connection_string.hpp"
#include "conn/service_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::conn::parse_service_file(input, "svc", "pg_service.conf");
    if (!r) {
        if (r.error().kind != pgmi::ErrorKind::Config ||
            r.error().message.find("\"pg_service.conf\"") == std::string::npos) {
            std::abort();
        }
        return 0;
    }
    if (*r) {
        for (const auto& [k, v] : **r) {
            if (!pgmi::conn::is_libpq_keyword(k))
                std::abort();
        }
    }
    return 0;
}
