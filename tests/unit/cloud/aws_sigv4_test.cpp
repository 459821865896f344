#include "cloud/aws_sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "cloud/crypto.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;

// Published values: the AWS SigV4 test suite (get-vanilla, post-vanilla,
// get-vanilla-query-order-key-case) and the IAM ListUsers example of the SigV4 documentation,
// all with AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY at 20150830T123600Z.
const AwsCredentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                            std::nullopt, "test"};
constexpr const char* kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::time_t k20150830T123600Z = 1440938160;

SigV4Input suite_input(const std::string& method) {
    SigV4Input in;
    in.method = method;
    in.path = "/";
    in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    in.payload_sha256 = kEmptySha;
    in.region = "us-east-1";
    in.service = "service";
    in.amz_date = "20150830T123600Z";
    return in;
}

TEST(SigV4, DocumentedSigningKeyDerivation) {
    EXPECT_EQ(hex_encode(sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                           "us-east-1", "iam")),
              "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, SuiteGetVanilla) {
    const SigV4Signature s = sigv4_sign(suite_input("GET"), kSuite);
    EXPECT_EQ(s.canonical_request,
              "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
              "host;x-amz-date\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(s.string_to_sign,
              "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
              "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    EXPECT_EQ(s.authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SuitePostVanilla) {
    EXPECT_EQ(sigv4_sign(suite_input("POST"), kSuite).signature,
              "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, SuiteGetVanillaQueryOrderKeyCase) {
    SigV4Input in = suite_input("GET");
    in.query = {{"Param2", "value2"}, {"Param1", "value1"}};
    const SigV4Signature s = sigv4_sign(in, kSuite);
    EXPECT_NE(s.canonical_request.find("\n/\nParam1=value1&Param2=value2\n"), std::string::npos);
    EXPECT_EQ(s.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, DocumentedIamListUsersExample) {
    SigV4Input in;
    in.method = "GET";
    in.path = "/";
    in.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
    in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"Host", "iam.amazonaws.com"},
                  {"X-Amz-Date", "20150830T123600Z"}};
    in.payload_sha256 = kEmptySha;
    in.region = "us-east-1";
    in.service = "iam";
    in.amz_date = "20150830T123600Z";
    const SigV4Signature s = sigv4_sign(in, kSuite);
    EXPECT_EQ(sha256_hex(s.canonical_request),
              "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    EXPECT_EQ(s.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, HeaderValuesAreTrimmedAndCollapsed) {
    SigV4Input a = suite_input("GET");
    a.headers.emplace_back("My-Header1", "    value1   and   value2  ");
    SigV4Input b = suite_input("GET");
    b.headers.emplace_back("my-header1", "value1 and value2");
    const auto sa = sigv4_sign(a, kSuite);
    EXPECT_EQ(sa.signature, sigv4_sign(b, kSuite).signature);
    EXPECT_NE(sa.canonical_request.find("my-header1:value1 and value2\n"), std::string::npos);
    EXPECT_EQ(sa.signed_headers, "host;my-header1;x-amz-date");
}

TEST(SigV4, AmzDateAndCanonicalQuery) {
    EXPECT_EQ(amz_date(at(k20150830T123600Z)), "20150830T123600Z");
    EXPECT_EQ(amz_date(at(0)), "19700101T000000Z");
    EXPECT_EQ(sigv4_canonical_query({{"b", "2"}, {"a", "x y/z"}, {"a", "1"}, {"A", "~"}}),
              "A=~&a=1&a=x%20y%2Fz&b=2");
}

// ---- RDS IAM token, checked by an independent re-computation ---------------------------------

using pgmi::test::recompute_rds_signature;

TEST(RdsToken, ShapeAndParametersAreExact) {
    const AwsCredentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               "", std::nullopt, "test"};
    // 2024-01-02T03:04:05Z
    const std::string token = rds_auth_token("mydb.abc123.us-west-2.rds.amazonaws.com", 5432,
                                             "iam user@x", "us-west-2", creds, at(1704164645));
    const std::string prefix =
        "mydb.abc123.us-west-2.rds.amazonaws.com:5432/?Action=connect&DBUser=iam%20user%40x"
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240102%2Fus-west-2%2Frds-db%2Faws4_request"
        "&X-Amz-Date=20240102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=";
    ASSERT_EQ(token.substr(0, prefix.size()), prefix);
    const std::string sig = token.substr(prefix.size());
    EXPECT_EQ(sig.size(), 64U);
    EXPECT_EQ(sig.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(token.find("https://"), std::string::npos);
    EXPECT_EQ(token.find(creds.secret_access_key), std::string::npos);
}

TEST(RdsToken, SignatureMatchesAnIndependentRecomputation) {
    const AwsCredentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               "", std::nullopt, "test"};
    for (const char* user : {"jane_doe", "iam user@x", "a+b/c=d"}) {
        const std::string token = rds_auth_token("db.cluster-xyz.eu-central-1.rds.amazonaws.com",
                                                 6543, user, "eu-central-1", creds, at(1704164645));
        auto [expected, actual] = recompute_rds_signature(token, creds.secret_access_key);
        EXPECT_EQ(actual, expected) << token;
    }
    // A different secret gives a different signature (the check can fail).
    const std::string token = rds_auth_token("h", 5432, "u", "us-east-1", creds, at(1704164645));
    auto [expected, actual] = recompute_rds_signature(token, "another secret");
    EXPECT_NE(actual, expected);
}

TEST(RdsToken, SessionTokenIsSignedInSortedPosition) {
    const AwsCredentials creds{"ASIAEXAMPLE", "secret/key+1",
                               "FwoGZXIvYXdzE+session/token==", std::nullopt, "test"};
    const std::string token =
        rds_auth_token("127.0.0.1", 5432, "app", "us-east-1", creds, at(1704164645));
    EXPECT_NE(token.find("&X-Amz-Expires=900&X-Amz-Security-Token="
                         "FwoGZXIvYXdzE%2Bsession%2Ftoken%3D%3D&X-Amz-SignedHeaders=host&"
                         "X-Amz-Signature="),
              std::string::npos)
        << token;
    auto [expected, actual] = recompute_rds_signature(token, creds.secret_access_key);
    EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace pgmi::cloud
