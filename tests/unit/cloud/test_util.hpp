// Helpers for the cloud unit tests: a fixed clock, executable scripts, OpenSSL checks that are
// written independently of src/cloud (so a bug there cannot hide in both).
#pragma once

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "cloud/token.hpp"
#include "support/rds_token_check.hpp"
#include "support/support.hpp"

namespace pgmi::cloud::testing {

/// 2015-08-30T12:36:00Z plus `offset` seconds.
inline TimePoint at(std::time_t unix_seconds) {
    return std::chrono::system_clock::from_time_t(unix_seconds);
}
inline Clock fixed_clock(std::time_t unix_seconds) {
    return [t = at(unix_seconds)] { return t; };
}

/// Writes an executable script.
inline std::filesystem::path write_script(const pgmi::test::TempDir& dir, const std::string& name,
                                          const std::string& body) {
    auto path = dir.write(name, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
    return path;
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using pgmi::test::openssl_hmac;
using pgmi::test::openssl_sha256_hex;
using pgmi::test::to_hex;

/// base64url (or standard) decoding written for the tests.
inline std::string b64_decode(std::string s) {
    for (char& c : s) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
    }
    while (s.size() % 4 != 0)
        s += '=';
    std::string out(s.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(s.data()),
                                  static_cast<int>(s.size()));
    if (n < 0)
        return "<bad base64>";
    size_t pad = 0;
    while (pad < 2 && s.size() > pad && s[s.size() - 1 - pad] == '=')
        ++pad;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

/// True when `signature` is a valid RSASSA-PKCS1-v1_5/SHA-256 signature of `data` under the
/// public key (or certificate) in `pem`.
inline bool verify_rs256(const std::string& pem, const std::string& data,
                         const std::string& signature) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    if (key == nullptr) {
        BIO_free(bio);
        bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        if (cert != nullptr) {
            key = X509_get_pubkey(cert);
            X509_free(cert);
        }
    }
    BIO_free(bio);
    if (key == nullptr)
        return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(
                  ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

/// Runs the openssl CLI (fails the test on a non-zero exit) and returns stdout.
inline std::string openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = pgmi::test::run_program(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

}  // namespace pgmi::cloud::testing
