#include "cloud/crypto.hpp"

#include <gtest/gtest.h>

#include "cloud/jwt.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;

TEST(Crypto, Sha256KnownAnswers) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256Rfc4231) {
    // RFC 4231 test cases 1 and 2.
    EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64Rfc4648) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, enc] : vectors) {
        EXPECT_EQ(base64_encode(plain), enc);
        EXPECT_EQ(base64_decode(enc).value_or("?"), plain);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
    EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64_decode("-_-_").value_or("?"), "\xfb\xff\xbf");
    EXPECT_EQ(base64_decode("Zg").value_or("?"), "f");
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("Zm9v!"));
    EXPECT_FALSE(base64_decode("Zm 9v"));
}

TEST(Crypto, RandomHex) {
    const std::string a = random_hex(16);
    EXPECT_EQ(a.size(), 32U);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a, random_hex(16));
}

TEST(Crypto, GeneratedRsaKeySignsVerifiablyAndRoundTripsPem) {
    auto key = PrivateKey::generate_rsa(2048);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_TRUE(key->is_rsa());
    auto pub = key->public_key_pem();
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0U);
    auto sig = key->sign_sha256("payload");
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), 256U);
    EXPECT_TRUE(verify_rs256(*pub, "payload", *sig));
    EXPECT_FALSE(verify_rs256(*pub, "payloaD", *sig));
    auto priv = key->private_key_pem();
    ASSERT_TRUE(priv);
    EXPECT_EQ(priv->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0U);
    auto again = PrivateKey::from_pem(*priv);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again->public_key_pem(), *pub);
    // The openssl CLI derives the same public key from our PKCS#8.
    pgmi::test::TempDir dir;
    auto path = dir.write("k.pem", *priv);
    EXPECT_EQ(openssl({"pkey", "-in", path.string(), "-pubout"}), *pub);
}

TEST(Crypto, EcKeySignsRawRS) {
    auto key = PrivateKey::generate_ec_p256();
    ASSERT_TRUE(key);
    EXPECT_FALSE(key->is_rsa());
    auto sig = key->sign_sha256("payload");
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), 64U);
    // Re-wrap r||s as DER and verify with OpenSSL directly.
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(
        es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()), 32, nullptr),
        BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    ASSERT_GT(len, 0);
    const std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    EXPECT_TRUE(verify_rs256(*key->public_key_pem(), "payload", der_sig));  // verify is generic
}

TEST(Crypto, BadPrivateKeyIsAConfigErrorWithoutContent) {
    for (const std::string& bad :
         {std::string(""), std::string("not a key"),
          std::string(
              "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVl\n-----END PRIVATE KEY-----\n")}) {
        auto k = PrivateKey::from_pem(bad);
        ASSERT_FALSE(k);
        EXPECT_EQ(k.error().kind, ErrorKind::Config);
        EXPECT_EQ(k.error().message, "not an unencrypted PEM private key (PKCS#8 or traditional)");
    }
}

TEST(Crypto, CertificateExpiryAndThumbprintMatchOpenssl) {
    pgmi::test::TempDir dir;
    const auto key = dir.path() / "k.pem";
    const auto crt = dir.path() / "c.pem";
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out",
             crt.string(), "-days", "3", "-subj", "/CN=pgmi-test"});
    const std::string pem = read_file(crt);
    auto not_after = certificate_not_after(pem);
    ASSERT_TRUE(not_after) << not_after.error().message;
    // openssl prints "notAfter=<date>"; -dateopt iso_8601 is 3.x: "2026-01-01 00:00:00Z".
    std::string end =
        openssl({"x509", "-in", crt.string(), "-noout", "-enddate", "-dateopt", "iso_8601"});
    end = end.substr(end.find('=') + 1);
    end.erase(end.find_last_not_of("\n") + 1);
    end[10] = 'T';
    auto expect = parse_rfc3339(end);
    ASSERT_TRUE(expect) << end;
    EXPECT_EQ(*not_after, *expect);

    auto thumb = certificate_sha1_thumbprint(pem);
    ASSERT_TRUE(thumb);
    std::string fp = openssl({"x509", "-in", crt.string(), "-noout", "-fingerprint", "-sha1"});
    fp = fp.substr(fp.find('=') + 1);
    std::string raw;
    for (size_t i = 0; i + 1 < fp.size(); i += 3)
        raw += static_cast<char>(std::stoi(fp.substr(i, 2), nullptr, 16));
    EXPECT_EQ(*thumb, base64url_encode(raw));

    EXPECT_FALSE(certificate_not_after("garbage"));
    EXPECT_FALSE(certificate_sha1_thumbprint(""));
}

TEST(Crypto, JwtIsVerifiableWithThePublicKey) {
    auto key = PrivateKey::generate_rsa(2048);
    ASSERT_TRUE(key);
    auto jwt = sign_jwt({{"kid", "k1"}}, {{"iss", "me"}, {"n", 1}}, *key);
    ASSERT_TRUE(jwt);
    const size_t d1 = jwt->find('.');
    const size_t d2 = jwt->rfind('.');
    ASSERT_NE(d1, d2);
    EXPECT_EQ(b64_decode(jwt->substr(0, d1)), R"({"alg":"RS256","kid":"k1","typ":"JWT"})");
    EXPECT_EQ(b64_decode(jwt->substr(d1 + 1, d2 - d1 - 1)), R"({"iss":"me","n":1})");
    EXPECT_EQ(jwt->find_first_of("+/="), std::string::npos);
    EXPECT_TRUE(
        verify_rs256(*key->public_key_pem(), jwt->substr(0, d2), b64_decode(jwt->substr(d2 + 1))));
}

TEST(Crypto, Rfc3339) {
    EXPECT_EQ(parse_rfc3339("2015-08-30T12:36:00Z"), at(1440938160));
    EXPECT_EQ(parse_rfc3339("2015-08-30T12:36:00.123456Z"), at(1440938160));
    EXPECT_EQ(parse_rfc3339("2015-08-30T14:36:00+02:00"), at(1440938160));
    EXPECT_EQ(parse_rfc3339("2015-08-30T10:36:00-02:00"), at(1440938160));
    EXPECT_EQ(parse_rfc3339("2015-08-30 12:36:00Z"), at(1440938160));
    for (const char* bad :
         {"", "2015-08-30", "2015-08-30T12:36:00", "2015-13-30T12:36:00Z", "2015-08-30T12:36:00ZZ",
          "2015-08-30T12:36:00+0200", "x015-08-30T12:36:00Z", "2015-08-30T12:36:00.Z"})
        EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(Crypto, ScrubAndExcerpt) {
    EXPECT_EQ(scrub("a secret and secret", {"secret", ""}), "a [redacted] and [redacted]");
    EXPECT_EQ(excerpt("line1\nline2"), "line1 line2");
    EXPECT_EQ(excerpt(std::string(300, 'x')), std::string(200, 'x') + "...");
    // cut before a multi-byte character rather than inside it
    const std::string s = std::string(199, 'a') + "\xC3\xA9" + "zzz";
    EXPECT_EQ(excerpt(s), std::string(199, 'a') + "...");
}

}  // namespace
}  // namespace pgmi::cloud
