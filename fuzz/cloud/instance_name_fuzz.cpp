// Fuzzes the Cloud SQL instance connection name (--google-instance, pgmi.yaml). Invariants: no
// crash; a parsed name has three non-empty parts without ':' in region and instance, and prints
// back exactly as given; an error is Config, quotes the input only when it is name-like, and
// stays short.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/cloud_sql.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::cloud::parse_instance_name(input);
    if (!r) {
        const std::string& m = r.error().message;
        if (r.error().kind != pgmi::ErrorKind::Config || m.size() > 220 ||
            m.rfind("invalid instance connection name", 0) != 0)
            std::abort();
        return 0;
    }
    if (r->project.empty() || r->region.empty() || r->instance.empty() ||
        r->region.find(':') != std::string::npos || r->instance.find(':') != std::string::npos ||
        r->to_string() != input)
        std::abort();
    return 0;
}
