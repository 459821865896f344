#include "util/digest.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "util/strings.hpp"

namespace pgmi::util {

namespace {

const EVP_MD* fetch(const char* name, const EVP_MD* fallback) {
    EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    return md != nullptr ? md : fallback;
}

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        std::fputs("pgmi: OpenSSL digest failed\n", stderr);
        std::abort();
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

const EVP_MD* sha256_md() {
    static const EVP_MD* md = fetch("SHA256", EVP_sha256());
    return md;
}

}  // namespace

std::string sha256(std::string_view data) {
    return digest(sha256_md(), data);
}

std::string sha256_hex(std::string_view data) {
    return hex_encode(digest(sha256_md(), data));
}

std::string md5_hex(std::string_view data) {
    static const EVP_MD* md = fetch("MD5", EVP_md5());
    return hex_encode(digest(md, data));
}

}  // namespace pgmi::util
