#include "cloud/jwt.hpp"

namespace pgmi::cloud {

Result<std::string> sign_jwt(nlohmann::json header, const nlohmann::json& claims,
                             const PrivateKey& key) {
    if (!header.contains("alg"))
        header["alg"] = key.is_rsa() ? "RS256" : "ES256";
    if (!header.contains("typ"))
        header["typ"] = "JWT";
    const std::string input =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    auto sig = key.sign_sha256(input);
    if (!sig)
        return std::move(sig).error();
    return input + "." + base64url_encode(*sig);
}

}  // namespace pgmi::cloud
