// `pgmi deploy --aws` end to end. The RDS token is a SigV4 presigned URL that changes every
// second, so the server side is a loopback TLS front (support/pg_tls_front) speaking the
// PostgreSQL protocol: it takes pgmi's TLS, relays the startup to the real PostgreSQL (pg_hba
// `password`, cleartext, as RDS does), captures the password, sets the role's password to it and
// forwards it. The test then re-computes each captured token's signature with its own SigV4 code
// (support/rds_token_check: OpenSSL only, not pgmi's signer) from the fake secret key. Credentials
// come from a loopback fake container endpoint, a shared credentials file and credential_process.
// Also the offline exit-10 cases of the cloud flags, and no secret in any output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "integration/cli/cloud_env.hpp"
#include "integration/conn/tls_pki.hpp"
#include "support/fake_http.hpp"
#include "support/pg_tls_front.hpp"
#include "support/rds_token_check.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

constexpr const char* kRole = "aws_iam";
constexpr const char* kAccessKey = "ASIAFAKEKEY0000001";

std::string random_suffix() {
    std::random_device rd;
    return std::to_string(rd());
}

struct Shared {
    std::unique_ptr<TempDir> dir;
    TestPki pki;
    std::filesystem::path project, home, bin;
    std::string secret_key;     // the fake AWS secret access key
    std::string session_token;  // short: PostgreSQL caps the password packet on some versions
};

const Shared& setup() {
    static Shared s = [] {
        Shared made;
        made.dir = std::make_unique<TempDir>();
        for (const char* d : {"pki", "home", "bin"})
            std::filesystem::create_directories(made.dir->path() / d);
        made.home = made.dir->path() / "home";
        made.bin = made.dir->path() / "bin";
        made.pki = make_test_pki(made.dir->path() / "pki", "unused", "unused-passphrase");
        made.secret_key = "fakeSecretKey/" + random_suffix() + "+xyz";
        made.session_token = "sess" + random_suffix();
        query("postgres",
              std::string("CREATE ROLE ") + kRole + " LOGIN CREATEDB PASSWORD 'not-yet-known'");
        // `password`: cleartext, which is how RDS checks IAM tokens.
        Status hba =
            server().reload_with("local all all trust\nhost all all 127.0.0.1/32 password\n");
        EXPECT_TRUE(hba) << hba.error().message;
        made.project =
            made.dir
                ->write("project/deploy.sql",
                        "CREATE TABLE deployed_by AS SELECT current_user::text AS who;\n")
                .parent_path();
        return made;
    }();
    return s;
}

/// The front of the test server; each password it sees becomes the role's password first.
std::unique_ptr<PgTlsFront> make_front(bool accept_tokens = true) {
    PgTlsFrontOptions o;
    o.cert = setup().pki.server_crt;
    o.key = setup().pki.server_key;
    o.backend_port = server().port();
    o.on_password = [accept_tokens](const std::string& user, const std::string& password) {
        EXPECT_EQ(user, kRole);
        if (!accept_tokens)
            return;
        EXPECT_EQ(password.find('\''), std::string::npos);
        query("postgres", std::string("ALTER ROLE ") + kRole + " PASSWORD '" + password + "'");
    };
    return std::make_unique<PgTlsFront>(std::move(o));
}

std::vector<std::string> deploy_args(const PgTlsFront& front, const std::string& db,
                                     std::vector<std::string> extra) {
    std::vector<std::string> args = {"deploy",    setup().project.string(),
                                     "-h",        "127.0.0.1",
                                     "-p",        std::to_string(front.port()),
                                     "-U",        kRole,
                                     "-d",        db,
                                     "--verbose", "--aws"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// ---- An independent SigV4 check of an RDS token --------------------------------------------

/// Checks the token's host, parameters and credential scope for `region`, then its signature
/// (independently re-computed from the fake secret key); "" or what is wrong.
std::string verify_token(const std::string& token, const std::string& host_port,
                         const std::string& region) {
    const size_t q = token.find("/?");
    if (q == std::string::npos || token.substr(0, q) != host_port)
        return "not a presigned URL for " + host_port;
    std::map<std::string, std::string> params;
    for (const auto& [k, v] : raw_pairs(token.substr(q + 2)))
        params[pct_decode(k)] = pct_decode(v);
    auto param = [&](const char* k) { return params.count(k) ? params.at(k) : "(absent)"; };
    if (param("Action") != "connect" || param("DBUser") != kRole ||
        param("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || param("X-Amz-Expires") != "900" ||
        param("X-Amz-SignedHeaders") != "host" ||
        param("X-Amz-Security-Token") != setup().session_token)
        return "parameters";
    const std::string scope =
        param("X-Amz-Date").substr(0, 8) + "/" + region + "/rds-db/aws4_request";
    if (param("X-Amz-Credential") != std::string(kAccessKey) + "/" + scope)
        return "credential scope " + param("X-Amz-Credential");
    auto [expected, actual] = recompute_rds_signature(token, setup().secret_key);
    return expected == actual ? "" : "signature " + actual + " != " + expected;
}

size_t occurrences(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

void expect_deploy_verified(const RunResult& r, const PgTlsFront& front, const std::string& db,
                            const std::string& region) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT who FROM deployed_by"), std::vector<std::string>{kRole});
    const auto tokens = front.passwords();
    // The target did not exist: probe, maintenance, session, pooler probe; one token each.
    EXPECT_GE(tokens.size(), 3U);
    EXPECT_EQ(static_cast<int>(tokens.size()), front.tls_clients());
    EXPECT_EQ(occurrences(r.err, "AWS IAM token from"), tokens.size()) << r.err;
    const std::string host_port = "127.0.0.1:" + std::to_string(front.port());
    for (const auto& token : tokens) {
        EXPECT_EQ(verify_token(token, host_port, region), "") << token;
        EXPECT_EQ(everything(r).find(token), std::string::npos) << everything(r);
    }
    for (const std::string& secret : {setup().secret_key, setup().session_token})
        EXPECT_EQ(everything(r).find(secret), std::string::npos) << everything(r);
}

std::string rfc3339_in_an_hour() {
    std::time_t t = std::time(nullptr) + 3600;
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

TEST(CloudAws, ContainerCredentialsAndTheRegionFlag) {
    FakeHttpServer ecs;
    const std::string auth = "container-auth-" + random_suffix();
    ecs.on("GET", "/creds", [&](const FakeRequest& req) {
        if (req.header("authorization") != auth)
            return FakeResponse::json(R"({"message":"bad authorization"})", 403);
        return FakeResponse::json(std::string(R"({"AccessKeyId":")") + kAccessKey +
                                  R"(","SecretAccessKey":")" + setup().secret_key +
                                  R"(","Token":")" + setup().session_token + R"(","Expiration":")" +
                                  rfc3339_in_an_hour() + "\"}");
    });
    auto front = make_front();
    RunOptions o = cloud_run_options(setup().home, setup().bin, ecs.url());
    o.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url() + "/creds";
    o.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = auth;
    o.env["AWS_REGION"] = "eu-central-1";  // the flag wins
    const std::string db = unique_db("aws_ecs");
    auto r = run_pgmi(deploy_args(*front, db, {"--aws-region", "us-west-2"}), o);
    expect_deploy_verified(r, *front, db, "us-west-2");
    EXPECT_NE(r.err.find("container: chosen"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("AWS Region: us-west-2 (--aws-region)"), std::string::npos) << r.err;
    EXPECT_EQ(everything(r).find(auth), std::string::npos);
}

TEST(CloudAws, SharedCredentialsProfileAndAwsRegion) {
    TempDir files;
    auto credentials =
        files.write("credentials",
                    std::string("[default]\naws_access_key_id = AKIAWRONG\n"
                                "aws_secret_access_key = wrong\n[deployer]\naws_access_key_id = ") +
                        kAccessKey + "\naws_secret_access_key = " + setup().secret_key +
                        "\naws_session_token = " + setup().session_token + "\n");
    auto front = make_front();
    FakeHttpServer unused;
    RunOptions o = cloud_run_options(setup().home, setup().bin, unused.url());
    o.env["AWS_SHARED_CREDENTIALS_FILE"] = credentials.string();
    o.env["AWS_CONFIG_FILE"] = (files.path() / "no-config").string();
    o.env["AWS_PROFILE"] = "deployer";
    o.env["AWS_REGION"] = "ap-southeast-2";
    o.env["AWS_DEFAULT_REGION"] = "sa-east-1";
    const std::string db = unique_db("aws_profile");
    auto r = run_pgmi(deploy_args(*front, db, {}), o);
    expect_deploy_verified(r, *front, db, "ap-southeast-2");
    EXPECT_NE(r.err.find("shared profile \"deployer\": chosen"), std::string::npos) << r.err;
}

TEST(CloudAws, CredentialProcessGetsNoSecretInItsArguments) {
    TempDir files;
    const auto args_file = files.path() / "helper-args";
    auto helper =
        files.write("helper", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + args_file.string() +
                                  "'\nprintf '{\"Version\":1,\"AccessKeyId\":\"" + kAccessKey +
                                  "\",\"SecretAccessKey\":\"" + setup().secret_key +
                                  "\",\"SessionToken\":\"" + setup().session_token + "\"}'\n");
    ::chmod(helper.c_str(), 0755);
    auto config =
        files.write("config", "[profile helped]\ncredential_process = " + helper.string() +
                                  " --account deploy\n");
    auto front = make_front();
    FakeHttpServer unused;
    RunOptions o = cloud_run_options(setup().home, setup().bin, unused.url());
    o.env["AWS_CONFIG_FILE"] = config.string();
    o.env["AWS_SHARED_CREDENTIALS_FILE"] = (files.path() / "none").string();
    o.env["AWS_PROFILE"] = "helped";
    o.env["AWS_DEFAULT_REGION"] = "ca-central-1";
    const std::string db = unique_db("aws_process");
    auto r = run_pgmi(deploy_args(*front, db, {}), o);
    expect_deploy_verified(r, *front, db, "ca-central-1");
    const std::string args = read_all(args_file);
    EXPECT_EQ(args, "--account\ndeploy\n");
}

TEST(CloudAws, NoCredentialsAnywhereIsExit11ListingEverySource) {
    auto front = make_front();
    FakeHttpServer unused;
    RunOptions o = cloud_run_options(setup().home, setup().bin, unused.url());
    auto r = run_pgmi(deploy_args(*front, unique_db("aws_none"), {"--aws-region", "us-east-1"}), o);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    for (const char* part :
         {"failed to acquire AWS IAM token: no AWS credentials found", "environment: skipped",
          "web identity: skipped", "shared profile \"default\": skipped", "container: skipped",
          "EC2 instance metadata: skipped: AWS_EC2_METADATA_DISABLED=true"}) {
        EXPECT_NE(r.err.find(part), std::string::npos) << part << "\n" << r.err;
    }
    EXPECT_EQ(front->connections(), 0);  // no token, no connection attempt
}

TEST(CloudAws, ARefusedTokenShowsNoTokenKeyOrSessionToken) {
    auto front = make_front(false);
    FakeHttpServer unused;
    RunOptions o = cloud_run_options(setup().home, setup().bin, unused.url());
    o.env["AWS_ACCESS_KEY_ID"] = kAccessKey;
    o.env["AWS_SECRET_ACCESS_KEY"] = setup().secret_key;
    o.env["AWS_SESSION_TOKEN"] = setup().session_token;
    auto r = run_pgmi(
        deploy_args(*front, unique_db("aws_refused"), {"--aws-region", "eu-north-1", "--json"}), o);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("with an AWS IAM token"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("environment: chosen"), std::string::npos) << r.err;
    const auto tokens = front->passwords();
    ASSERT_FALSE(tokens.empty());
    for (const auto& token : tokens) {
        EXPECT_EQ(verify_token(token, "127.0.0.1:" + std::to_string(front->port()), "eu-north-1"),
                  "");
        EXPECT_EQ(everything(r).find(token), std::string::npos) << everything(r);
    }
    for (const std::string& secret : {setup().secret_key, setup().session_token})
        EXPECT_EQ(everything(r).find(secret), std::string::npos) << everything(r);
}

// ---- Offline: the flags are checked before anything connects ----------------------------------

RunResult offline(std::vector<std::string> extra, const std::string& yaml = "") {
    TempDir project;
    project.write("deploy.sql", "SELECT 1;\n");
    if (!yaml.empty())
        project.write("pgmi.yaml", yaml);
    std::vector<std::string> args = {
        "deploy", project.path().string(), "-h", "127.0.0.1", "-p", "1", "-U", "someone", "-d",
        "somedb"};
    args.insert(args.end(), extra.begin(), extra.end());
    FakeHttpServer unused;
    return run_pgmi(args, cloud_run_options(setup().home, setup().bin, unused.url()));
}

TEST(CloudFlags, ConfigurationErrorsAreExit10BeforeConnecting) {
    struct Case {
        std::vector<std::string> flags;
        std::string yaml;
        const char* says;
    };
    const Case cases[] = {
        {{"--azure", "--aws"}, "", "only one cloud authentication method"},
        {{"--aws", "--google-instance", "p:r:i"}, "", "--aws, --google-instance"},
        {{"--aws"}, "connection:\n  auth_method: azure\n", "conflicts with pgmi.yaml"},
        {{"--google"}, "", "requires --google-instance (project:region:instance)"},
        {{"--google", "--google-instance", "just-a-name"}, "", "invalid --google-instance"},
        {{"--azure", "--ephemeral"}, "", "cannot be combined"},
    };
    for (const auto& c : cases) {
        auto r = offline(c.flags, c.yaml);
        EXPECT_EQ(r.exit_code, 10) << c.says << "\n" << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.says << "\n" << r.err;
        EXPECT_EQ(r.err.find("connection refused"), std::string::npos) << r.err;
    }
}

}  // namespace
}  // namespace pgmi::test
