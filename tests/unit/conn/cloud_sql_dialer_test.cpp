// The Cloud SQL dialer's pure rules: which server certificates identify the instance, which
// address is dialled, the IP type names. Certificates are made in memory (support/x509_maker).
#include "conn/cloud_sql_dialer.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "support/x509_maker.hpp"

namespace pgmi::conn {
namespace {

using test::PemPair;

const PemPair& ca() {
    static const PemPair c = test::make_ca("test server CA");
    return c;
}

cloud::InstanceName name(const char* text) {
    auto n = cloud::parse_instance_name(text);
    EXPECT_TRUE(n) << text;
    return *n;
}

/// verify_cloud_sql_server_identity on a leaf with `cn` and `dns` SANs ("" CN = none).
Status identity(const std::string& cn, const std::vector<std::string>& dns, const char* instance,
                std::string_view dns_name) {
    const PemPair leaf = test::make_leaf(ca(), cn, dns);
    std::unique_ptr<X509, decltype(&X509_free)> cert(test::x509_detail::read_cert(leaf.cert),
                                                     &X509_free);
    return verify_cloud_sql_server_identity(cert.get(), name(instance), dns_name);
}

constexpr const char* kInst = "proj:us-central1:db";
constexpr const char* kDns = "abc.x.us-central1.sql.goog.";

TEST(CloudSqlIdentity, TheDnsNameInTheSubjectAltNameIdentifiesTheInstance) {
    // The trailing dot of connectSettings' dnsName does not matter; the CN then does not either.
    EXPECT_TRUE(identity("whatever", {"abc.x.us-central1.sql.goog"}, kInst, kDns));
    EXPECT_TRUE(identity("", {"other.example", "ABC.x.us-central1.sql.goog"}, kInst, kDns));
}

TEST(CloudSqlIdentity, TheLegacyCommonNameIsProjectColonInstance) {
    EXPECT_TRUE(identity("proj:db", {}, kInst, ""));
    // A certificate made before the instance had a DNS name still identifies it by CN.
    EXPECT_TRUE(identity("proj:db", {"old.example"}, kInst, kDns));
    // A domain-scoped project keeps its domain in the CN.
    EXPECT_TRUE(identity("example.com:proj:db", {}, "example.com:proj:us-central1:db", ""));
}

TEST(CloudSqlIdentity, AnythingElseIsRefusedNamingTheInstanceAndTheCertificate) {
    auto other = identity("proj:other", {"other.example"}, kInst, kDns);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().kind, ErrorKind::Connection);
    const std::string& m = other.error().message;
    EXPECT_NE(m.find(kInst), std::string::npos) << m;
    EXPECT_NE(m.find("CN \"proj:other\""), std::string::npos) << m;
    EXPECT_NE(m.find("DNS \"other.example\""), std::string::npos) << m;
    EXPECT_NE(m.find("expected DNS name \"abc.x.us-central1.sql.goog\" or CN \"proj:db\""),
              std::string::npos)
        << m;

    EXPECT_FALSE(identity("proj:db2", {}, kInst, ""));             // exact, not a prefix
    EXPECT_FALSE(identity("PROJ:db", {}, kInst, ""));              // case matters in the CN
    EXPECT_FALSE(identity("proj:us-central1:db", {}, kInst, ""));  // the CN has no region
    EXPECT_FALSE(identity("db", {}, kInst, ""));
    // The DNS name only counts in a subjectAltName, never in the CN.
    EXPECT_FALSE(identity("abc.x.us-central1.sql.goog", {}, kInst, kDns));
    // Without a DNS name from the API a matching SAN proves nothing.
    EXPECT_FALSE(identity("", {"abc.x.us-central1.sql.goog"}, kInst, ""));
    auto none = identity("", {}, kInst, "");
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("for no name"), std::string::npos);
}

TEST(CloudSqlIdentity, TwoCommonNamesAreRefused) {
    // A second CN could smuggle the expected one past a check of the first.
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    X509_set_pubkey(cert, key);
    X509_NAME* subject = X509_get_subject_name(cert);
    for (const char* cn : {"proj:other", "proj:db"})
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    EXPECT_FALSE(verify_cloud_sql_server_identity(cert, name(kInst), ""));
    X509_free(cert);
    EVP_PKEY_free(key);
}

cloud::ConnectSettings settings(std::vector<cloud::IpAddress> ips) {
    cloud::ConnectSettings s;
    s.ip_addresses = std::move(ips);
    return s;
}

TEST(CloudSqlAddress, PublicMeansPrimaryAndPrivateMeansPrivate) {
    auto s = settings({{"OUTGOING", "34.0.0.9"}, {"PRIMARY", "34.1.2.3"}, {"PRIVATE", "10.0.0.7"}});
    EXPECT_EQ(*select_cloud_sql_address(s, CloudSqlIpType::Public, name(kInst)), "34.1.2.3");
    EXPECT_EQ(*select_cloud_sql_address(s, CloudSqlIpType::Private, name(kInst)), "10.0.0.7");
}

TEST(CloudSqlAddress, AMissingTypeNamesTheOnesTheInstanceHas) {
    auto s = settings({{"PRIVATE", "10.0.0.7"}, {"OUTGOING", "34.0.0.9"}});
    auto r = select_cloud_sql_address(s, CloudSqlIpType::Public, name(kInst));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(r.error().message,
              "Cloud SQL instance proj:us-central1:db has no public IP address (PRIMARY); it has "
              "PRIVATE, OUTGOING");
    auto empty = select_cloud_sql_address(settings({}), CloudSqlIpType::Private, name(kInst));
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("it has none"), std::string::npos);
}

TEST(CloudSqlAddress, IpTypeNames) {
    EXPECT_EQ(*parse_cloud_sql_ip_type("public"), CloudSqlIpType::Public);
    EXPECT_EQ(*parse_cloud_sql_ip_type("PRIVATE"), CloudSqlIpType::Private);
    auto bad = parse_cloud_sql_ip_type("psc");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    EXPECT_NE(bad.error().message.find("(valid: public, private)"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::conn
