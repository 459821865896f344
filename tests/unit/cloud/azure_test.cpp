#include "cloud/azure.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cloud/crypto.hpp"
#include "support/fake_http.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;
using pgmi::test::FakeHttpServer;
using pgmi::test::FakeRequest;
using pgmi::test::FakeResponse;
using pgmi::test::TempDir;

constexpr std::time_t kNow = 1704164645;  // 2024-01-02T03:04:05Z

/// PATH is an empty directory (no az/azd), the DMI asset tag file does not exist (not an Azure
/// VM), the clock is fixed.
struct Env {
    TempDir dir;
    TempDir bin;
    std::map<std::string, std::string> vars;
    AzureOptions opts;
    Env() {
        vars = {{"HOME", dir.path().string()}, {"PATH", bin.path().string()}};
        opts.now = fixed_clock(kNow);
        opts.dmi_asset_tag_path = (dir.path() / "chassis_asset_tag").string();
    }
    std::unique_ptr<TokenProvider> provider() {
        AzureOptions o = opts;
        o.env = env_from(vars);
        return make_azure_token_provider(o);
    }
};

FakeResponse entra_token(const std::string& token = "eyJ.azure.token") {
    return FakeResponse::json(R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,)"
                              R"("access_token":")" +
                              token + "\"}");
}

TEST(Azure, ClientSecretAgainstTheAuthorityHost) {
    Env e;
    FakeHttpServer entra;
    entra.on("POST", "/tenant-1/oauth2/v2.0/token", entra_token());
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url();
    e.vars["AZURE_TENANT_ID"] = "tenant-1";
    e.vars["AZURE_CLIENT_ID"] = "client-1";
    e.vars["AZURE_CLIENT_SECRET"] = "s3cr3t&=+";
    auto p = e.provider();
    EXPECT_EQ(p->name(), "Azure");
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "eyJ.azure.token");
    EXPECT_EQ(t->expires_at, at(kNow + 3599));
    EXPECT_EQ(t->source, "environment (client secret)");
    ASSERT_EQ(p->last_attempts().size(), 1U);
    EXPECT_EQ(p->last_attempts()[0].source, "environment");
    EXPECT_EQ(p->last_attempts()[0].outcome, "chosen");
    auto reqs = entra.requests();
    ASSERT_EQ(reqs.size(), 1U);
    EXPECT_EQ(reqs[0].header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(reqs[0].body,
              "client_id=client-1&scope=https%3A%2F%2Fossrdbms-aad.database.windows.net%2F."
              "default&client_secret=s3cr3t%26%3D%2B&grant_type=client_credentials");
}

TEST(Azure, OptionsOverrideTenantAndClientVariables) {
    Env e;
    FakeHttpServer entra;
    entra.on("POST", "/opt-tenant/oauth2/v2.0/token", entra_token());
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url() + "/";
    e.vars["AZURE_TENANT_ID"] = "env-tenant";
    e.vars["AZURE_CLIENT_ID"] = "env-client";
    e.vars["AZURE_CLIENT_SECRET"] = "sec";
    e.opts.tenant_id = "opt-tenant";
    e.opts.client_id = "opt-client";
    auto t = e.provider()->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(entra.requests()[0].form_field("client_id").value_or(""), "opt-client");
}

TEST(Azure, YamlFallbackIdsCountOnlyWhenTheVariablesAreUnset) {
    Env e;
    FakeHttpServer entra;
    entra.on("POST", "/env-tenant/oauth2/v2.0/token", entra_token());
    entra.on("POST", "/yaml-tenant/oauth2/v2.0/token", entra_token());
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url();
    e.vars["AZURE_TENANT_ID"] = "env-tenant";
    e.vars["AZURE_CLIENT_SECRET"] = "sec";
    e.opts.tenant_id_fallback = "yaml-tenant";
    e.opts.client_id_fallback = "yaml-client";
    ASSERT_TRUE(e.provider()->token());
    EXPECT_EQ(entra.requests()[0].path, "/env-tenant/oauth2/v2.0/token");
    EXPECT_EQ(entra.requests()[0].form_field("client_id").value_or(""), "yaml-client");
    e.vars.erase("AZURE_TENANT_ID");
    ASSERT_TRUE(e.provider()->token());
    EXPECT_EQ(entra.requests()[1].path, "/yaml-tenant/oauth2/v2.0/token");
}

TEST(Azure, RejectedSecretStopsTheChainAndIsNotQuoted) {
    Env e;
    FakeHttpServer entra;
    entra.on("POST", "/t/oauth2/v2.0/token",
             FakeResponse::json(R"({"error":"invalid_client","error_description":"AADSTS7000215: )"
                                R"(Invalid client secret provided: s3cr3tvalue\r\nTrace ID: 1"})",
                                401));
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url();
    e.vars["AZURE_TENANT_ID"] = "t";
    e.vars["AZURE_CLIENT_ID"] = "c";
    e.vars["AZURE_CLIENT_SECRET"] = "s3cr3tvalue";
    auto t = e.provider()->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Connection);
    const std::string why =
        "token endpoint returned HTTP 401 (invalid_client: AADSTS7000215: Invalid client secret "
        "provided: [redacted])";
    EXPECT_EQ(t.error().message, "Azure credential from environment failed: " + why +
                                     " (sources tried: environment: failed: " + why + ")");
}

TEST(Azure, AuthorityHostAndTenantAreValidated) {
    Env e;
    e.vars["AZURE_AUTHORITY_HOST"] = "http://login.example.com";
    e.vars["AZURE_TENANT_ID"] = "t";
    e.vars["AZURE_CLIENT_ID"] = "c";
    e.vars["AZURE_CLIENT_SECRET"] = "s";
    auto t = e.provider()->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Config);
    EXPECT_NE(t.error().message.find("AZURE_AUTHORITY_HOST must use https://"), std::string::npos);

    e.vars.erase("AZURE_AUTHORITY_HOST");
    e.opts.tenant_id = "../evil?x=";
    auto bad = e.provider()->token();
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    EXPECT_EQ(bad.error().message,
              "Azure tenant id must be a GUID or a domain name (letters, digits, '.' and '-')");
}

TEST(Azure, WorkloadIdentityUsesTheFederatedTokenAsAssertion) {
    Env e;
    FakeHttpServer entra;
    entra.on("POST", "/t/oauth2/v2.0/token", entra_token("wi-token"));
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url();
    e.vars["AZURE_TENANT_ID"] = "t";
    e.vars["AZURE_CLIENT_ID"] = "c";
    e.vars["AZURE_FEDERATED_TOKEN_FILE"] = e.dir.write("fed", "eyJ.federated.jwt\n").string();
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "wi-token");
    EXPECT_EQ(t->source, "workload identity");
    const auto a = p->last_attempts();
    ASSERT_EQ(a.size(), 2U);
    EXPECT_EQ(a[0].outcome,
              "skipped: AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) is not set");
    EXPECT_EQ(a[1].source, "workload identity");
    EXPECT_EQ(a[1].outcome, "chosen");
    const FakeRequest r = entra.requests()[0];
    EXPECT_EQ(r.form_field("client_assertion").value_or(""), "eyJ.federated.jwt");
    EXPECT_EQ(r.form_field("client_assertion_type").value_or(""),
              "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    EXPECT_EQ(r.form_field("grant_type").value_or(""), "client_credentials");
    EXPECT_EQ(r.form_field("scope").value_or(""),
              "https://ossrdbms-aad.database.windows.net/.default");
    EXPECT_FALSE(r.form_field("client_secret"));
}

TEST(Azure, ClientCertificateSignsAVerifiableAssertion) {
    Env e;
    const auto key = e.dir.path() / "k.pem";
    const auto crt = e.dir.path() / "c.pem";
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out",
             crt.string(), "-days", "2", "-subj", "/CN=pgmi-sp"});
    const std::string cert_pem = read_file(crt);
    const auto both = e.dir.write("both.pem", cert_pem + read_file(key));
    FakeHttpServer entra;
    entra.on("POST", "/t/oauth2/v2.0/token", entra_token("cert-token"));
    e.vars["AZURE_AUTHORITY_HOST"] = entra.url();
    e.vars["AZURE_TENANT_ID"] = "t";
    e.vars["AZURE_CLIENT_ID"] = "c-id";
    e.vars["AZURE_CLIENT_CERTIFICATE_PATH"] = both.string();
    auto t = e.provider()->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->source, "environment (client certificate)");
    const FakeRequest r = entra.requests()[0];
    const std::string jwt = r.form_field("client_assertion").value_or("");
    const size_t d1 = jwt.find('.');
    const size_t d2 = jwt.rfind('.');
    ASSERT_NE(d1, d2);
    const auto header = nlohmann::json::parse(b64_decode(jwt.substr(0, d1)));
    const auto claims = nlohmann::json::parse(b64_decode(jwt.substr(d1 + 1, d2 - d1 - 1)));
    EXPECT_EQ(header["alg"], "RS256");
    std::string fp = openssl({"x509", "-in", crt.string(), "-noout", "-fingerprint", "-sha1"});
    fp = fp.substr(fp.find('=') + 1);
    std::string raw;
    for (size_t i = 0; i + 1 < fp.size(); i += 3)
        raw += static_cast<char>(std::stoi(fp.substr(i, 2), nullptr, 16));
    EXPECT_EQ(header["x5t"], base64url_encode(raw));
    EXPECT_EQ(claims["aud"], entra.url() + "/t/oauth2/v2.0/token");
    EXPECT_EQ(claims["iss"], "c-id");
    EXPECT_EQ(claims["sub"], "c-id");
    EXPECT_EQ(claims["nbf"], kNow);
    EXPECT_EQ(claims["exp"], kNow + 600);
    EXPECT_EQ(claims["jti"].get<std::string>().size(), 32U);
    EXPECT_TRUE(verify_rs256(cert_pem, jwt.substr(0, d2), b64_decode(jwt.substr(d2 + 1))));
}

TEST(Azure, AppServiceManagedIdentity) {
    Env e;
    FakeHttpServer msi;
    msi.on("GET", "/msi/token",
           FakeResponse::json(R"({"access_token":"mi-token","expires_on":"1704168245",)"
                              R"("resource":"https://ossrdbms-aad.database.windows.net",)"
                              R"("token_type":"Bearer"})"));
    e.vars["IDENTITY_ENDPOINT"] = msi.url() + "/msi/token";
    e.vars["IDENTITY_HEADER"] = "identity-header-secret";
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "mi-token");
    EXPECT_EQ(t->expires_at, at(1704168245));
    EXPECT_EQ(t->source, "managed identity (App Service)");
    ASSERT_EQ(p->last_attempts().size(), 3U);
    EXPECT_EQ(p->last_attempts()[1].outcome,
              "skipped: AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and AZURE_CLIENT_ID are not "
              "set");
    FakeRequest r = msi.requests()[0];
    EXPECT_EQ(r.query,
              "api-version=2019-08-01&resource=https%3A%2F%2Fossrdbms-aad.database."
              "windows.net");
    EXPECT_EQ(r.header("x-identity-header"), "identity-header-secret");

    e.opts.client_id = "user-assigned-id";  // user-assigned identity
    ASSERT_TRUE(e.provider()->token());
    EXPECT_EQ(msi.requests()[1].query_param("client_id").value_or(""), "user-assigned-id");
}

TEST(Azure, ImdsThroughTheOverrideVariable) {
    Env e;
    FakeHttpServer imds;
    imds.on("GET", "/metadata/identity/oauth2/token",
            FakeResponse::json(R"({"access_token":"imds-token","refresh_token":"",)"
                               R"("expires_in":"3599","expires_on":"1704170000",)"
                               R"("not_before":"1704164645","token_type":"Bearer"})"));
    e.vars["PGMI_AZURE_IMDS_ENDPOINT"] = imds.url();
    e.vars["AZURE_CLIENT_ID"] = "ua-client";
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "imds-token");
    EXPECT_EQ(t->expires_at, at(1704170000));
    EXPECT_EQ(t->source, "managed identity (IMDS)");
    FakeRequest r = imds.requests()[0];
    EXPECT_EQ(r.header("metadata"), "true");
    EXPECT_EQ(r.query_param("api-version").value_or(""), "2018-02-01");
    EXPECT_EQ(r.query_param("resource").value_or(""), "https://ossrdbms-aad.database.windows.net");
    EXPECT_EQ(r.query_param("client_id").value_or(""), "ua-client");

    imds.on("GET", "/metadata/identity/oauth2/token",
            FakeResponse::json(R"({"error":"invalid_request","error_description":)"
                               R"("Identity not found"})",
                               400));
    auto none = p->token();
    ASSERT_FALSE(none);
    EXPECT_EQ(p->last_attempts()[2].outcome,
              "skipped: IMDS has no managed identity for this VM (HTTP 400: invalid_request: "
              "Identity not found)");

    e.vars["PGMI_AZURE_IMDS_ENDPOINT"] = "http://imds.example.com";
    auto bad = e.provider()->token();
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    EXPECT_NE(bad.error().message.find("PGMI_AZURE_IMDS_ENDPOINT must use https://"),
              std::string::npos);
}

TEST(Azure, ImdsIsNotAskedOffAzureAndTheGuardStopsTheDefaultAddress) {
    Env e;
    auto p = e.provider();
    ASSERT_FALSE(p->token());
    EXPECT_EQ(p->last_attempts()[2].outcome,
              "skipped: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set, and this is not an "
              "Azure VM (its DMI chassis asset tag is not Azure's), so IMDS was not asked; set "
              "PGMI_AZURE_IMDS_ENDPOINT to ask an IMDS anyway");
    // Pretend to be an Azure VM: the default address is used, and this binary's loopback guard
    // refuses it before any packet is sent.
    e.dir.write("chassis_asset_tag", "7783-7084-3265-9085\n");
    auto q = e.provider();
    ASSERT_FALSE(q->token());
    EXPECT_EQ(q->last_attempts()[2].outcome,
              "skipped: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set, and no IMDS answered "
              "(refusing to contact http://169.254.169.254: this process allows loopback "
              "addresses only)");
}

TEST(Azure, AzureCliWithoutAShell) {
    Env e;
    const auto args = e.dir.path() / "az-args";
    write_script(e.bin, "az",
                 "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + args.string() +
                     "'\n"
                     "echo '{\"accessToken\": \"cli-token\", \"expiresOn\": \"2024-01-02 "
                     "04:04:05.000000\", \"expires_on\": 1704168245, \"subscription\": \"s\", "
                     "\"tenant\": \"t\", \"tokenType\": \"Bearer\"}'\n");
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "cli-token");
    EXPECT_EQ(t->expires_at, at(1704168245));
    EXPECT_EQ(t->source, "Azure CLI");
    EXPECT_EQ(read_file(args),
              "account\nget-access-token\n--output\njson\n--resource\n"
              "https://ossrdbms-aad.database.windows.net\n");
    ASSERT_EQ(p->last_attempts().size(), 4U);
    EXPECT_EQ(p->last_attempts()[3].outcome, "chosen");

    e.vars["AZURE_TENANT_ID"] = "my-tenant.example.com";
    ASSERT_TRUE(e.provider()->token());
    EXPECT_EQ(read_file(args),
              "account\nget-access-token\n--output\njson\n--resource\n"
              "https://ossrdbms-aad.database.windows.net\n--tenant\nmy-tenant.example.com\n");
}

TEST(Azure, NotLoggedInCliFallsThroughToAzd) {
    Env e;
    const auto args = e.dir.path() / "azd-args";
    write_script(e.bin, "az",
                 "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
    write_script(
        e.bin, "azd",
        "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + args.string() +
            "'\n"
            "echo '{\"token\": \"azd-token\", \"expiresOn\": \"2024-01-02T04:04:05Z\"}'\n");
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "azd-token");
    EXPECT_EQ(t->expires_at, at(1704168245));
    EXPECT_EQ(t->source, "Azure Developer CLI");
    EXPECT_EQ(p->last_attempts()[3].outcome, "skipped: az is not logged in (run `az login`)");
    EXPECT_EQ(p->last_attempts()[4].outcome, "chosen");
    EXPECT_EQ(read_file(args),
              "auth\ntoken\n--output\njson\n--no-prompt\n--scope\n"
              "https://ossrdbms-aad.database.windows.net/.default\n");
}

TEST(Azure, CliFailureAndTimeoutStopTheChain) {
    Env e;
    write_script(e.bin, "az", "echo 'ERROR: something broke' >&2\nexit 2\n");
    auto t = e.provider()->token();
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find(
                  "Azure credential from Azure CLI failed: az exited with status 2: ERROR: "
                  "something broke"),
              std::string::npos)
        << t.error().message;
    write_script(e.bin, "az", "sleep 5\n");
    e.opts.cli_timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto slow = e.provider()->token();
    ASSERT_FALSE(slow);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_NE(slow.error().message.find("az did not answer within 300 ms"), std::string::npos)
        << slow.error().message;
}

TEST(Azure, NothingAvailableListsEverySource) {
    Env e;
    auto p = e.provider();
    auto t = p->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Connection);
    EXPECT_EQ(
        t.error().message,
        "no Azure credential available (sources tried: environment: skipped: AZURE_TENANT_ID, "
        "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) are not set; "
        "workload identity: skipped: AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and "
        "AZURE_CLIENT_ID are not set; managed identity: skipped: IDENTITY_ENDPOINT and "
        "IDENTITY_HEADER are not set, and this is not an Azure VM (its DMI chassis asset tag is "
        "not Azure's), so IMDS was not asked; set PGMI_AZURE_IMDS_ENDPOINT to ask an IMDS anyway; "
        "Azure CLI: skipped: az is not on PATH; Azure Developer CLI: skipped: azd is not on "
        "PATH)");
}

TEST(Azure, ResponseParsers) {
    auto a = parse_azure_token_response(R"({"access_token":"x","expires_in":60})", at(kNow));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->expires_at, at(kNow + 60));
    auto b = parse_azure_token_response(R"({"access_token":"x","expires_on":1704170000,
                                            "expires_in":5})",
                                        at(kNow));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->expires_at, at(1704170000));
    for (const char* bad :
         {"", "[]", "{}", R"({"access_token":""})", R"({"access_token":"x"})",
          R"({"access_token":5,"expires_in":5})", R"({"access_token":"x","expires_in":"soon"})",
          R"({"access_token":"x","expires_in":9223372036854775807})"}) {
        auto r = parse_azure_token_response(bad, at(kNow));
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find("\"x\""), std::string::npos);
    }
    // az before 2.54 printed only the local-time expiresOn.
    auto local =
        parse_azure_cli_token(R"({"accessToken":"x","expiresOn":"2024-01-02 04:04:05.123"})");
    ASSERT_TRUE(local) << local.error().message;
    std::tm tm{};
    tm.tm_year = 124;
    tm.tm_mon = 0;
    tm.tm_mday = 2;
    tm.tm_hour = 4;
    tm.tm_min = 4;
    tm.tm_sec = 5;
    tm.tm_isdst = -1;
    EXPECT_EQ(local->expires_at, std::chrono::system_clock::from_time_t(std::mktime(&tm)));
    EXPECT_FALSE(parse_azure_cli_token(R"({"accessToken":"x","expiresOn":"tomorrow"})"));
    EXPECT_FALSE(parse_azure_cli_token(R"({"expires_on":1})"));
    EXPECT_FALSE(parse_azd_token(R"({"token":"x","expiresOn":"2024-01-02 04:04:05"})"));
    EXPECT_FALSE(parse_azd_token(R"({"token":"","expiresOn":"2024-01-02T04:04:05Z"})"));
}

}  // namespace
}  // namespace pgmi::cloud
