// Certificates for TLS tests, made in memory with OpenSSL's own API (independent of src/): a
// self-signed CA, and leaves with a chosen subject CN and DNS subjectAltNames, signed by a CA,
// for a generated key or for a public key someone submitted (a fake generateEphemeralCert).
// Header only; RSA 2048 keys, SHA-256 signatures, valid from an hour ago for a day.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgmi::test {

struct PemPair {
    std::string cert;  // PEM certificate
    std::string key;   // PEM PKCS#8 private key ("" for a certificate of a submitted key)
};

namespace x509_detail {

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
}

inline EVP_PKEY* new_rsa() {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    if (key == nullptr)
        throw std::runtime_error("RSA key generation failed");
    return key;
}

inline EVP_PKEY* read_key(const std::string& pem, bool is_private) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                               : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return key;
}

inline X509* read_cert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr)
        throw std::runtime_error("bad extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

/// Builds and signs a certificate for `subject_key`. issuer == nullptr: self-signed.
inline std::string make(EVP_PKEY* subject_key, const std::string& cn,
                        const std::vector<std::string>& dns, bool is_ca, X509* issuer,
                        EVP_PKEY* issuer_key) {
    static long serial = 1000;
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, subject_key);
    X509_NAME* name = X509_get_subject_name(cert);
    if (!cn.empty())
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    X509* ext_issuer = issuer != nullptr ? issuer : cert;
    if (is_ca) {
        add_ext(cert, ext_issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert, ext_issuer, NID_basic_constraints, "critical,CA:FALSE");
    }
    if (!dns.empty()) {
        std::string san;
        for (const auto& d : dns)
            san += (san.empty() ? "DNS:" : ",DNS:") + d;
        add_ext(cert, ext_issuer, NID_subject_alt_name, san);
    }
    X509_sign(cert, issuer_key != nullptr ? issuer_key : subject_key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    X509_free(cert);
    return bio_text(bio);
}

inline std::string key_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    return bio_text(bio);
}

}  // namespace x509_detail

/// A self-signed CA named `cn`.
inline PemPair make_ca(const std::string& cn) {
    EVP_PKEY* key = x509_detail::new_rsa();
    PemPair out{x509_detail::make(key, cn, {}, true, nullptr, nullptr), x509_detail::key_pem(key)};
    EVP_PKEY_free(key);
    return out;
}

/// A leaf for a new key, signed by `ca`.
inline PemPair make_leaf(const PemPair& ca, const std::string& cn,
                         const std::vector<std::string>& dns = {}) {
    EVP_PKEY* key = x509_detail::new_rsa();
    X509* issuer = x509_detail::read_cert(ca.cert);
    EVP_PKEY* issuer_key = x509_detail::read_key(ca.key, true);
    PemPair out{x509_detail::make(key, cn, dns, false, issuer, issuer_key),
                x509_detail::key_pem(key)};
    EVP_PKEY_free(issuer_key);
    X509_free(issuer);
    EVP_PKEY_free(key);
    return out;
}

/// A certificate for a submitted public key (PEM SubjectPublicKeyInfo), signed by `ca`; "" when
/// the key is unreadable.
inline std::string sign_public_key(const PemPair& ca, const std::string& public_key_pem,
                                   const std::string& cn) {
    EVP_PKEY* key = x509_detail::read_key(public_key_pem, false);
    if (key == nullptr)
        return "";
    X509* issuer = x509_detail::read_cert(ca.cert);
    EVP_PKEY* issuer_key = x509_detail::read_key(ca.key, true);
    std::string out = x509_detail::make(key, cn, {}, false, issuer, issuer_key);
    EVP_PKEY_free(issuer_key);
    X509_free(issuer);
    EVP_PKEY_free(key);
    return out;
}

}  // namespace pgmi::test
