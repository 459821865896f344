// Message digests through OpenSSL's EVP interface, with the algorithm fetched once (OpenSSL 3
// otherwise looks it up on every call, which shows on projects of thousands of files). A digest
// that fails means a broken OpenSSL installation: pgmi stops (abort) rather than compute a wrong
// checksum or signature.
#pragma once

#include <string>
#include <string_view>

namespace pgmi::util {

/// SHA-256 of `data`: 32 raw bytes.
std::string sha256(std::string_view data);

/// SHA-256 as 64 lower-case hex characters.
std::string sha256_hex(std::string_view data);

/// MD5 as 32 lower-case hex characters (identity only, never security).
std::string md5_hex(std::string_view data);

}  // namespace pgmi::util
