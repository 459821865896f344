// A whole fake Google Cloud SQL on loopback, shared by the connector tests and the `pgmi deploy
// --google` end-to-end tests: a service account file whose token_uri is a fake token endpoint, a
// fake Admin API (connectSettings, and a generateEphemeralCert that signs the submitted key with a
// test client CA and counts every call), a test PKI, a CloudSqlFront on 127.a.b.c:3307 that
// demands that certificate and forwards to this binary's real PostgreSQL, and that PostgreSQL's
// IAM role plus a pg_hba.conf that lets only that role in over TCP. Header only: include it from
// a test binary that links pgmi_conn (or a module above it).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cloud/crypto.hpp"
#include "integration/conn/cloud_sql_front.hpp"
#include "support/fake_http.hpp"
#include "support/support.hpp"
#include "support/x509_maker.hpp"

namespace pgmi::test::cloud_sql_fake {

constexpr const char* kProject = "pgmi-test";
constexpr const char* kRegion = "europe-west3";
constexpr const char* kInstance = "pgmi-test:europe-west3:db1";
constexpr const char* kEmail = "deployer@pgmi-test.iam.gserviceaccount.com";
constexpr const char* kDbUser = "deployer@pgmi-test.iam";
constexpr const char* kDnsName = "a1b2c3.xyz.europe-west3.sql.goog.";
constexpr const char* kSettingsPath =
    "/sql/v1beta4/projects/pgmi-test/instances/db1/connectSettings";
constexpr const char* kCertPath =
    "/sql/v1beta4/projects/pgmi-test/instances/db1:generateEphemeralCert";

/// base64url without padding, decoded (for the JWT's claims).
inline std::string b64url_decode(std::string s) {
    for (char& c : s)
        c = c == '-' ? '+' : (c == '_' ? '/' : c);
    while (s.size() % 4 != 0)
        s += '=';
    auto d = cloud::base64_decode(s);
    return d ? *d : "";
}

/// What the fake Google answers, and what it saw.
struct Google {
    std::mutex mu;
    std::vector<std::string> issued;  // every token handed out (secrets to look for)
    std::set<std::string> admin_tokens, login_tokens;
    std::vector<std::string> public_keys;  // submitted to generateEphemeralCert
    int settings_calls = 0;
    // Knobs:
    std::string region = kRegion;
    std::string server_ca;  // PEM served as serverCaCert
    std::string ip;
    int settings_status = 200;
};

struct World {
    std::unique_ptr<TempDir> dir;
    PemPair server_ca, other_ca, client_ca, server_cert;
    std::unique_ptr<FakeHttpServer> api;
    std::unique_ptr<CloudSqlFront> front;
    Google google;
    std::string credentials_path;

    /// The variables that point Google's credential chain and Admin API at the fakes (and the
    /// metadata server at a closed port).
    std::map<std::string, std::string> env() const {
        return {{"GOOGLE_APPLICATION_CREDENTIALS", credentials_path},
                {"CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN", api->url() + "/"},
                {"GCE_METADATA_HOST", "127.0.0.1:1"}};
    }
    /// generateEphemeralCert calls answered with a certificate so far.
    size_t certs_issued() {
        std::lock_guard<std::mutex> l(google.mu);
        return google.public_keys.size();
    }
    void set_settings_status(int status) {
        std::lock_guard<std::mutex> l(google.mu);
        google.settings_status = status;
    }
};

namespace detail {

inline void serve_google(World& w) {
    Google& g = w.google;
    w.api->on("POST", "/token", [&g](const FakeRequest& r) {
        const std::string jwt = r.form_field("assertion").value_or("");
        const auto first = jwt.find('.');
        const auto second = jwt.find('.', first + 1);
        auto claims = nlohmann::json::parse(
            b64url_decode(jwt.substr(first + 1, second - first - 1)), nullptr, false);
        const std::string scope = claims.is_object() ? claims.value("scope", "") : "";
        std::lock_guard<std::mutex> l(g.mu);
        const bool login = scope == "https://www.googleapis.com/auth/sqlservice.login";
        const std::string token = std::string("ya29.") + (login ? "login" : "admin") + "-" +
                                  std::to_string(g.issued.size()) + "-" + cloud::random_hex(12);
        g.issued.push_back(token);
        (login ? g.login_tokens : g.admin_tokens).insert(token);
        return FakeResponse::json(
            nlohmann::json({{"access_token", token}, {"expires_in", 3600}}).dump());
    });
    auto admin_ok = [&g](const FakeRequest& r) {
        const std::string auth = r.header("authorization");
        return auth.rfind("Bearer ", 0) == 0 && g.admin_tokens.count(auth.substr(7)) == 1;
    };
    w.api->on("GET", kSettingsPath, [&g, admin_ok](const FakeRequest& r) {
        std::lock_guard<std::mutex> l(g.mu);
        ++g.settings_calls;
        if (!admin_ok(r))
            return FakeResponse::json(R"({"error":{"code":401,"message":"no admin token"}})", 401);
        if (g.settings_status != 200) {
            // Google's message here quotes the bearer token: pgmi must not repeat it.
            const std::string msg = "The client is not authorized to make this request (" +
                                    r.header("authorization") + ").";
            return FakeResponse::json(
                nlohmann::json({{"error", {{"code", g.settings_status}, {"message", msg}}}}).dump(),
                g.settings_status);
        }
        return FakeResponse::json(
            nlohmann::json({{"kind", "sql#connectSettings"},
                            {"serverCaCert", {{"kind", "sql#sslCert"}, {"cert", g.server_ca}}},
                            {"ipAddresses",
                             {{{"type", "PRIMARY"}, {"ipAddress", g.ip}},
                              {{"type", "OUTGOING"}, {"ipAddress", "127.0.0.9"}}}},
                            {"region", g.region},
                            {"databaseVersion", "POSTGRES_15"},
                            {"backendType", "SECOND_GEN"},
                            {"dnsName", kDnsName},
                            {"serverCaMode", "GOOGLE_MANAGED_INTERNAL_CA"}})
                .dump());
    });
    PemPair client_ca = w.client_ca;
    w.api->on("POST", kCertPath, [&g, admin_ok, client_ca](const FakeRequest& r) {
        std::lock_guard<std::mutex> l(g.mu);
        auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (!admin_ok(r) || !body.is_object())
            return FakeResponse::json(R"({"error":{"code":401,"message":"no admin token"}})", 401);
        const std::string key = body.value("public_key", "");
        const std::string login = body.value("access_token", "");
        if (g.login_tokens.count(login) != 1)
            return FakeResponse::json(
                R"({"error":{"code":400,"message":"access_token is not a login token"}})", 400);
        g.public_keys.push_back(key);
        const std::string cert = sign_public_key(client_ca, key, kEmail);
        if (cert.empty())
            return FakeResponse::json(R"({"error":{"code":400,"message":"bad public_key"}})", 400);
        return FakeResponse::json(
            nlohmann::json({{"ephemeralCert", {{"kind", "sql#sslCert"}, {"cert", cert}}}}).dump());
    });
}

}  // namespace detail

/// The binary's one fake Google, made on first use (it needs the binary's PostgreSQL).
inline World& world() {
    static World* w = [] {
        auto* made = new World;
        made->dir = std::make_unique<TempDir>();
        made->server_ca = make_ca("pgmi test Cloud SQL server CA");
        made->other_ca = make_ca("some other CA");
        made->client_ca = make_ca("pgmi test Cloud SQL client CA");
        // Like a per-instance CA's server certificate: legacy CN plus the DNS name.
        made->server_cert =
            make_leaf(made->server_ca, "pgmi-test:db1", {"a1b2c3.xyz.europe-west3.sql.goog"});
        made->front = std::make_unique<CloudSqlFront>(made->client_ca.cert, server().port());
        made->front->set_server_cert(made->server_cert);
        made->google.ip = made->front->ip();
        made->google.server_ca = made->server_ca.cert;
        made->api = std::make_unique<FakeHttpServer>();
        detail::serve_google(*made);

        auto sa_key = cloud::PrivateKey::generate_rsa(2048);
        made->credentials_path =
            made->dir
                ->write("sa.json", nlohmann::json({{"type", "service_account"},
                                                   {"project_id", kProject},
                                                   {"private_key_id", "k1"},
                                                   {"private_key", *sa_key->private_key_pem()},
                                                   {"client_email", kEmail},
                                                   {"token_uri", made->api->url() + "/token"}})
                                       .dump())
                .string();

        // Only the IAM user may come in over TCP (the front's path); the superuser uses the
        // socket. CREATEDB: a deploy may have to create its target.
        query("postgres", std::string("CREATE ROLE \"") + kDbUser + "\" LOGIN CREATEDB");
        Status hba =
            server().reload_with(std::string("local all all trust\n") + "host all \"" + kDbUser +
                                 "\" 127.0.0.1/32 trust\n"
                                 "host all all 127.0.0.1/32 reject\n");
        EXPECT_TRUE(hba) << hba.error().message;
        return made;
    }();
    return *w;
}

/// No token, private key or certificate in `text`.
inline void expect_no_secret(const std::string& text) {
    World& w = world();
    std::lock_guard<std::mutex> l(w.google.mu);
    for (const auto& t : w.google.issued)
        EXPECT_EQ(text.find(t), std::string::npos) << "token leaked: " << text;
    EXPECT_EQ(text.find("ya29."), std::string::npos) << text;
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos) << text;
    EXPECT_EQ(text.find("BEGIN"), std::string::npos) << text;
}

}  // namespace pgmi::test::cloud_sql_fake
