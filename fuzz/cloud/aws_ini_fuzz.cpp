// Fuzzes the AWS shared credentials/config INI parser. Invariants: no crash; errors are
// "line <n>: <fault>" and short (they never quote content); keys are lower-case and non-empty.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/aws_ini.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::cloud::parse_aws_ini(input);
    if (!r) {
        const std::string& m = r.error().message;
        if (m.rfind("line ", 0) != 0 || m.size() > 60 || r.error().kind != pgmi::ErrorKind::Config)
            std::abort();
        return 0;
    }
    for (const auto& [section, keys] : r->sections) {
        if (section.empty() || section.find_first_of("[]\n") != std::string::npos)
            std::abort();
        for (const auto& [key, value] : keys) {
            if (key.empty() || key.find_first_of("=\n") != std::string::npos)
                std::abort();
            for (unsigned char c : key) {
                if (std::isupper(c))
                    std::abort();
            }
        }
    }
    (void)pgmi::cloud::find_config_profile(*r, "default");
    (void)pgmi::cloud::find_credentials_profile(*r, "default");
    return 0;
}
