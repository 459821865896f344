// The cryptography the cloud clients need, on OpenSSL 3: SHA-256 and HMAC-SHA256 (SigV4),
// hex and base64/base64url, private keys (load PEM, generate RSA/EC, sign with SHA-256) for
// JWT assertions and Cloud SQL ephemeral certificates, and reading a certificate's expiry.
// Errors never quote key material.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/token.hpp"
#include "util/error.hpp"

struct evp_pkey_st;

#include "util/digest.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {

using util::sha256;      // 32 raw bytes
using util::sha256_hex;  // 64 lower-case hex characters

/// HMAC-SHA256 (32 raw bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);

using util::hex_encode;  // lower-case hex of raw bytes

std::string base64_encode(std::string_view bytes);
/// base64url without padding (RFC 7515 §2).
std::string base64url_encode(std::string_view bytes);
/// Standard or url-safe alphabet, padding optional, no whitespace; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

/// `bytes` random bytes as lower-case hex (for JWT ids and session names).
std::string random_hex(size_t bytes);

/// An asymmetric private key (RSA or EC).
class PrivateKey {
  public:
    /// PKCS#8 or traditional PEM, unencrypted. Config error (no key material quoted) otherwise.
    static Result<PrivateKey> from_pem(std::string_view pem);
    static Result<PrivateKey> generate_rsa(int bits = 2048);
    static Result<PrivateKey> generate_ec_p256();

    bool is_rsa() const;
    /// "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo).
    Result<std::string> public_key_pem() const;
    /// "-----BEGIN PRIVATE KEY-----" (PKCS#8, unencrypted).
    Result<std::string> private_key_pem() const;
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RS256) for RSA keys; ECDSA P-256 with SHA-256 as raw
    /// r||s (ES256, 64 bytes) for EC keys.
    Result<std::string> sign_sha256(std::string_view data) const;

    evp_pkey_st* get() const { return key_.get(); }

  private:
    struct Deleter {
        void operator()(evp_pkey_st* k) const;
    };
    explicit PrivateKey(evp_pkey_st* key) : key_(key, Deleter{}) {}
    std::shared_ptr<evp_pkey_st> key_;
};

/// The notAfter of the first certificate in `pem`.
Result<TimePoint> certificate_not_after(std::string_view pem);

/// base64url SHA-1 of the first certificate's DER (the JWT "x5t" header).
Result<std::string> certificate_sha1_thumbprint(std::string_view pem);

}  // namespace pgmi::cloud
