// Azure Entra ID tokens for Azure Database for PostgreSQL (connections §8.2), without an SDK.
// The DefaultAzureCredential order:
//   1. environment: tenant + client id + AZURE_CLIENT_SECRET (client secret), or
//      + AZURE_CLIENT_CERTIFICATE_PATH (a PEM with certificate and unencrypted key; RS256 client
//      assertion with x5t) -> POST <authority>/<tenant>/oauth2/v2.0/token
//   2. workload identity: AZURE_FEDERATED_TOKEN_FILE + tenant + client id (the file, re-read on
//      every call, is the client assertion)
//   3. managed identity (user-assigned when a client id is known):
//      App Service/Functions: IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01;
//      VM IMDS: <base>/metadata/identity/oauth2/token, api-version 2018-02-01, "Metadata: true".
//      IMDS rule (it has no standard override): the base is PGMI_AZURE_IMDS_ENDPOINT when set
//      (https://, or http:// to loopback or 169.254.169.254); otherwise IMDS at
//      http://169.254.169.254 is asked only when this machine's DMI chassis asset tag is Azure's
//      (7783-7084-3265-9085), so a machine that is not an Azure VM never sends a packet to the
//      link-local address.
//   4. Azure CLI: `az account get-access-token --output json --resource <resource> [--tenant T]`
//   5. Azure Developer CLI: `azd auth token --output json --no-prompt --scope <scope>
//      [--tenant-id T]`
// Tenant and client id: option (flag) > AZURE_TENANT_ID / AZURE_CLIENT_ID > option fallback (yaml),
// as connections §5.8 orders them. Authority:
// AZURE_AUTHORITY_HOST (override rule of http.hpp), default https://login.microsoftonline.com/.
// An unconfigured or unavailable source is skipped with its reason; a configured one that fails
// stops the chain.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cloud/token.hpp"
#include "util/env.hpp"

namespace pgmi::cloud {

inline constexpr const char* kAzurePostgresScope =
    "https://ossrdbms-aad.database.windows.net/.default";
inline constexpr const char* kAzurePostgresResource = "https://ossrdbms-aad.database.windows.net";

struct AzureOptions {
    std::string tenant_id;           // --azure-tenant-id; overrides AZURE_TENANT_ID
    std::string client_id;           // --azure-client-id; overrides AZURE_CLIENT_ID (also selects a
                                     // user-assigned managed identity)
    std::string tenant_id_fallback;  // pgmi.yaml; used only when neither of the above is set
    std::string client_id_fallback;  // pgmi.yaml; likewise
    std::string scope = kAzurePostgresScope;
    EnvLookup env = process_env();
    Clock now = system_clock();
    std::chrono::milliseconds http_timeout{15000};
    std::chrono::milliseconds imds_timeout{1000};
    std::chrono::milliseconds cli_timeout{30000};
    std::string dmi_asset_tag_path = "/sys/class/dmi/id/chassis_asset_tag";
};

/// A provider walking the chain above on every token() call.
std::unique_ptr<TokenProvider> make_azure_token_provider(AzureOptions options);

/// Parses an Entra token response body (client credential, managed identity): access_token plus
/// expires_on (epoch seconds) or expires_in (seconds from `now`). Error text names fields only.
Result<Token> parse_azure_token_response(std::string_view body, TimePoint now);

/// Parses `az account get-access-token -o json` output: accessToken plus expires_on (epoch) or
/// expiresOn (local time "YYYY-MM-DD HH:MM:SS[.ffffff]").
Result<Token> parse_azure_cli_token(std::string_view body);

/// Parses `azd auth token --output json` output: token plus expiresOn (RFC 3339).
Result<Token> parse_azd_token(std::string_view body);

}  // namespace pgmi::cloud
