// An RDS IAM token checked by an independent re-computation of its SigV4 signature: OpenSSL is
// called directly and nothing from src/cloud is used, so a bug there cannot hide in both. Shared
// by the SigV4 unit tests and the AWS end-to-end tests (header only).
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pgmi::test {

inline std::string to_hex(const unsigned char* p, size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

inline std::string openssl_sha256_hex(const std::string& data) {
    unsigned char out[32];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
    return to_hex(out, len);
}

inline std::string openssl_hmac(const std::string& key, const std::string& data) {
    unsigned char out[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

/// Splits "k=v&k=v" into raw (still encoded) pairs.
inline std::vector<std::pair<std::string, std::string>> raw_pairs(const std::string& q) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t start = 0;
    while (start < q.size()) {
        size_t end = q.find('&', start);
        if (end == std::string::npos)
            end = q.size();
        const std::string p = q.substr(start, end - start);
        const size_t eq = p.find('=');
        out.emplace_back(p.substr(0, eq), eq == std::string::npos ? "" : p.substr(eq + 1));
        start = end + 1;
    }
    return out;
}

inline std::string pct_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// Recomputes the signature of an RDS token from its own query string, with OpenSSL called
/// directly (no code from src/cloud), and returns {expected, actual}.
inline std::pair<std::string, std::string> recompute_rds_signature(const std::string& token,
                                                                   const std::string& secret) {
    const size_t q = token.find("/?");
    const std::string endpoint = token.substr(0, q);
    auto pairs = raw_pairs(token.substr(q + 2));
    std::string actual;
    std::map<std::string, std::string> decoded;
    std::vector<std::pair<std::string, std::string>> signed_pairs;
    for (const auto& [k, v] : pairs) {
        decoded[pct_decode(k)] = pct_decode(v);
        if (k == "X-Amz-Signature")
            actual = v;
        else
            signed_pairs.emplace_back(k, v);
    }
    std::sort(signed_pairs.begin(), signed_pairs.end());
    std::string cq;
    for (const auto& [k, v] : signed_pairs)
        cq += (cq.empty() ? "" : "&") + k + "=" + v;
    const std::string creq =
        "GET\n/\n" + cq + "\nhost:" + endpoint + "\n\nhost\n" + openssl_sha256_hex("");
    // X-Amz-Credential = AKID/date/region/service/aws4_request
    const std::string cred = decoded["X-Amz-Credential"];
    std::vector<std::string> parts;
    size_t s = 0;
    for (size_t e; (e = cred.find('/', s)) != std::string::npos; s = e + 1)
        parts.push_back(cred.substr(s, e - s));
    parts.push_back(cred.substr(s));
    EXPECT_EQ(parts.size(), 5U);
    if (parts.size() != 5U)
        return {"", actual};
    const std::string scope = parts[1] + "/" + parts[2] + "/" + parts[3] + "/" + parts[4];
    const std::string sts = "AWS4-HMAC-SHA256\n" + decoded["X-Amz-Date"] + "\n" + scope + "\n" +
                            openssl_sha256_hex(creq);
    std::string key = openssl_hmac("AWS4" + secret, parts[1]);
    key = openssl_hmac(key, parts[2]);
    key = openssl_hmac(key, parts[3]);
    key = openssl_hmac(key, parts[4]);
    const std::string sig = openssl_hmac(key, sts);
    return {to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()), actual};
}

}  // namespace pgmi::test
