// Fuzzes the duration parser. Invariants: no crash, no signed overflow (run under UBSan),
// errors are Config and bounded in length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::config::parse_duration(input);
    if (!r) {
        if (r.error().kind != pgmi::ErrorKind::Config || r.error().message.size() > 300) {
            std::abort();
        }
    } else if (input.empty()) {
        std::abort();
    }
    return 0;
}
