// Fuzzes the Google credentials JSON parser. Invariants: no crash; errors are Config, start with
// "credentials file " and stay short; a parsed service account has an e-mail and a key, an
// authorized user its id, secret and refresh token.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "cloud/google.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = pgmi::cloud::parse_google_credentials(input);
    if (!r) {
        const std::string& m = r.error().message;
        if (r.error().kind != pgmi::ErrorKind::Config || m.rfind("credentials file ", 0) != 0 ||
            m.size() > 160)
            std::abort();
        return 0;
    }
    if (const auto* sa = std::get_if<pgmi::cloud::GoogleServiceAccount>(&*r)) {
        if (sa->client_email.empty() || sa->private_key.empty() || sa->token_uri.empty())
            std::abort();
    } else {
        const auto& u = std::get<pgmi::cloud::GoogleAuthorizedUser>(*r);
        if (u.client_id.empty() || u.client_secret.empty() || u.refresh_token.empty())
            std::abort();
    }
    return 0;
}
