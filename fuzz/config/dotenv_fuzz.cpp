// Fuzzes the project .env parser. Invariants: no crash; errors are "line <n>: <fault>" and short
// (a fault names at most two variable names of 40 bytes, never a value).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/dotenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    static const pgmi::EnvLookup env = pgmi::env_from({{"HOME", "/home/u"}, {"EMPTY", ""}});
    auto r = pgmi::config::parse_dotenv(input, env);
    if (!r) {
        const std::string& m = r.error().message;
        if (m.rfind("line ", 0) != 0 || m.size() > 200)
            std::abort();
    } else {
        for (const auto& [key, value] : r.value()) {
            if (key.empty() || key.find('=') != std::string::npos)
                std::abort();
            if (value.find('\0') != std::string::npos)
                std::abort();
        }
    }
    return 0;
}
