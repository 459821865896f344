// Google Application Default Credentials (connections §8.3), without an SDK. In order:
//   1. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file; "service_account" -> RS256 JWT grant
//      (kid = private_key_id; iss = client_email; scope = the scopes; aud = token_uri; iat;
//      exp = iat + 3600) posted to its token_uri; "authorized_user" -> refresh-token grant
//   2. gcloud's well-known file $CLOUDSDK_CONFIG/application_default_credentials.json, default
//      ~/.config/gcloud/application_default_credentials.json
//   3. the metadata server with "Metadata-Flavor: Google": http://$GCE_METADATA_HOST when set
//      (loopback, metadata.google.internal or 169.254.169.254 only); otherwise
//      http://169.254.169.254, asked only when this machine's DMI product name says Google or a
//      serverless runtime announces itself (K_SERVICE, CLOUD_RUN_JOB, GAE_SERVICE,
//      FUNCTION_TARGET), so a machine that is not on Google Cloud never sends a packet to the
//      link-local address.
// token_uri values follow the override rule of http.hpp (https://, or http:// to loopback); the
// default is https://oauth2.googleapis.com/token. A missing source is skipped with its reason; a
// present one that fails stops the chain.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cloud/token.hpp"
#include "util/env.hpp"

namespace pgmi::cloud {

inline constexpr const char* kGoogleSqlAdminScope =
    "https://www.googleapis.com/auth/sqlservice.admin";
inline constexpr const char* kGoogleCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr const char* kGoogleSqlLoginScope =
    "https://www.googleapis.com/auth/sqlservice.login";
inline constexpr const char* kGoogleDefaultTokenUri = "https://oauth2.googleapis.com/token";

struct GoogleServiceAccount {
    std::string client_email;
    std::string private_key;  // PEM, secret
    std::string private_key_id;
    std::string token_uri;  // default kGoogleDefaultTokenUri
    std::string project_id;
};

struct GoogleAuthorizedUser {
    std::string client_id;
    std::string client_secret;  // secret
    std::string refresh_token;  // secret
    std::string token_uri;      // default kGoogleDefaultTokenUri
};

using GoogleCredentialsFile = std::variant<GoogleServiceAccount, GoogleAuthorizedUser>;

/// Parses a credentials JSON file. Config errors name the missing or mistyped field, or the
/// unsupported "type", never a value.
Result<GoogleCredentialsFile> parse_google_credentials(std::string_view json);

struct GoogleOptions {
    std::vector<std::string> scopes = {kGoogleSqlAdminScope};
    EnvLookup env = process_env();
    Clock now = system_clock();
    std::chrono::milliseconds http_timeout{15000};
    std::chrono::milliseconds metadata_timeout{1000};
    std::string dmi_product_name_path = "/sys/class/dmi/id/product_name";
};

/// A Google token provider that can also say whom its tokens act for.
class GoogleTokenProvider : public TokenProvider {
  public:
    /// The e-mail of the principal behind the source the last successful token() call chose: a
    /// service account's client_email; for an authorized user, the "email" its token info
    /// reports (POST <token_uri origin>/tokeninfo, the token in the body; needs the email scope
    /// that gcloud's login grants); for the metadata server, its default service account's
    /// e-mail. Connection error when that source cannot say (ask for -U), Unexpected before any
    /// token() succeeded.
    virtual Result<std::string> principal() = 0;
};

/// A provider walking the chain above on every token() call.
std::unique_ptr<GoogleTokenProvider> make_google_token_provider(GoogleOptions options);

/// Parses an OAuth token response: access_token and expires_in (seconds from `now`).
Result<Token> parse_google_token_response(std::string_view body, TimePoint now);

}  // namespace pgmi::cloud
