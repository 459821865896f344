#include "cloud/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <ctime>
#include <vector>

#include "util/openssl.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {
namespace {

using util::BioPtr;

Error crypto_error(const std::string& what) {
    ERR_clear_error();  // OpenSSL's queue may describe the input; do not surface it
    return make_error(ErrorKind::General, what);
}

BioPtr memory_bio(std::string_view data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_string(BIO* b) {
    char* p = nullptr;
    const long n = BIO_get_mem_data(b, &p);
    return n > 0 ? std::string(p, static_cast<size_t>(n)) : std::string();
}

Result<util::X509Ptr> first_certificate(std::string_view pem) {
    if (pem.size() > (1U << 20))
        return crypto_error("certificate too large");
    BioPtr bio = memory_bio(pem);
    util::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert)
        return crypto_error("not a PEM certificate");
    return cert;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string base64_encode(std::string_view bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2)
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string s = base64_encode(bytes);
    while (!s.empty() && s.back() == '=')
        s.pop_back();
    for (char& c : s) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return s;
}

std::optional<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+' || c == '-')
            return 62;
        if (c == '/' || c == '_')
            return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=')
        text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value(c);
        if (v < 0)
            return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::string random_hex(size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
        ERR_clear_error();
    return util::hex_encode(
        std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

void PrivateKey::Deleter::operator()(evp_pkey_st* k) const {
    EVP_PKEY_free(k);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    if (pem.size() > (1U << 20))
        return make_error(ErrorKind::Config, "private key too large");
    BioPtr bio = memory_bio(pem);
    EVP_PKEY* key =
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")) : nullptr;
    if (key == nullptr) {
        ERR_clear_error();
        return make_error(ErrorKind::Config,
                          "not an unencrypted PEM private key (PKCS#8 or traditional)");
    }
    PrivateKey k(key);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return make_error(ErrorKind::Config, "private key is neither RSA nor EC");
    return k;
}

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
    EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
    if (key == nullptr)
        return crypto_error("could not generate an RSA key");
    return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::generate_ec_p256() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (key == nullptr)
        return crypto_error("could not generate an EC key");
    return PrivateKey(key);
}

bool PrivateKey::is_rsa() const {
    return EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_RSA;
}

Result<std::string> PrivateKey::public_key_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1)
        return crypto_error("could not encode the public key");
    return bio_string(bio.get());
}

Result<std::string> PrivateKey::private_key_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                              nullptr) != 1)
        return crypto_error("could not encode the private key");
    return bio_string(bio.get());
}

Result<std::string> PrivateKey::sign_sha256(std::string_view data) const {
    util::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1)
        return crypto_error("could not initialise signing");
    size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1)
        return crypto_error("could not sign");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1)
        return crypto_error("could not sign");
    sig.resize(len);
    if (is_rsa())
        return sig;
    // ECDSA: DER SEQUENCE{r, s} -> fixed-width r||s as JWS wants.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    if (es == nullptr)
        return crypto_error("could not decode the ECDSA signature");
    std::string raw(64, '\0');
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(es, &r, &s);
    const bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32) == 32 &&
                    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32) == 32;
    ECDSA_SIG_free(es);
    if (!ok)
        return crypto_error("could not encode the ECDSA signature");
    return raw;
}

Result<TimePoint> certificate_not_after(std::string_view pem) {
    auto cert = first_certificate(pem);
    if (!cert)
        return std::move(cert).error();
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &tm) != 1)
        return crypto_error("certificate has an unreadable notAfter");
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<std::string> certificate_sha1_thumbprint(std::string_view pem) {
    auto cert = first_certificate(pem);
    if (!cert)
        return std::move(cert).error();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert->get(), EVP_sha1(), md, &len) != 1)
        return crypto_error("could not hash the certificate");
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace pgmi::cloud
