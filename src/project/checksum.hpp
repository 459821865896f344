// Digests used for file identity (OpenSSL EVP).
#pragma once

#include <string>
#include <string_view>

namespace pgmi::project {

/// SHA-256 as 64 lower-case hex characters.
std::string sha256_hex(std::string_view data);
/// MD5 as 32 lower-case hex characters.
std::string md5_hex(std::string_view data);

}  // namespace pgmi::project
