// `pgmi deploy --azure` end to end: a loopback fake Entra token endpoint (client secret), a fake
// App Service identity endpoint (managed identity, user-assigned via --azure-client-id) and a fake
// `az` issue tokens; a real PostgreSQL over TLS whose role's password IS the token accepts the
// deploy. Also: auto-activation by the three AZURE_* variables, a fresh token per connection, the
// chain's trail when nothing is available (exit 11), and no token or secret in any output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <random>

#include "integration/cli/cloud_env.hpp"
#include "integration/conn/tls_pki.hpp"
#include "support/fake_http.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

constexpr const char* kScope = "https://ossrdbms-aad.database.windows.net/.default";
constexpr const char* kResource = "https://ossrdbms-aad.database.windows.net";
constexpr const char* kTenant = "tenant-a";
constexpr const char* kClient = "client-1";
constexpr const char* kRole = "azure_app";

std::string random_suffix() {
    std::random_device rd;
    return std::to_string(rd()) + std::to_string(rd());
}

struct Shared {
    std::unique_ptr<TempDir> dir;
    TestPki pki;
    std::filesystem::path project, home, bin;
    std::string token;   // the role's password, issued by every fake
    std::string secret;  // AZURE_CLIENT_SECRET
};

const Shared& setup() {
    static Shared s = [] {
        Shared made;
        made.dir = std::make_unique<TempDir>();
        std::filesystem::create_directories(made.dir->path() / "pki");
        std::filesystem::create_directories(made.dir->path() / "home");
        std::filesystem::create_directories(made.dir->path() / "bin");
        made.home = made.dir->path() / "home";
        made.bin = made.dir->path() / "bin";
        made.pki = make_test_pki(made.dir->path() / "pki", "unused", "unused-passphrase");
        made.token = "eyJ0eXAiOiJKV1Qi.azure-entra-token-" + random_suffix();
        made.secret = "client-secret-" + random_suffix();
        query("postgres", std::string("CREATE ROLE ") + kRole + " LOGIN CREATEDB PASSWORD '" +
                              made.token + "'");
        // Over TCP only TLS with a password is accepted: the token must be that password.
        enable_tls(server(), made.pki,
                   "local all all trust\n"
                   "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                   "host all all 127.0.0.1/32 reject\n");
        made.project =
            made.dir
                ->write("project/deploy.sql",
                        "CREATE TABLE deployed_by AS SELECT current_user::text AS who, (SELECT "
                        "ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls;\n")
                .parent_path();
        return made;
    }();
    return s;
}

std::vector<std::string> deploy_args(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"deploy",   setup().project.string(),
                                     "-h",       "127.0.0.1",
                                     "-p",       std::to_string(server().port()),
                                     "-U",       kRole,
                                     "-d",       db,
                                     "--verbose"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

/// The Entra token endpoint, and an IMDS that has no identity (so the chain moves on).
struct FakeEntra {
    FakeHttpServer http;
    std::string token_path = std::string("/") + kTenant + "/oauth2/v2.0/token";
    std::vector<std::string> problems;  // form fields that were wrong, per request

    explicit FakeEntra(const std::string& token) {
        http.on("POST", token_path, [this, token](const FakeRequest& req) {
            auto expect = [&](const char* field, const std::string& want) {
                if (req.form_field(field) != want)
                    problems.push_back(std::string(field) + " = " +
                                       req.form_field(field).value_or("(absent)"));
            };
            expect("client_id", kClient);
            expect("scope", kScope);
            expect("grant_type", "client_credentials");
            expect("client_secret", setup().secret);
            return FakeResponse::json(
                R"({"token_type":"Bearer","expires_in":3600,"access_token":")" + token + "\"}");
        });
        http.on(
            "GET", "/metadata/identity/oauth2/token",
            FakeResponse::json(
                R"({"error":"invalid_request","error_description":"Identity not found"})", 400));
    }
    RunOptions options(bool with_secret = true) const {
        RunOptions o = cloud_run_options(setup().home, setup().bin, http.url());
        o.env["AZURE_TENANT_ID"] = kTenant;
        o.env["AZURE_CLIENT_ID"] = kClient;
        if (with_secret)
            o.env["AZURE_CLIENT_SECRET"] = setup().secret;
        o.env["AZURE_AUTHORITY_HOST"] = http.url() + "/";
        return o;
    }
};

size_t occurrences(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

void expect_deployed_over_tls(const std::string& db) {
    auto rows = query(db, "SELECT who || ' ' || tls FROM deployed_by");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0], std::string(kRole) + " true");
}

void expect_no_secrets(const RunResult& r) {
    EXPECT_EQ(everything(r).find(setup().token), std::string::npos) << everything(r);
    EXPECT_EQ(everything(r).find(setup().secret), std::string::npos) << everything(r);
}

TEST(CloudAzure, ClientSecretDeploysWithAFreshTokenForEveryConnection) {
    FakeEntra entra(setup().token);
    const std::string db = unique_db("azure_sp");
    auto r = run_pgmi(deploy_args(db, {"--azure"}), entra.options());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_deployed_over_tls(db);
    EXPECT_TRUE(entra.problems.empty()) << entra.problems.front();
    // The target did not exist: probe, maintenance, session, pooler probe; one token each.
    const size_t issued = entra.http.requests_to(entra.token_path).size();
    EXPECT_GE(issued, 3U);
    EXPECT_EQ(occurrences(r.err, "Azure token from environment (client secret) for attempt"),
              issued)
        << r.err;
    EXPECT_NE(r.err.find("Auth Method: Azure Entra ID (--azure)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("raised to require"), std::string::npos) << r.err;
    expect_no_secrets(r);
}

TEST(CloudAzure, TheThreeVariablesActivateAzureWithoutTheFlag) {
    FakeEntra entra(setup().token);
    const std::string db = unique_db("azure_auto");
    auto r = run_pgmi(deploy_args(db), entra.options());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_deployed_over_tls(db);
    EXPECT_NE(r.err.find("$AZURE_CLIENT_SECRET are set"), std::string::npos) << r.err;
    expect_no_secrets(r);

    // Without the secret the variables do not activate Azure: password auth, no password.
    FakeEntra unused(setup().token);
    auto standard = run_pgmi(deploy_args(unique_db("azure_not")), unused.options(false));
    EXPECT_EQ(standard.exit_code, 11) << standard.err;
    EXPECT_TRUE(unused.http.requests_to(unused.token_path).empty());
}

TEST(CloudAzure, UserAssignedManagedIdentityOfAppService) {
    FakeHttpServer msi;
    const std::string header = "identity-header-" + random_suffix();
    std::vector<std::string> problems;
    msi.on("GET", "/msi/token", [&](const FakeRequest& req) {
        if (req.query_param("api-version") != "2019-08-01")
            problems.emplace_back("api-version");
        if (req.query_param("resource") != kResource)
            problems.emplace_back("resource");
        if (req.query_param("client_id") != "mi-client-7")
            problems.emplace_back("client_id");
        if (req.header("x-identity-header") != header)
            problems.emplace_back("header");
        return FakeResponse::json(R"({"access_token":")" + setup().token + R"(","expires_on":")" +
                                  std::to_string(std::time(nullptr) + 86400) + "\"}");
    });
    RunOptions o = cloud_run_options(setup().home, setup().bin, msi.url());
    o.env["IDENTITY_ENDPOINT"] = msi.url() + "/msi/token";
    o.env["IDENTITY_HEADER"] = header;
    const std::string db = unique_db("azure_mi");
    auto r = run_pgmi(deploy_args(db, {"--azure", "--azure-client-id", "mi-client-7"}), o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_deployed_over_tls(db);
    EXPECT_GE(msi.requests_to("/msi/token").size(), 3U);
    EXPECT_TRUE(problems.empty()) << problems.front();
    EXPECT_NE(r.err.find("environment: skipped"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("managed identity: chosen"), std::string::npos) << r.err;
    expect_no_secrets(r);
    EXPECT_EQ(everything(r).find(header), std::string::npos);
}

TEST(CloudAzure, WorkloadIdentityPostsTheFederatedTokenFile) {
    FakeHttpServer entra;
    TempDir files;
    const std::string assertion = "eyJhbGciOiJSUzI1NiJ9.federated-" + random_suffix();
    auto file = files.write("federated-token", assertion + "\n");
    std::vector<std::string> problems;
    const std::string path = std::string("/") + kTenant + "/oauth2/v2.0/token";
    entra.on("POST", path, [&](const FakeRequest& req) {
        if (req.form_field("client_assertion") != assertion)
            problems.emplace_back("client_assertion");
        if (req.form_field("client_assertion_type") !=
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            problems.emplace_back("client_assertion_type");
        if (req.form_field("client_id") != kClient || req.form_field("scope") != kScope)
            problems.emplace_back("client_id/scope");
        return FakeResponse::json(R"({"expires_in":3600,"access_token":")" + setup().token + "\"}");
    });
    RunOptions o = cloud_run_options(setup().home, setup().bin, entra.url());
    o.env["AZURE_AUTHORITY_HOST"] = entra.url();
    o.env["AZURE_FEDERATED_TOKEN_FILE"] = file.string();
    const std::string db = unique_db("azure_wi");
    // Tenant and client from the flags: they beat the (absent) variables.
    auto r = run_pgmi(
        deploy_args(db, {"--azure", "--azure-tenant-id", kTenant, "--azure-client-id", kClient}),
        o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_deployed_over_tls(db);
    EXPECT_GE(entra.requests_to(path).size(), 3U);
    EXPECT_TRUE(problems.empty()) << problems.front();
    EXPECT_NE(r.err.find("environment: skipped: AZURE_CLIENT_SECRET"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("workload identity: chosen"), std::string::npos) << r.err;
    expect_no_secrets(r);
    EXPECT_EQ(everything(r).find(assertion), std::string::npos);
}

TEST(CloudAzure, AzureCliIsAskedWithoutASecretInItsArguments) {
    TempDir bin;
    const std::filesystem::path args_file = bin.path() / "az-args";
    auto az = bin.write("az", "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + args_file.string() +
                                  "'\nprintf '{\"accessToken\":\"" + setup().token +
                                  "\",\"expires_on\":" + std::to_string(std::time(nullptr) + 3600) +
                                  "}'\n");
    ::chmod(az.c_str(), 0755);
    FakeEntra imds(setup().token);
    RunOptions o = cloud_run_options(setup().home, bin.path(), imds.http.url());
    const std::string db = unique_db("azure_cli");
    auto r = run_pgmi(deploy_args(db, {"--azure", "--azure-tenant-id", "tenant-b"}), o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_deployed_over_tls(db);
    const std::string args = read_all(args_file);
    EXPECT_NE(args.find("get-access-token"), std::string::npos) << args;
    EXPECT_NE(args.find(kResource), std::string::npos) << args;
    EXPECT_NE(args.find("tenant-b"), std::string::npos) << args;
    EXPECT_EQ(args.find(setup().token), std::string::npos);
    EXPECT_NE(r.err.find("Azure CLI: chosen"), std::string::npos) << r.err;
    expect_no_secrets(r);
}

TEST(CloudAzure, NothingAvailableListsEverySourceAndWhy) {
    FakeEntra imds(setup().token);
    RunOptions o = cloud_run_options(setup().home, setup().bin, imds.http.url());
    auto r = run_pgmi(deploy_args(unique_db("azure_none"), {"--azure"}), o);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    for (const char* part : {"failed to acquire Azure token: no Azure credential available",
                             "environment: skipped: AZURE_TENANT_ID", "workload identity: skipped",
                             "managed identity: skipped", "Azure CLI: skipped: az is not on PATH",
                             "Azure Developer CLI: skipped"}) {
        EXPECT_NE(r.err.find(part), std::string::npos) << part << "\n" << r.err;
    }
}

TEST(CloudAzure, ARefusedTokenSaysSoAndIsNotShown) {
    const std::string wrong = "eyJ0eXAiOiJKV1Qi.not-the-role-password-" + random_suffix();
    FakeEntra entra(wrong);
    auto r =
        run_pgmi(deploy_args(unique_db("azure_wrong"), {"--azure", "--json"}), entra.options());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("with an Azure Entra ID token"), std::string::npos) << r.err;
    EXPECT_EQ(everything(r).find(wrong), std::string::npos) << everything(r);
    expect_no_secrets(r);
}

TEST(CloudAzure, TokenAndSecretNeverShownWhenTheDeployFailsAfterConnecting) {
    FakeEntra entra(setup().token);
    TempDir project;
    // The server repeats the token and the client secret in a notice and in the error.
    project.write("deploy.sql", "DO $$BEGIN RAISE NOTICE 'notice %', '" + setup().token +
                                    "'; RAISE EXCEPTION 'boom % %', '" + setup().token + "', '" +
                                    setup().secret + "'; END$$;\n");
    std::vector<std::string> args = deploy_args(unique_db("azure_leak"), {"--azure", "--json"});
    args[1] = project.path().string();
    auto r = run_pgmi(args, entra.options());
    EXPECT_EQ(r.exit_code, 13) << r.err;
    EXPECT_NE(everything(r).find("boom"), std::string::npos) << everything(r);
    EXPECT_NE(everything(r).find("[redacted]"), std::string::npos) << everything(r);
    expect_no_secrets(r);
}

}  // namespace
}  // namespace pgmi::test
