#include "cloud/cloud_sql.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fake_http.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;
using pgmi::test::FakeHttpServer;
using pgmi::test::FakeRequest;
using pgmi::test::FakeResponse;
using pgmi::test::TempDir;

/// Hands out a fixed token (the Admin API client only needs "some" provider).
class FixedTokens final : public TokenProvider {
  public:
    explicit FixedTokens(std::optional<std::string> value) : value_(std::move(value)) {}
    Result<Token> token() override {
        if (!value_)
            return make_error(ErrorKind::Connection, "no Google credentials found (test)");
        return Token{*value_, at(2000000000), "test"};
    }
    std::string name() const override { return "Google"; }

  private:
    std::optional<std::string> value_;
};

SqlAdminClient client_for(const FakeHttpServer& fake,
                          std::optional<std::string> token = "admin-token") {
    auto c = SqlAdminClient::create(
        env_from({{"CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN", fake.url() + "/"}}),
        std::make_shared<FixedTokens>(std::move(token)));
    EXPECT_TRUE(c) << c.error().message;
    return std::move(*c);
}

InstanceName name(const char* text) {
    auto n = parse_instance_name(text);
    EXPECT_TRUE(n) << text;
    return *n;
}

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

std::string settings_json(const std::string& region, const std::string& version) {
    return nlohmann::json({{"kind", "sql#connectSettings"},
                           {"serverCaCert", {{"kind", "sql#sslCert"}, {"cert", kCa}}},
                           {"ipAddresses",
                            {{{"type", "PRIMARY"}, {"ipAddress", "34.1.2.3"}},
                             {{"type", "PRIVATE"}, {"ipAddress", "10.0.0.7"}}}},
                           {"region", region},
                           {"databaseVersion", version},
                           {"backendType", "SECOND_GEN"},
                           {"dnsName", "abc.x.us-central1.sql.goog."},
                           {"serverCaMode", "GOOGLE_MANAGED_INTERNAL_CA"},
                           {"pscEnabled", false}})
        .dump();
}

TEST(CloudSqlInstance, ValidNames) {
    const InstanceName a = name("my-project:us-central1:my-instance");
    EXPECT_EQ(a.project, "my-project");
    EXPECT_EQ(a.region, "us-central1");
    EXPECT_EQ(a.instance, "my-instance");
    EXPECT_EQ(a.to_string(), "my-project:us-central1:my-instance");
    const InstanceName d = name("example.com:proj:europe-west1:db");
    EXPECT_EQ(d.project, "example.com:proj");
    EXPECT_EQ(d.region, "europe-west1");
    EXPECT_EQ(d.instance, "db");
}

TEST(CloudSqlInstance, InvalidNamesAreConfigErrors) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "invalid instance connection name, expected PROJECT:REGION:INSTANCE"},
        {"proj", "invalid instance connection name \"proj\", expected PROJECT:REGION:INSTANCE"},
        {"proj:region",
         "invalid instance connection name \"proj:region\", expected PROJECT:REGION:INSTANCE"},
        {"a:b:c:d:e",
         "invalid instance connection name \"a:b:c:d:e\", expected "
         "PROJECT:REGION:INSTANCE"},
        {"proj::inst",
         "invalid instance connection name \"proj::inst\", expected PROJECT:REGION:INSTANCE"},
        {":r:i", "invalid instance connection name \":r:i\", expected PROJECT:REGION:INSTANCE"},
        {"p:r:", "invalid instance connection name \"p:r:\", expected PROJECT:REGION:INSTANCE"},
        {"p:r:i/../../x", "invalid instance connection name, expected PROJECT:REGION:INSTANCE"},
        {"p:r:i?alt=media", "invalid instance connection name, expected PROJECT:REGION:INSTANCE"},
        {"p r:r:i", "invalid instance connection name, expected PROJECT:REGION:INSTANCE"},
        {"a.b:c.d:r:i",
         "invalid instance connection name \"a.b:c.d:r:i\", expected "
         "PROJECT:REGION:INSTANCE"},
    };
    for (const auto& [text, message] : cases) {
        auto r = parse_instance_name(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().kind, ErrorKind::Config);
        EXPECT_EQ(exit_code(r.error().kind), 10);
        EXPECT_EQ(r.error().message, message) << text;
    }
}

TEST(CloudSqlInstance, DatabaseUserForIamPrincipals) {
    EXPECT_EQ(cloud_sql_database_user("deployer@proj.iam.gserviceaccount.com"),
              "deployer@proj.iam");
    EXPECT_EQ(cloud_sql_database_user("jane@example.com"), "jane@example.com");
    EXPECT_EQ(cloud_sql_database_user(".gserviceaccount.com"), ".gserviceaccount.com");
}

TEST(CloudSqlAdmin, BaseUrlFollowsTheGcloudOverride) {
    auto tokens = std::make_shared<FixedTokens>("t");
    auto d = SqlAdminClient::create(env_from({}), tokens);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->base_url(), "https://sqladmin.googleapis.com/");
    auto o = SqlAdminClient::create(
        env_from({{"CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN", "https://sql.example.test/api"}}),
        tokens);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->base_url(), "https://sql.example.test/api/");
    auto bad = SqlAdminClient::create(
        env_from({{"CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN", "http://sql.example.test/"}}),
        tokens);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    EXPECT_NE(bad.error().message.find("CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN must use "
                                       "https://"),
              std::string::npos);
}

TEST(CloudSqlAdmin, ConnectSettings) {
    FakeHttpServer api;
    api.on("GET", "/sql/v1beta4/projects/proj/instances/inst/connectSettings",
           FakeResponse::json(settings_json("us-central1", "POSTGRES_15")));
    auto client = client_for(api);
    auto s = client.connect_settings(name("proj:us-central1:inst"));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->region, "us-central1");
    EXPECT_EQ(s->database_version, "POSTGRES_15");
    EXPECT_EQ(s->server_ca_cert, kCa);
    EXPECT_EQ(s->dns_name, "abc.x.us-central1.sql.goog.");
    EXPECT_EQ(s->server_ca_mode, "GOOGLE_MANAGED_INTERNAL_CA");
    EXPECT_FALSE(s->psc_enabled);
    ASSERT_EQ(s->ip_addresses.size(), 2U);
    EXPECT_EQ(s->ip_addresses[0].type, "PRIMARY");
    EXPECT_EQ(s->ip_addresses[0].address, "34.1.2.3");
    EXPECT_EQ(s->ip_addresses[1].address, "10.0.0.7");
    const FakeRequest r = api.requests()[0];
    EXPECT_EQ(r.header("authorization"), "Bearer admin-token");
}

TEST(CloudSqlAdmin, DomainScopedProjectInThePath) {
    FakeHttpServer api;
    api.on("GET", "/sql/v1beta4/projects/example.com:proj/instances/db/connectSettings",
           FakeResponse::json(settings_json("europe-west1", "POSTGRES_16")));
    auto client = client_for(api);
    EXPECT_TRUE(client.connect_settings(name("example.com:proj:europe-west1:db")));
}

TEST(CloudSqlAdmin, WrongRegionOrEngineAreConfigErrors) {
    FakeHttpServer api;
    api.on("GET", "/sql/v1beta4/projects/proj/instances/inst/connectSettings",
           FakeResponse::json(settings_json("europe-west1", "POSTGRES_15")));
    auto client = client_for(api);
    auto r = client.connect_settings(name("proj:us-central1:inst"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "instance proj:us-central1:inst is in region europe-west1, not "
              "us-central1; check --google-instance");
    api.on("GET", "/sql/v1beta4/projects/proj/instances/inst/connectSettings",
           FakeResponse::json(settings_json("us-central1", "MYSQL_8_0")));
    auto m = client.connect_settings(name("proj:us-central1:inst"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message, "instance proj:us-central1:inst runs MYSQL_8_0, not PostgreSQL");
}

TEST(CloudSqlAdmin, HttpErrorsCarryGooglesMessageNotTheToken) {
    FakeHttpServer api;
    api.on("GET", "/sql/v1beta4/projects/proj/instances/inst/connectSettings",
           FakeResponse::json(R"({"error":{"code":403,"message":"The client is not authorized )"
                              R"(to make this request.","status":"PERMISSION_DENIED"}})",
                              403));
    auto client = client_for(api);
    auto r = client.connect_settings(name("proj:us-central1:inst"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(r.error().message,
              "Cloud SQL Admin API connectSettings for proj:us-central1:inst returned HTTP 403 "
              "(The client is not authorized to make this request.); the principal needs the "
              "Cloud SQL Client role and the API must be enabled");
    EXPECT_EQ(r.error().message.find("admin-token"), std::string::npos);

    auto no_token = client_for(api, std::nullopt);
    auto t = no_token.connect_settings(name("proj:us-central1:inst"));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message,
              "could not get a Google token for the Cloud SQL Admin API: no Google credentials "
              "found (test)");
}

TEST(CloudSqlAdmin, GenerateEphemeralCertForAFreshKey) {
    TempDir dir;
    auto key = PrivateKey::generate_rsa(2048);
    ASSERT_TRUE(key);
    const std::string pub = *key->public_key_pem();
    const auto key_file = dir.write("k.pem", *key->private_key_pem());
    const auto cert_file = dir.path() / "c.pem";
    openssl({"req", "-x509", "-key", key_file.string(), "-subj", "/CN=user@proj.iam", "-days", "1",
             "-out", cert_file.string()});
    const std::string cert = read_file(cert_file);

    FakeHttpServer api;
    api.on("POST", "/sql/v1beta4/projects/proj/instances/inst:generateEphemeralCert",
           [&](const FakeRequest& req) {
               auto body = nlohmann::json::parse(req.body, nullptr, false);
               if (body.is_discarded() || body.value("public_key", "") != pub)
                   return FakeResponse::json(R"({"error":{"message":"bad key"}})", 400);
               return FakeResponse::json(
                   nlohmann::json(
                       {{"ephemeralCert",
                         {{"kind", "sql#sslCert"}, {"cert", cert}, {"certSerialNumber", "1"}}}})
                       .dump());
           });
    auto client = client_for(api);
    auto c = client.generate_ephemeral_cert(name("proj:us-central1:inst"), pub, "login-token");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->cert_pem, cert);
    std::string end =
        openssl({"x509", "-in", cert_file.string(), "-noout", "-enddate", "-dateopt", "iso_8601"});
    end = end.substr(end.find('=') + 1);
    end.erase(end.find_last_not_of('\n') + 1);
    end[10] = 'T';
    EXPECT_EQ(c->expires_at, *parse_rfc3339(end));
    // The certificate carries our key: openssl derives the same public key from it.
    EXPECT_EQ(openssl({"x509", "-in", cert_file.string(), "-noout", "-pubkey"}), pub);

    const FakeRequest r = api.requests()[0];
    EXPECT_EQ(r.header("authorization"), "Bearer admin-token");
    EXPECT_EQ(r.header("content-type"), "application/json");
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["access_token"], "login-token");

    ASSERT_TRUE(client.generate_ephemeral_cert(name("proj:us-central1:inst"), pub, ""));
    EXPECT_FALSE(nlohmann::json::parse(api.requests()[1].body).contains("access_token"));

    auto other = PrivateKey::generate_ec_p256();
    ASSERT_TRUE(other);
    auto refused = client.generate_ephemeral_cert(name("proj:us-central1:inst"),
                                                  *other->public_key_pem(), "login-token");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "Cloud SQL Admin API generateEphemeralCert for proj:us-central1:inst returned HTTP "
              "400 (bad key)");
    EXPECT_EQ(refused.error().message.find("login-token"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::cloud
