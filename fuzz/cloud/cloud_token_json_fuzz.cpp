// Fuzzes the parsers of what token services, helper programs and users hand pgmi: Entra, az,
// azd and Google token responses, RFC 3339 times and Cloud SQL instance names. Invariants: no
// crash; a parsed token is non-empty; errors are short fixed texts that never echo the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/azure.hpp"
#include "cloud/cloud_sql.hpp"
#include "cloud/google.hpp"

namespace {

void check(const pgmi::Result<pgmi::cloud::Token>& r) {
    if (r) {
        if (r->value.empty())
            std::abort();
    } else if (r.error().message.size() > 60 || r.error().kind != pgmi::ErrorKind::Connection) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto now = std::chrono::system_clock::from_time_t(1704164645);
    check(pgmi::cloud::parse_azure_token_response(input, now));
    check(pgmi::cloud::parse_azure_cli_token(input));
    check(pgmi::cloud::parse_azd_token(input));
    check(pgmi::cloud::parse_google_token_response(input, now));
    (void)pgmi::cloud::parse_rfc3339(input);
    auto n = pgmi::cloud::parse_instance_name(input);
    if (n) {
        if (n->to_string() != input || n->region.empty() || n->instance.empty())
            std::abort();
        if (n->to_string().find_first_of("/?#% ") != std::string::npos)
            std::abort();
    } else {
        const std::string& m = n.error().message;
        if (m.size() > 170 || m.find("expected PROJECT:REGION:INSTANCE") == std::string::npos)
            std::abort();
    }
    return 0;
}
