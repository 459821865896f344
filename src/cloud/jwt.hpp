// Compact JWS (RFC 7515) signing for OAuth client assertions: Google's service-account grant
// and Azure's certificate credential.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cloud/crypto.hpp"
#include "util/error.hpp"

namespace pgmi::cloud {

/// base64url(header).base64url(claims).base64url(signature); "alg" is set from the key type
/// (RS256 for RSA, ES256 for EC) and "typ" to "JWT" unless `header` already has them.
Result<std::string> sign_jwt(nlohmann::json header, const nlohmann::json& claims,
                             const PrivateKey& key);

}  // namespace pgmi::cloud
