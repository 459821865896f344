// Fuzzes the libpq key=value parser and format detection. Invariants: no crash; errors are Config
// errors with the documented prefix; parsed values have no NUL byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "conn/connection_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    for (auto r :
         {pgmi::conn::parse_key_value(input), pgmi::conn::parse_connection_string(input)}) {
        if (r) {
            for (const auto& [k, v] : r->params) {
                if (k.empty() || v.find('\0') != std::string::npos)
                    std::abort();
            }
        } else if (r.error().kind != pgmi::ErrorKind::Config ||
                   r.error().message.rfind("invalid connection string: ", 0) != 0) {
            std::abort();
        }
    }
    return 0;
}
