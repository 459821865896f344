#include "cloud/aws_credentials.hpp"

#include <gtest/gtest.h>

#include <map>

#include "cloud/aws_rds.hpp"
#include "support/fake_http.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;
using pgmi::test::FakeHttpServer;
using pgmi::test::FakeResponse;
using pgmi::test::TempDir;

constexpr std::time_t k20240102T030405Z = 1704164645;

/// A test environment: HOME is a fresh directory (so no real ~/.aws is read) and instance
/// metadata is disabled unless a test says otherwise.
struct Env {
    TempDir home;
    std::map<std::string, std::string> vars;
    Env() { vars = {{"HOME", home.path().string()}, {"AWS_EC2_METADATA_DISABLED", "true"}}; }
    AwsChainOptions options() const {
        AwsChainOptions o;
        o.env = env_from(vars);
        o.region = "us-east-1";
        o.now = fixed_clock(k20240102T030405Z);
        return o;
    }
    std::string path(const std::string& rel) const { return (home.path() / rel).string(); }
};

Result<AwsCredentials> resolve(const Env& e, std::vector<SourceAttempt>* attempts = nullptr) {
    return resolve_aws_credentials(e.options(), attempts);
}

std::string sts_xml(const std::string& action) {
    return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" +
           action +
           "Result>\n    <Credentials>\n"
           "      <AccessKeyId>ASIASTSKEY</AccessKeyId>\n"
           "      <SecretAccessKey>sts/secret+key</SecretAccessKey>\n"
           "      <SessionToken>FwoG&amp;session&lt;token&gt;</SessionToken>\n"
           "      <Expiration>2024-01-02T04:04:05Z</Expiration>\n"
           "    </Credentials>\n  </" +
           action + "Result>\n</" + action + "Response>\n";
}

TEST(AwsChain, EnvironmentChosen) {
    Env e;
    e.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    e.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    e.vars["AWS_SESSION_TOKEN"] = "env-session";
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "AKIDENV");
    EXPECT_EQ(c->secret_access_key, "env-secret");
    EXPECT_EQ(c->session_token, "env-session");
    EXPECT_FALSE(c->expires_at);
    EXPECT_EQ(c->source, "environment");
    ASSERT_EQ(attempts.size(), 1U);
    EXPECT_EQ(attempts[0].source, "environment");
    EXPECT_EQ(attempts[0].outcome, "chosen");
}

TEST(AwsChain, EnvironmentAliasesAndHalfConfigured) {
    Env e;
    e.vars["AWS_ACCESS_KEY"] = "AKIDALIAS";
    e.vars["AWS_SECRET_KEY"] = "alias-secret";
    auto c = resolve(e);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->access_key_id, "AKIDALIAS");
    EXPECT_EQ(c->session_token, "");

    Env half;
    half.vars["AWS_ACCESS_KEY_ID"] = "AKIDONLY";
    std::vector<SourceAttempt> attempts;
    auto r = resolve(half, &attempts);
    ASSERT_FALSE(r);
    EXPECT_EQ(attempts[0].outcome,
              "skipped: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST(AwsChain, NothingConfiguredListsEverySourceAndWhy) {
    Env e;
    std::vector<SourceAttempt> attempts;
    auto r = resolve(e, &attempts);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(exit_code(r.error().kind), 11);
    const std::string h = e.home.path().string();
    EXPECT_EQ(r.error().message,
              "no AWS credentials found (sources tried: "
              "environment: skipped: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; "
              "web identity: skipped: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set; "
              "shared profile \"default\": skipped: no profile \"default\" in " +
                  h + "/.aws/credentials or " + h +
                  "/.aws/config; "
                  "container: skipped: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; "
                  "EC2 instance metadata: skipped: AWS_EC2_METADATA_DISABLED=true)");
    ASSERT_EQ(attempts.size(), 5U);
    EXPECT_EQ(attempts[4].source, "EC2 instance metadata");
}

TEST(AwsChain, DefaultProfileFromTheHomeDirectory) {
    Env e;
    e.home.write(".aws/credentials",
                 "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n");
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "AKIDFILE");
    EXPECT_EQ(c->secret_access_key, "file-secret");
    EXPECT_EQ(c->source, "shared profile \"default\"");
    ASSERT_EQ(attempts.size(), 3U);
    EXPECT_EQ(attempts[0].outcome.rfind("skipped: ", 0), 0U);
    EXPECT_EQ(attempts[1].outcome.rfind("skipped: ", 0), 0U);
    EXPECT_EQ(attempts[2].source, "shared profile \"default\"");
    EXPECT_EQ(attempts[2].outcome, "chosen");
}

TEST(AwsChain, ExplicitProfileBeatsEnvironmentKeys) {
    Env e;
    e.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    e.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    e.vars["AWS_PROFILE"] = "dev";
    e.vars["AWS_CONFIG_FILE"] = e.home
                                    .write("conf",
                                           "[profile dev]\naws_access_key_id=AKIDDEV\n"
                                           "aws_secret_access_key=dev-secret\n"
                                           "aws_session_token=dev-session\n")
                                    .string();
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "AKIDDEV");
    EXPECT_EQ(c->session_token, "dev-session");
    EXPECT_EQ(c->source, "shared profile \"dev\"");
    ASSERT_EQ(attempts.size(), 1U);
    EXPECT_EQ(attempts[0].source, "shared profile \"dev\"");
}

TEST(AwsChain, ExplicitProfileThatDoesNotExistIsAConfigError) {
    Env e;
    e.vars["AWS_PROFILE"] = "nope";
    e.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    e.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    e.vars["AWS_SHARED_CREDENTIALS_FILE"] = e.home.write("c", "[default]\n").string();
    e.vars["AWS_CONFIG_FILE"] = e.path("missing-config");
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    const std::string why =
        "no profile \"nope\" in " + e.path("c") + " or " + e.path("missing-config");
    EXPECT_EQ(r.error().message, "AWS credentials from shared profile \"nope\" failed: " + why +
                                     " (sources tried: shared profile \"nope\": failed: " + why +
                                     ")");
}

TEST(AwsChain, CredentialsFileWinsPerKeyOverConfigFile) {
    Env e;
    e.home.write(".aws/config",
                 "[default]\naws_access_key_id = AKIDCONF\n"
                 "aws_secret_access_key = conf-secret\nregion = eu-west-3\n");
    e.home.write(".aws/credentials", "[default]\naws_secret_access_key = cred-secret\n");
    auto c = resolve(e);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "AKIDCONF");
    EXPECT_EQ(c->secret_access_key, "cred-secret");
    EXPECT_EQ(aws_profile_region(e.options().env).value_or(""), "eu-west-3");
}

TEST(AwsChain, DefaultProfileWithoutKeysIsSkipped) {
    Env e;
    e.home.write(".aws/config", "[default]\nregion = eu-west-3\n");
    std::vector<SourceAttempt> attempts;
    auto r = resolve(e, &attempts);
    ASSERT_FALSE(r);
    EXPECT_EQ(attempts[2].outcome, "skipped: profile \"default\" has no credentials");
}

TEST(AwsChain, MalformedSharedFileIsAConfigErrorWithoutContent) {
    Env e;
    e.home.write(".aws/credentials", "[default]\naws_secret_access_key TOPSECRETVALUE\n");
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("AWS shared credentials file " + e.path(".aws/credentials") +
                                     ": line 2: expected 'key = value'"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("TOPSECRET"), std::string::npos);
}

TEST(AwsChain, SsoAndMfaProfilesExplainThemselves) {
    Env e;
    e.vars["AWS_PROFILE"] = "sso";
    e.home.write(".aws/config",
                 "[profile sso]\nsso_session = corp\nsso_account_id = 1\n"
                 "[profile mfa]\nrole_arn = arn:aws:iam::1:role/r\n"
                 "source_profile = sso\nmfa_serial = arn:aws:iam::1:mfa/u\n");
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find(
                  "uses IAM Identity Center (SSO), which pgmi does not read; add "
                  "credential_process = aws configure export-credentials --profile sso --format "
                  "process"),
              std::string::npos)
        << r.error().message;
    e.vars["AWS_PROFILE"] = "mfa";
    auto m = resolve(e);
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("needs an MFA code (mfa_serial)"), std::string::npos);
}

TEST(AwsChain, CredentialProcessRunsWithoutAShell) {
    Env e;
    TempDir bin;
    write_script(bin, "creds-helper",
                 "[ \"$1\" = \"--account\" ] && [ \"$2\" = \"a b\" ] || exit 3\n"
                 "printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
                 "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-session\", "
                 "\"Expiration\": \"2024-01-02T05:00:00Z\"}'\n");
    e.vars["PATH"] = bin.path().string();
    e.home.write(".aws/config", "[default]\ncredential_process = creds-helper --account \"a b\"\n");
    auto c = resolve(e);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "ASIAPROC");
    EXPECT_EQ(c->secret_access_key, "proc-secret");
    EXPECT_EQ(c->session_token, "proc-session");
    ASSERT_TRUE(c->expires_at);
    EXPECT_EQ(*c->expires_at, at(1704171600));

    write_script(bin, "creds-helper", "echo '{\"Version\": 2}'\n");
    auto bad = resolve(e);
    ASSERT_FALSE(bad);
    EXPECT_NE(
        bad.error().message.find(
            "credential_process creds-helper did not print a JSON object with \"Version\": 1"),
        std::string::npos)
        << bad.error().message;
    write_script(bin, "creds-helper", "exit 7\n");
    auto failed = resolve(e);
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("credential_process creds-helper exited with status 7"),
              std::string::npos);
}

TEST(AwsChain, RoleArnWithSourceProfileAssumesTheRoleWithASignedStsCall) {
    Env e;
    FakeHttpServer sts;
    sts.on("POST", "/", FakeResponse{200, {{"Content-Type", "text/xml"}}, sts_xml("AssumeRole")});
    e.vars["AWS_ENDPOINT_URL_STS"] = sts.url() + "/";
    e.home.write(".aws/credentials",
                 "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    e.home.write(".aws/config",
                 "[default]\nrole_arn = arn:aws:iam::123456789012:role/deployer\n"
                 "source_profile = base\nexternal_id = ext-1\nregion = eu-west-1\n");
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "ASIASTSKEY");
    EXPECT_EQ(c->secret_access_key, "sts/secret+key");
    EXPECT_EQ(c->session_token, "FwoG&session<token>");
    EXPECT_EQ(*c->expires_at, at(1704168245));
    EXPECT_EQ(c->source, "shared profile \"default\"");

    auto reqs = sts.requests();
    ASSERT_EQ(reqs.size(), 1U);
    const auto& r = reqs[0];
    EXPECT_EQ(r.form_field("Action").value_or(""), "AssumeRole");
    EXPECT_EQ(r.form_field("Version").value_or(""), "2011-06-15");
    EXPECT_EQ(r.form_field("RoleArn").value_or(""), "arn:aws:iam::123456789012:role/deployer");
    EXPECT_EQ(r.form_field("RoleSessionName").value_or(""), "pgmi-1704164645");
    EXPECT_EQ(r.form_field("ExternalId").value_or(""), "ext-1");
    EXPECT_EQ(r.header("x-amz-date"), "20240102T030405Z");
    // Recompute the signature from what actually arrived on the wire (independent code).
    const std::string creq = "POST\n/\n\ncontent-type:" + r.header("content-type") +
                             "\nhost:" + r.header("host") +
                             "\nx-amz-date:" + r.header("x-amz-date") +
                             "\n\ncontent-type;host;x-amz-date\n" + openssl_sha256_hex(r.body);
    const std::string sts_text =
        "AWS4-HMAC-SHA256\n20240102T030405Z\n"
        "20240102/eu-west-1/sts/aws4_request\n" +
        openssl_sha256_hex(creq);
    std::string key = openssl_hmac("AWS4base-secret", "20240102");
    for (const char* part : {"eu-west-1", "sts", "aws4_request"})
        key = openssl_hmac(key, part);
    const std::string sig = openssl_hmac(key, sts_text);
    EXPECT_EQ(r.header("authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDBASE/20240102/eu-west-1/sts/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, Signature=" +
                  to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()));
}

TEST(AwsChain, WebIdentityFromEnvironment) {
    Env e;
    FakeHttpServer sts;
    sts.on("POST", "/", FakeResponse{200, {}, sts_xml("AssumeRoleWithWebIdentity")});
    e.vars["AWS_ENDPOINT_URL"] = sts.url();
    e.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = e.home.write("token", "eyJ.web.identity\n").string();
    e.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/ci";
    e.vars["AWS_ROLE_SESSION_NAME"] = "ci-run";
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "ASIASTSKEY");
    EXPECT_EQ(c->source, "web identity");
    ASSERT_EQ(attempts.size(), 2U);
    EXPECT_EQ(attempts[1].source, "web identity");
    EXPECT_EQ(attempts[1].outcome, "chosen");
    auto reqs = sts.requests();
    ASSERT_EQ(reqs.size(), 1U);
    EXPECT_EQ(reqs[0].path, "/");
    EXPECT_EQ(reqs[0].body,
              "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
              "123456789012%3Arole%2Fci&RoleSessionName=ci-run&WebIdentityToken=eyJ.web.identity");
    EXPECT_FALSE(reqs[0].has_header("authorization"));  // this call is unsigned
}

TEST(AwsChain, WebIdentityStsRefusalStopsTheChainWithoutTheToken) {
    Env e;
    FakeHttpServer sts;
    sts.on("POST", "/",
           FakeResponse{403,
                        {},
                        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                        "<Message>Not authorized for token eyJ.web.identity</Message></Error>"
                        "</ErrorResponse>"});
    e.vars["AWS_ENDPOINT_URL_STS"] = sts.url();
    e.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = e.home.write("token", "eyJ.web.identity").string();
    e.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/ci";
    e.home.write(".aws/credentials", "[default]\naws_access_key_id=A\naws_secret_access_key=B\n");
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_NE(r.error().message.find(
                  "AWS credentials from web identity failed: STS AssumeRoleWithWebIdentity "
                  "returned HTTP 403 (AccessDenied: Not authorized for token [redacted])"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("eyJ.web.identity"), std::string::npos);
}

TEST(AwsChain, StsOverrideMustBeHttpsOrLoopback) {
    Env e;
    e.vars["AWS_ENDPOINT_URL_STS"] = "http://sts.example.com/";
    e.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = e.home.write("token", "t").string();
    e.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/ci";
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("AWS_ENDPOINT_URL_STS must use https://"), std::string::npos)
        << r.error().message;
}

TEST(AwsChain, ContainerFullUriWithAuthorizationTokenFile) {
    Env e;
    FakeHttpServer ecs;
    ecs.on("GET", "/v1/credentials",
           FakeResponse::json(R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"ecs-secret",
                                  "Token":"ecs-session","Expiration":"2024-01-02T09:00:00Z",
                                  "RoleArn":"arn:aws:iam::1:role/task"})"));
    e.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url() + "/v1/credentials";
    e.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] =
        e.home.write("auth", "Bearer abc\n").string();
    e.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored-when-file-is-set";
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "ASIAECS");
    EXPECT_EQ(c->session_token, "ecs-session");
    EXPECT_EQ(c->source, "container");
    EXPECT_EQ(*c->expires_at, at(1704186000));
    ASSERT_EQ(attempts.size(), 4U);
    EXPECT_EQ(attempts[3].source, "container");
    auto reqs = ecs.requests();
    ASSERT_EQ(reqs.size(), 1U);
    EXPECT_EQ(reqs[0].header("authorization"), "Bearer abc");

    e.vars.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    ASSERT_TRUE(resolve(e));
    EXPECT_EQ(ecs.requests().back().header("authorization"), "ignored-when-file-is-set");
}

TEST(AwsChain, ContainerRelativeUriTargetsTheEcsAddressAndTheGuardStopsIt) {
    Env e;
    e.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("container credentials endpoint refusing to contact "
                                     "http://169.254.170.2: this process allows loopback "
                                     "addresses only"),
              std::string::npos)
        << r.error().message;
}

TEST(AwsChain, ContainerFullUriOverPlainHttpMustBeLoopbackOrEcs) {
    Env e;
    e.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://creds.example.com/x";
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI must use https://"),
              std::string::npos);
}

FakeHttpServer& imds_routes(FakeHttpServer& imds) {
    imds.on("PUT", "/latest/api/token", FakeResponse{200, {}, "imds-session-token"});
    imds.on("GET", "/latest/meta-data/iam/security-credentials/",
            FakeResponse{200, {}, "deploy-role\n"});
    imds.on("GET", "/latest/meta-data/iam/security-credentials/deploy-role",
            FakeResponse::json(R"({"Code":"Success","LastUpdated":"2024-01-02T03:00:00Z",
                                   "Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS",
                                   "SecretAccessKey":"imds-secret","Token":"imds-session",
                                   "Expiration":"2024-01-02T09:00:00Z"})"));
    return imds;
}

TEST(AwsChain, ImdsV2TokenThenRoleThenCredentials) {
    Env e;
    FakeHttpServer imds;
    imds_routes(imds);
    e.vars.erase("AWS_EC2_METADATA_DISABLED");
    e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url() + "/";
    std::vector<SourceAttempt> attempts;
    auto c = resolve(e, &attempts);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->access_key_id, "ASIAIMDS");
    EXPECT_EQ(c->source, "EC2 instance metadata");
    ASSERT_EQ(attempts.size(), 5U);
    EXPECT_EQ(attempts[4].outcome, "chosen");
    auto reqs = imds.requests();
    ASSERT_EQ(reqs.size(), 3U);
    EXPECT_EQ(reqs[0].method, "PUT");
    EXPECT_EQ(reqs[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    EXPECT_EQ(reqs[1].header("x-aws-ec2-metadata-token"), "imds-session-token");
    EXPECT_EQ(reqs[2].path, "/latest/meta-data/iam/security-credentials/deploy-role");
    EXPECT_EQ(reqs[2].header("x-aws-ec2-metadata-token"), "imds-session-token");
}

TEST(AwsChain, ImdsV1FallbackOnlyAfter403To405AndWhenAllowed) {
    Env e;
    FakeHttpServer imds;
    imds_routes(imds);
    imds.on("PUT", "/latest/api/token", FakeResponse{405, {}, ""});
    e.vars.erase("AWS_EC2_METADATA_DISABLED");
    e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
    auto c = resolve(e);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_FALSE(imds.requests()[1].has_header("x-aws-ec2-metadata-token"));

    e.vars["AWS_EC2_METADATA_V1_DISABLED"] = "true";
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(
                  "EC2 instance metadata: failed: the instance metadata service refused an IMDSv2 "
                  "token (HTTP 405) and AWS_EC2_METADATA_V1_DISABLED=true"),
              std::string::npos)
        << r.error().message;

    imds.on("PUT", "/latest/api/token", FakeResponse{400, {}, ""});
    e.vars.erase("AWS_EC2_METADATA_V1_DISABLED");
    auto fatal = resolve(e);
    ASSERT_FALSE(fatal);
    EXPECT_NE(fatal.error().message.find("instance metadata token request returned HTTP 400"),
              std::string::npos);
}

TEST(AwsChain, ImdsWithoutRoleOrServiceIsSkipped) {
    Env e;
    FakeHttpServer imds;
    imds.on("PUT", "/latest/api/token", FakeResponse{200, {}, "t"});
    e.vars.erase("AWS_EC2_METADATA_DISABLED");
    e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
    std::vector<SourceAttempt> attempts;
    ASSERT_FALSE(resolve(e, &attempts));
    EXPECT_EQ(attempts.back().outcome, "skipped: no IAM role is attached to this instance");

    int closed_port = 0;
    {
        FakeHttpServer gone;
        closed_port = gone.port();
    }
    e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(closed_port);
    auto r = resolve(e, &attempts);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Connection);
    EXPECT_EQ(attempts.back().outcome.rfind("skipped: no instance metadata service answered (", 0),
              0U)
        << attempts.back().outcome;
}

TEST(AwsChain, ImdsDefaultAddressIsStoppedByTheGuardNotContacted) {
    Env e;
    e.vars.erase("AWS_EC2_METADATA_DISABLED");
    std::vector<SourceAttempt> attempts;
    ASSERT_FALSE(resolve(e, &attempts));
    EXPECT_EQ(attempts.back().outcome,
              "skipped: no instance metadata service answered (refusing to contact "
              "http://169.254.169.254: this process allows loopback addresses only)");
    e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://imds.example.com";
    auto r = resolve(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
}

TEST(AwsChain, NoSecretInAnyErrorText) {
    // Every failing shape below carries secrets in its configuration.
    const std::vector<std::string> secrets = {"SECRETKEY123", "SESSIONTOKEN456", "WEBTOKEN789"};
    FakeHttpServer sts;  // the worst case: a service that repeats everything it received
    sts.on("POST", "/", [](const pgmi::test::FakeRequest& req) {
        std::string echo;
        for (const auto& [k, v] : req.headers) {
            if (k.rfind("x-amz-", 0) == 0)
                echo += k + "=" + v + " ";
        }
        echo += req.body;
        return FakeResponse{
            400, {}, "<Error><Code>Bad</Code><Message>" + echo + "</Message></Error>"};
    });
    {
        Env e;
        e.vars["AWS_ENDPOINT_URL_STS"] = sts.url();
        e.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = e.home.write("t", "WEBTOKEN789").string();
        e.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/r";
        auto r = resolve(e);
        ASSERT_FALSE(r);
        for (const auto& s : secrets)
            EXPECT_EQ(r.error().message.find(s), std::string::npos) << r.error().message;
    }
    {
        Env e;
        e.vars["AWS_ENDPOINT_URL_STS"] = sts.url();
        e.home.write(".aws/config",
                     "[default]\nrole_arn=arn:aws:iam::1:role/r\nsource_profile="
                     "default\naws_access_key_id=AKID\naws_secret_access_key="
                     "SECRETKEY123\naws_session_token=SESSIONTOKEN456\n");
        auto r = resolve(e);
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("[redacted]"), std::string::npos);
        for (const auto& s : secrets)
            EXPECT_EQ(r.error().message.find(s), std::string::npos) << r.error().message;
    }
    {
        Env e;
        e.vars["AWS_ACCESS_KEY_ID"] = "AKID";
        e.vars["AWS_SECRET_ACCESS_KEY"] = "";  // empty counts as unset
        e.vars["AWS_SESSION_TOKEN"] = "SESSIONTOKEN456";
        e.home.write(".aws/credentials", "[default]\naws_access_key_id=SECRETKEY123\n");
        auto r = resolve(e);
        ASSERT_FALSE(r);
        for (const auto& s : secrets)
            EXPECT_EQ(r.error().message.find(s), std::string::npos) << r.error().message;
    }
}

TEST(AwsRegion, FromRdsHostnames) {
    EXPECT_EQ(aws_region_from_rds_host("mydb.abc123.us-west-2.rds.amazonaws.com").value_or(""),
              "us-west-2");
    EXPECT_EQ(
        aws_region_from_rds_host("c.cluster-ro-x.EU-CENTRAL-1.rds.amazonaws.com").value_or(""),
        "eu-central-1");
    EXPECT_EQ(aws_region_from_rds_host("d.x.cn-north-1.rds.amazonaws.com.cn").value_or(""),
              "cn-north-1");
    for (const char* h : {"localhost", "rds.amazonaws.com", "x.rds.amazonaws.com", "db.example.com",
                          "a.b.notaregion.rds.amazonaws.com"})
        EXPECT_FALSE(aws_region_from_rds_host(h)) << h;
}

// ---- the RDS token provider --------------------------------------------------------------------

TEST(AwsRdsProvider, PreconditionsAreConfigErrors) {
    Env e;
    auto base = [&] {
        AwsRdsOptions o;
        o.host = "db.internal";
        o.port = 5432;
        o.user = "app";
        o.region = "us-east-1";
        o.env = env_from(e.vars);
        return o;
    };
    auto o = base();
    o.host = "";
    auto r = make_aws_rds_token_provider(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(
        r.error().message,
        "failed to create AWS IAM token provider: AWS IAM auth requires endpoint (host:port)");
    o = base();
    o.host = "/var/run/postgresql";
    EXPECT_FALSE(make_aws_rds_token_provider(o));
    o = base();
    o.region = "";
    r = make_aws_rds_token_provider(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "failed to create AWS IAM token provider: AWS IAM auth requires region (use "
              "--aws-region or $AWS_REGION)");
    o = base();
    o.user = "";
    r = make_aws_rds_token_provider(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "failed to create AWS IAM token provider: AWS IAM auth requires database username");
}

TEST(AwsRdsProvider, TokenFromEnvironmentCredentials) {
    Env e;
    e.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    e.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    AwsRdsOptions o;
    o.host = "db.abc.eu-west-1.rds.amazonaws.com";
    o.port = 5433;
    o.user = "deployer";
    o.region = "eu-west-1";
    o.env = env_from(e.vars);
    o.now = fixed_clock(k20240102T030405Z);
    auto p = make_aws_rds_token_provider(o);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ((*p)->name(), "AWS IAM");
    auto t = (*p)->token();
    ASSERT_TRUE(t) << t.error().message;
    const AwsCredentials creds{"AKIDENV", "env-secret", "", std::nullopt, ""};
    EXPECT_EQ(t->value,
              rds_auth_token(o.host, 5433, "deployer", "eu-west-1", creds, at(k20240102T030405Z)));
    EXPECT_EQ(t->expires_at, at(k20240102T030405Z + 900));
    EXPECT_EQ(t->source, "environment");
    ASSERT_EQ((*p)->last_attempts().size(), 1U);
}

TEST(AwsRdsProvider, RegionFallsBackToProfileThenHostname) {
    Env e;
    e.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    e.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    AwsRdsOptions o;
    o.host = "db.abc.ap-south-1.rds.amazonaws.com";
    o.user = "u";
    o.env = env_from(e.vars);
    o.now = fixed_clock(k20240102T030405Z);
    auto p = make_aws_rds_token_provider(o);
    ASSERT_TRUE(p);
    EXPECT_NE((*p)->token()->value.find("%2Fap-south-1%2Frds-db%2F"), std::string::npos);
    e.home.write(".aws/config", "[default]\nregion = sa-east-1\n");
    p = make_aws_rds_token_provider(o);
    ASSERT_TRUE(p);
    EXPECT_NE((*p)->token()->value.find("%2Fsa-east-1%2Frds-db%2F"), std::string::npos);
}

TEST(AwsRdsProvider, ExpiryIsCappedByTemporaryCredentials) {
    Env e;
    FakeHttpServer ecs;
    ecs.on("GET", "/c",
           FakeResponse::json(R"({"AccessKeyId":"ASIA","SecretAccessKey":"s","Token":"t",
                                  "Expiration":"2024-01-02T03:08:05Z"})"));
    e.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url() + "/c";
    AwsRdsOptions o;
    o.host = "h";
    o.user = "u";
    o.region = "us-east-1";
    o.env = env_from(e.vars);
    o.now = fixed_clock(k20240102T030405Z);
    auto p = make_aws_rds_token_provider(o);
    ASSERT_TRUE(p);
    auto t = (*p)->token();
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->expires_at, at(k20240102T030405Z + 240));
    EXPECT_EQ(t->source, "container");
    // Credentials within five minutes of expiry are fetched again on the next token.
    ASSERT_TRUE((*p)->token());
    EXPECT_EQ(ecs.requests().size(), 2U);
}

TEST(AwsRdsProvider, FailureListsSourcesAndHasExitCode11) {
    Env e;
    AwsRdsOptions o;
    o.host = "h";
    o.user = "u";
    o.region = "us-east-1";
    o.env = env_from(e.vars);
    auto p = make_aws_rds_token_provider(o);
    ASSERT_TRUE(p);
    auto t = (*p)->token();
    ASSERT_FALSE(t);
    EXPECT_EQ(exit_code(t.error().kind), 11);
    EXPECT_EQ(t.error().message.rfind("no AWS credentials found (sources tried: environment: "
                                      "skipped: ",
                                      0),
              0U);
    EXPECT_EQ((*p)->last_attempts().size(), 5U);
}

}  // namespace
}  // namespace pgmi::cloud
