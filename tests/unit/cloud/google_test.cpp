#include "cloud/google.hpp"

#include <gtest/gtest.h>

#include <map>
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

constexpr std::time_t kNow = 1704164645;

struct Env {
    TempDir dir;
    std::map<std::string, std::string> vars;
    GoogleOptions opts;
    Env() {
        vars = {{"HOME", dir.path().string()}};
        opts.now = fixed_clock(kNow);
        opts.dmi_product_name_path = (dir.path() / "product_name").string();
    }
    std::unique_ptr<GoogleTokenProvider> provider() {
        GoogleOptions o = opts;
        o.env = env_from(vars);
        return make_google_token_provider(o);
    }
};

/// An RSA key made by the openssl CLI: {private PKCS#8 PEM, public PEM}.
std::pair<std::string, std::string> cli_key(const TempDir& dir) {
    const auto path = dir.path() / "sa-key.pem";
    openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
             path.string()});
    return {read_file(path), openssl({"pkey", "-in", path.string(), "-pubout"})};
}

FakeResponse google_token(const std::string& token = "ya29.google") {
    return FakeResponse::json(R"({"access_token":")" + token +
                              R"(","expires_in":3599,"token_type":"Bearer"})");
}

TEST(GoogleCredentials, ParsesBothTypes) {
    auto sa = parse_google_credentials(R"({"type":"service_account","project_id":"p",
        "private_key_id":"kid1","private_key":"PEM","client_email":"sa@p.iam.gserviceaccount.com",
        "client_id":"1","auth_uri":"https://accounts.google.com/o/oauth2/auth"})");
    ASSERT_TRUE(sa) << sa.error().message;
    const auto& s = std::get<GoogleServiceAccount>(*sa);
    EXPECT_EQ(s.client_email, "sa@p.iam.gserviceaccount.com");
    EXPECT_EQ(s.private_key, "PEM");
    EXPECT_EQ(s.private_key_id, "kid1");
    EXPECT_EQ(s.project_id, "p");
    EXPECT_EQ(s.token_uri, "https://oauth2.googleapis.com/token");
    auto u = parse_google_credentials(R"({"type":"authorized_user","client_id":"cid",
        "client_secret":"cs","refresh_token":"rt","token_uri":"https://example.test/t",
        "quota_project_id":"q"})");
    ASSERT_TRUE(u);
    const auto& au = std::get<GoogleAuthorizedUser>(*u);
    EXPECT_EQ(au.client_id, "cid");
    EXPECT_EQ(au.client_secret, "cs");
    EXPECT_EQ(au.refresh_token, "rt");
    EXPECT_EQ(au.token_uri, "https://example.test/t");
}

TEST(GoogleCredentials, MalformedFilesNameTheFieldNeverTheValue) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "credentials file is not a JSON object"},
        {"[1]", "credentials file is not a JSON object"},
        {"{\"type\":", "credentials file is not a JSON object"},
        {"{}", "credentials file has no \"type\""},
        {R"({"type":7})", "credentials file field \"type\" is not a string"},
        {R"({"type":"external_account"})",
         "credentials file has type \"external_account\", which pgmi does not support (use "
         "service_account or authorized_user)"},
        {R"({"type":"SECRET-looking/VALUE"})",
         "credentials file has type (unknown), which pgmi does not support (use service_account "
         "or authorized_user)"},
        {R"({"type":"service_account","private_key":"TOPSECRET"})",
         "credentials file has no \"client_email\""},
        {R"({"type":"service_account","client_email":"a","private_key":["TOPSECRET"]})",
         "credentials file field \"private_key\" is not a string"},
        {R"({"type":"service_account","client_email":"a","private_key":"k","token_uri":5})",
         "credentials file field \"token_uri\" is not a string"},
        {R"({"type":"authorized_user","client_id":"c","client_secret":"TOPSECRET"})",
         "credentials file has no \"refresh_token\""},
        {R"({"type":"authorized_user","client_id":"c","client_secret":"","refresh_token":"r"})",
         "credentials file field \"client_secret\" is empty"},
    };
    for (const auto& [text, message] : cases) {
        auto r = parse_google_credentials(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().kind, ErrorKind::Config);
        EXPECT_EQ(r.error().message, message) << text;
    }
}

TEST(Google, ServiceAccountJwtGrantIsSignedWithTheKey) {
    Env e;
    auto [priv, pub] = cli_key(e.dir);
    FakeHttpServer oauth;
    oauth.on("POST", "/token", google_token());
    const nlohmann::json file = {{"type", "service_account"},
                                 {"project_id", "proj"},
                                 {"private_key_id", "key-id-1"},
                                 {"private_key", priv},
                                 {"client_email", "deployer@proj.iam.gserviceaccount.com"},
                                 {"token_uri", oauth.url() + "/token"}};
    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.dir.write("sa.json", file.dump()).string();
    e.opts.scopes = {kGoogleSqlAdminScope, kGoogleCloudPlatformScope};
    auto p = e.provider();
    EXPECT_EQ(p->name(), "Google");
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "ya29.google");
    EXPECT_EQ(t->expires_at, at(kNow + 3599));
    EXPECT_EQ(t->source, "service account deployer@proj.iam.gserviceaccount.com");
    ASSERT_EQ(p->last_attempts().size(), 1U);
    EXPECT_EQ(p->last_attempts()[0].source, "GOOGLE_APPLICATION_CREDENTIALS");

    const FakeRequest r = oauth.requests()[0];
    EXPECT_EQ(r.form_field("grant_type").value_or(""),
              "urn:ietf:params:oauth:grant-type:jwt-bearer");
    const std::string jwt = r.form_field("assertion").value_or("");
    const size_t d1 = jwt.find('.');
    const size_t d2 = jwt.rfind('.');
    ASSERT_NE(d1, d2);
    EXPECT_EQ(nlohmann::json::parse(b64_decode(jwt.substr(0, d1))),
              nlohmann::json({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "key-id-1"}}));
    EXPECT_EQ(nlohmann::json::parse(b64_decode(jwt.substr(d1 + 1, d2 - d1 - 1))),
              nlohmann::json({{"iss", "deployer@proj.iam.gserviceaccount.com"},
                              {"scope",
                               "https://www.googleapis.com/auth/sqlservice.admin "
                               "https://www.googleapis.com/auth/cloud-platform"},
                              {"aud", oauth.url() + "/token"},
                              {"iat", kNow},
                              {"exp", kNow + 3600}}));
    EXPECT_TRUE(verify_rs256(pub, jwt.substr(0, d2), b64_decode(jwt.substr(d2 + 1))));
    EXPECT_FALSE(verify_rs256(pub, jwt.substr(0, d2) + "x", b64_decode(jwt.substr(d2 + 1))));
}

TEST(Google, AuthorizedUserFromGcloudsWellKnownFile) {
    Env e;
    FakeHttpServer oauth;
    oauth.on("POST", "/token", google_token("ya29.user"));
    const nlohmann::json file = {{"type", "authorized_user"},
                                 {"client_id", "cid.apps.googleusercontent.com"},
                                 {"client_secret", "user-client-secret"},
                                 {"refresh_token", "1//refresh"},
                                 {"token_uri", oauth.url() + "/token"}};
    e.dir.write(".config/gcloud/application_default_credentials.json", file.dump());
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "ya29.user");
    EXPECT_EQ(t->source, "authorized user");
    ASSERT_EQ(p->last_attempts().size(), 2U);
    EXPECT_EQ(p->last_attempts()[0].outcome, "skipped: GOOGLE_APPLICATION_CREDENTIALS is not set");
    EXPECT_EQ(p->last_attempts()[1].source, "gcloud application default credentials");
    EXPECT_EQ(oauth.requests()[0].body,
              "grant_type=refresh_token&client_id=cid.apps.googleusercontent.com&client_secret="
              "user-client-secret&refresh_token=1%2F%2Frefresh");

    // CLOUDSDK_CONFIG moves the file.
    TempDir other;
    other.write("application_default_credentials.json", file.dump());
    e.vars["CLOUDSDK_CONFIG"] = other.path().string();
    ASSERT_TRUE(e.provider()->token());
    EXPECT_EQ(oauth.requests().size(), 2U);
}

TEST(Google, RefusedRefreshDoesNotQuoteSecrets) {
    Env e;
    FakeHttpServer oauth;
    oauth.on("POST", "/token",
             FakeResponse::json(R"({"error":"invalid_grant","error_description":)"
                                R"("Bad Request for 1//refresh and user-client-secret"})",
                                400));
    const nlohmann::json file = {{"type", "authorized_user"},
                                 {"client_id", "cid"},
                                 {"client_secret", "user-client-secret"},
                                 {"refresh_token", "1//refresh"},
                                 {"token_uri", oauth.url() + "/token"}};
    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.dir.write("u.json", file.dump()).string();
    auto t = e.provider()->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Connection);
    const std::string why =
        "token endpoint returned HTTP 400 (invalid_grant: Bad Request for [redacted] and "
        "[redacted])";
    EXPECT_EQ(t.error().message,
              "Google credentials from GOOGLE_APPLICATION_CREDENTIALS failed: " + why +
                  " (sources tried: GOOGLE_APPLICATION_CREDENTIALS: failed: " + why + ")");
}

TEST(Google, TokenUriAndExplicitFileAreValidated) {
    Env e;
    const nlohmann::json file = {{"type", "authorized_user"},
                                 {"client_id", "c"},
                                 {"client_secret", "s"},
                                 {"refresh_token", "r"},
                                 {"token_uri", "http://oauth.example.com/token"}};
    const auto path = e.dir.write("u.json", file.dump());
    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = path.string();
    auto t = e.provider()->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Config);
    EXPECT_NE(t.error().message.find("token_uri in " + path.string() +
                                     " must use https:// (plain http:// is accepted only for "
                                     "loopback hosts"),
              std::string::npos)
        << t.error().message;

    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = (e.dir.path() / "missing.json").string();
    auto m = e.provider()->token();
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().kind, ErrorKind::Config);
    EXPECT_NE(m.error().message.find("GOOGLE_APPLICATION_CREDENTIALS " +
                                     (e.dir.path() / "missing.json").string() + " does not exist"),
              std::string::npos);

    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] =
        e.dir
            .write("bad.json", R"({"type":"service_account","client_email":"a",)"
                               R"("private_key":"TOPSECRET"})")
            .string();
    auto k = e.provider()->token();
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().kind, ErrorKind::Config);
    EXPECT_NE(k.error().message.find("private_key: not an unencrypted PEM private key"),
              std::string::npos);
    EXPECT_EQ(k.error().message.find("TOPSECRET"), std::string::npos);
}

TEST(Google, MetadataServerThroughGceMetadataHost) {
    Env e;
    FakeHttpServer md;
    FakeResponse ok = google_token("ya29.metadata");
    ok.headers.emplace_back("Metadata-Flavor", "Google");
    md.on("GET", "/computeMetadata/v1/instance/service-accounts/default/token", ok);
    e.vars["GCE_METADATA_HOST"] = "127.0.0.1:" + std::to_string(md.port());
    e.opts.scopes = {kGoogleSqlAdminScope, kGoogleSqlLoginScope};
    auto p = e.provider();
    auto t = p->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value, "ya29.metadata");
    EXPECT_EQ(t->source, "metadata server");
    ASSERT_EQ(p->last_attempts().size(), 3U);
    const FakeRequest r = md.requests()[0];
    EXPECT_EQ(r.header("metadata-flavor"), "Google");
    EXPECT_EQ(r.query,
              "scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fsqlservice.admin,"
              "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fsqlservice.login");

    md.on("GET", "/computeMetadata/v1/instance/service-accounts/default/token", google_token());
    auto impostor = p->token();
    ASSERT_FALSE(impostor);
    EXPECT_NE(impostor.error().message.find("did not answer with Metadata-Flavor: Google"),
              std::string::npos);
}

TEST(GooglePrincipal, AServiceAccountIsItsClientEmail) {
    Env e;
    auto [priv, pub] = cli_key(e.dir);
    FakeHttpServer oauth;
    oauth.on("POST", "/token", google_token());
    const nlohmann::json file = {{"type", "service_account"},
                                 {"private_key", priv},
                                 {"client_email", "deployer@proj.iam.gserviceaccount.com"},
                                 {"token_uri", oauth.url() + "/token"}};
    e.vars["GOOGLE_APPLICATION_CREDENTIALS"] = e.dir.write("sa.json", file.dump()).string();
    auto p = e.provider();
    auto early = p->principal();
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().kind, ErrorKind::Unexpected);
    ASSERT_TRUE(p->token());
    auto who = p->principal();
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(*who, "deployer@proj.iam.gserviceaccount.com");
    EXPECT_EQ(oauth.requests().size(), 1U);  // the file says it: nothing else is asked
}

TEST(GooglePrincipal, AnAuthorizedUserIsAskedOfTokenInfoWithTheTokenInTheBody) {
    Env e;
    FakeHttpServer oauth;
    oauth.on("POST", "/token", google_token("ya29.user-secret"));
    oauth.on("POST", "/tokeninfo",
             FakeResponse::json(R"({"email":"dev@example.com","email_verified":"true"})"));
    const nlohmann::json file = {{"type", "authorized_user"},
                                 {"client_id", "cid"},
                                 {"client_secret", "s"},
                                 {"refresh_token", "r"},
                                 {"token_uri", oauth.url() + "/token"}};
    e.dir.write(".config/gcloud/application_default_credentials.json", file.dump());
    auto p = e.provider();
    ASSERT_TRUE(p->token());
    auto who = p->principal();
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(*who, "dev@example.com");
    const auto info = oauth.requests_to("/tokeninfo");
    ASSERT_EQ(info.size(), 1U);
    EXPECT_EQ(info[0].form_field("access_token").value_or(""), "ya29.user-secret");
    EXPECT_EQ(info[0].query, "");  // never in the URL
    // Asked once per provider.
    ASSERT_TRUE(p->principal());
    EXPECT_EQ(oauth.requests_to("/tokeninfo").size(), 1U);

    // A token without the email scope: the error says to pass -U, and quotes no token.
    oauth.on("POST", "/tokeninfo", FakeResponse::json(R"({"scope":"x ya29.user-secret"})"));
    auto q = e.provider();
    ASSERT_TRUE(q->token());
    auto none = q->principal();
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::Connection);
    EXPECT_NE(none.error().message.find("-U"), std::string::npos);
    EXPECT_EQ(none.error().message.find("ya29"), std::string::npos) << none.error().message;
}

TEST(GooglePrincipal, TheMetadataServerNamesItsDefaultServiceAccount) {
    Env e;
    FakeHttpServer md;
    FakeResponse ok = google_token("ya29.metadata");
    ok.headers.emplace_back("Metadata-Flavor", "Google");
    md.on("GET", "/computeMetadata/v1/instance/service-accounts/default/token", ok);
    FakeResponse email;
    email.body = "runner@proj.iam.gserviceaccount.com\n";
    email.headers.emplace_back("Metadata-Flavor", "Google");
    md.on("GET", "/computeMetadata/v1/instance/service-accounts/default/email", email);
    e.vars["GCE_METADATA_HOST"] = "127.0.0.1:" + std::to_string(md.port());
    auto p = e.provider();
    ASSERT_TRUE(p->token());
    auto who = p->principal();
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(*who, "runner@proj.iam.gserviceaccount.com");
    const auto asked =
        md.requests_to("/computeMetadata/v1/instance/service-accounts/default/email");
    ASSERT_EQ(asked.size(), 1U);
    EXPECT_EQ(asked[0].header("metadata-flavor"), "Google");
}

TEST(Google, GceMetadataHostMustBeLoopbackOrTheMetadataServer) {
    Env e;
    for (const char* bad : {"metadata.example.com", "10.0.0.5:80", "http://127.0.0.1",
                            "127.0.0.1/x", "user@127.0.0.1"}) {
        e.vars["GCE_METADATA_HOST"] = bad;
        auto t = e.provider()->token();
        ASSERT_FALSE(t) << bad;
        EXPECT_EQ(t.error().kind, ErrorKind::Config) << bad;
        EXPECT_NE(t.error().message.find("GCE_METADATA_HOST must be"), std::string::npos)
            << t.error().message;
    }
}

TEST(Google, MetadataServerIsNotAskedOffGoogleAndTheGuardStopsTheDefault) {
    Env e;
    auto p = e.provider();
    auto t = p->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, ErrorKind::Connection);
    const std::string h = e.dir.path().string();
    EXPECT_EQ(t.error().message,
              "no Google credentials found (sources tried: GOOGLE_APPLICATION_CREDENTIALS: "
              "skipped: GOOGLE_APPLICATION_CREDENTIALS is not set; gcloud application default "
              "credentials: skipped: " +
                  h +
                  "/.config/gcloud/application_default_credentials.json does not exist; metadata "
                  "server: skipped: GCE_METADATA_HOST is not set and this is not a Google Cloud "
                  "machine (DMI product name, serverless variables), so the metadata server was "
                  "not asked)");
    const std::string refused =
        "skipped: no metadata server answered (refusing to contact http://169.254.169.254: this "
        "process allows loopback addresses only)";
    e.vars["K_SERVICE"] = "my-cloud-run-service";  // Cloud Run announces itself
    auto run = e.provider();
    ASSERT_FALSE(run->token());
    EXPECT_EQ(run->last_attempts()[2].outcome, refused);
    e.vars.erase("K_SERVICE");
    e.dir.write("product_name", "Google Compute Engine\n");
    auto q = e.provider();
    ASSERT_FALSE(q->token());
    EXPECT_EQ(q->last_attempts()[2].outcome, refused);
}

TEST(Google, TokenResponseParser) {
    auto t = parse_google_token_response(R"({"access_token":"a","expires_in":"120"})", at(kNow));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->expires_at, at(kNow + 120));
    for (const char* bad : {"", "{}", R"({"access_token":"a"})", R"({"expires_in":1})",
                            R"({"access_token":"a","expires_in":-1})",
                            // Would overflow the clock's nanoseconds (UBSan's find) if accepted.
                            R"({"access_token":"a","expires_in":9223372036854775807})",
                            R"({"access_token":"a","expires_in":316300000})"})
        EXPECT_FALSE(parse_google_token_response(bad, at(kNow))) << bad;
    // Ten years is the longest lifetime taken.
    EXPECT_TRUE(
        parse_google_token_response(R"({"access_token":"a","expires_in":316224000})", at(kNow)));
}

}  // namespace
}  // namespace pgmi::cloud
