// Fuzzes pgmi.yaml decoding (yaml-cpp underneath). Invariants: no crash, no exception escaping
// parse_project_config, errors are Config, bounded in length and carry the fixed prefix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/project_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        auto r = pgmi::config::parse_project_config(input, "p/pgmi.yaml");
        if (!r) {
            const std::string& m = r.error().message;
            if (r.error().kind != pgmi::ErrorKind::Config ||
                m.rfind("failed to load pgmi.yaml: parse p/pgmi.yaml: ", 0) != 0 ||
                m.size() > 600) {
                std::abort();
            }
        }
    } catch (...) {
        std::abort();  // parse_project_config must never throw
    }
    return 0;
}
