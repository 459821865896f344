#include "project/checksum.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace pgmi::project {

namespace {

// Explicitly fetched once: OpenSSL 3 otherwise looks the algorithm up on every digest, which
// shows on projects of thousands of files.
const EVP_MD* fetch(const char* name, const EVP_MD* fallback) {
    EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    return md != nullptr ? md : fallback;
}

std::string digest_hex(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        // Only a broken OpenSSL installation gets here; a wrong checksum would be worse than
        // stopping.
        std::fputs("pgmi: OpenSSL digest failed\n", stderr);
        std::abort();
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(static_cast<size_t>(len) * 2, '\0');
    for (unsigned int i = 0; i < len; ++i) {
        hex[2 * i] = kHex[out[i] >> 4];
        hex[2 * i + 1] = kHex[out[i] & 0x0f];
    }
    return hex;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    static const EVP_MD* md = fetch("SHA256", EVP_sha256());
    return digest_hex(md, data);
}

std::string md5_hex(std::string_view data) {
    static const EVP_MD* md = fetch("MD5", EVP_md5());
    return digest_hex(md, data);
}

}  // namespace pgmi::project
