// Cloud method selection, offline: flags, pgmi.yaml and the Azure variables; exclusivity and
// conflicts (exit 10); companion values and their precedence; the sslmode floor.
#include "conn/cloud_auth.hpp"

#include <gtest/gtest.h>

namespace pgmi::conn {
namespace {

struct Case {
    CloudFlags flags;
    std::map<std::string, std::string> env;
    config::YamlConnection yaml;
    std::string sslmode = "prefer";
    std::string sslmode_source = "default";
};

Result<ResolvedConnection> run(const Case& c) {
    ResolvedConnection r;
    r.config.sslmode = c.sslmode;
    r.sources["sslmode"] = c.sslmode_source;
    if (Status s = resolve_cloud(c.flags, env_from(c.env), c.yaml, r); !s)
        return s.error();
    return r;
}

std::string config_error(const Case& c) {
    auto r = run(c);
    if (r)
        return "(resolved)";
    EXPECT_EQ(r.error().kind, ErrorKind::Config) << r.error().message;
    return r.error().message;
}

const std::map<std::string, std::string> kAzureEnv = {
    {"AZURE_TENANT_ID", "t1"}, {"AZURE_CLIENT_ID", "c1"}, {"AZURE_CLIENT_SECRET", "s1"}};

TEST(CloudAuth, TwoMethodsAreAConfigErrorNamingTheFlags) {
    Case c{};
    c.flags.azure = true;
    c.flags.aws = true;
    EXPECT_NE(config_error(c).find("only one cloud authentication method"), std::string::npos);
    // A companion flag counts for exclusivity.
    Case d{};
    d.flags.azure = true;
    d.flags.aws_region = "us-east-1";
    EXPECT_NE(config_error(d).find("--azure, --aws-region"), std::string::npos);
}

TEST(CloudAuth, AFlagThatContradictsPgmiYamlIsAConfigError) {
    Case c{};
    c.flags.aws = true;
    c.yaml.auth_method = "azure";
    EXPECT_NE(config_error(c).find("--aws conflicts with pgmi.yaml connection.auth_method: azure"),
              std::string::npos);
    Case same{};
    same.flags.aws = true;
    same.yaml.auth_method = "aws";
    EXPECT_EQ(run(same)->config.auth, AuthMethod::AwsIam);
    Case bad{};
    bad.yaml.auth_method = "Azure";
    EXPECT_NE(config_error(bad).find("is not one of azure, aws, google"), std::string::npos);
}

TEST(CloudAuth, AzureVariablesActivateAzureOnlyWhenAllThreeAreSet) {
    Case c{};
    c.env = kAzureEnv;
    auto r = run(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.auth, AuthMethod::AzureEntraId);
    EXPECT_NE(r->sources["auth"].find("$AZURE_CLIENT_SECRET"), std::string::npos);
    EXPECT_EQ(r->sources["azure_tenant_id"], "t1 ($AZURE_TENANT_ID)");
    Case two{};
    two.env = {{"AZURE_TENANT_ID", "t1"}, {"AZURE_CLIENT_ID", "c1"}};
    EXPECT_EQ(run(two)->config.auth, AuthMethod::Standard);
    // An explicit other method wins over the variables.
    Case yaml_aws{};
    yaml_aws.env = kAzureEnv;
    yaml_aws.yaml.auth_method = "aws";
    EXPECT_EQ(run(yaml_aws)->config.auth, AuthMethod::AwsIam);
}

TEST(CloudAuth, AzureIdsFlagBeatsVariableBeatsYaml) {
    Case c{};
    c.flags.azure = true;
    c.flags.azure_client_id = "flag-client";
    c.env = {{"AZURE_TENANT_ID", "env-tenant"}, {"AZURE_CLIENT_ID", "env-client"}};
    c.yaml.azure_tenant_id = "yaml-tenant";
    c.yaml.azure_client_id = "yaml-client";
    auto r = run(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.cloud.azure_client_id, "flag-client");
    EXPECT_EQ(r->config.cloud.azure_tenant_id, "");
    EXPECT_EQ(r->config.cloud.azure_tenant_id_fallback, "yaml-tenant");
    EXPECT_EQ(r->sources["azure_client_id"], "flag-client (--azure-client-id)");
    EXPECT_EQ(r->sources["azure_tenant_id"], "env-tenant ($AZURE_TENANT_ID)");
}

TEST(CloudAuth, AwsRegionPrecedence) {
    auto region = [](CloudFlags f, std::map<std::string, std::string> env,
                     std::optional<std::string> yaml_region) {
        Case c{};
        c.flags = std::move(f);
        c.flags.aws = true;
        c.env = std::move(env);
        c.yaml.aws_region = std::move(yaml_region);
        return run(c)->config.cloud.aws_region;
    };
    CloudFlags with_flag;
    with_flag.aws_region = "eu-west-1";
    const std::map<std::string, std::string> both = {{"AWS_REGION", "us-east-2"},
                                                     {"AWS_DEFAULT_REGION", "ap-south-1"}};
    EXPECT_EQ(region(with_flag, both, "sa-east-1"), "eu-west-1");
    EXPECT_EQ(region({}, both, "sa-east-1"), "us-east-2");
    EXPECT_EQ(region({}, {{"AWS_DEFAULT_REGION", "ap-south-1"}}, "sa-east-1"), "ap-south-1");
    EXPECT_EQ(region({}, {}, "sa-east-1"), "sa-east-1");
    EXPECT_EQ(region({}, {}, std::nullopt), "");
}

TEST(CloudAuth, GoogleNeedsAValidInstance) {
    Case none{};
    none.flags.google = true;
    EXPECT_NE(config_error(none).find("requires --google-instance"), std::string::npos);
    Case bad{};
    bad.flags.google = true;
    bad.flags.google_instance = "project-only";
    EXPECT_NE(config_error(bad).find("invalid --google-instance"), std::string::npos);
    Case yaml{};
    yaml.yaml.auth_method = "google";
    yaml.yaml.google_instance = "p:us-central1:db";
    auto r = run(yaml);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.cloud.google_instance, "p:us-central1:db");
    EXPECT_EQ(r->config.sslmode, "prefer");  // the Cloud SQL connector's business
}

TEST(CloudAuth, GoogleIpTypeFromFlagThenYaml) {
    Case def{};
    def.flags.google = true;
    def.flags.google_instance = "p:us-central1:db";
    auto r = run(def);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->config.cloud.google_private_ip) << "public unless asked";
    Case flag = def;
    flag.flags.google_ip_type = "PRIVATE";
    flag.yaml.google_ip_type = "public";
    r = run(flag);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->config.cloud.google_private_ip);
    EXPECT_EQ(r->sources.at("google_ip_type"), "private (--google-ip-type)");
    Case yaml = def;
    yaml.yaml.google_ip_type = "private";
    r = run(yaml);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->config.cloud.google_private_ip);
    Case bad = def;
    bad.flags.google_ip_type = "psc";
    EXPECT_NE(config_error(bad).find("invalid --google-ip-type: invalid Cloud SQL IP type \"psc\" "
                                     "(valid: public, private)"),
              std::string::npos)
        << config_error(bad);
    // The flag belongs to Google: with --aws it is a conflict.
    Case mixed{};
    mixed.flags.aws = true;
    mixed.flags.google_ip_type = "private";
    EXPECT_NE(config_error(mixed).find("--google-ip-type"), std::string::npos)
        << config_error(mixed);
}

TEST(CloudAuth, WeakSslmodeIsRaisedToRequire) {
    Case defaulted{};
    defaulted.flags.aws = true;
    auto r = run(defaulted);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.sslmode, "require");
    EXPECT_TRUE(r->warnings.empty());
    ASSERT_EQ(r->notes.size(), 1U);
    Case explicit_disable{};
    explicit_disable.flags.azure = true;
    explicit_disable.sslmode = "disable";
    explicit_disable.sslmode_source = "--sslmode";
    auto e = run(explicit_disable);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->config.sslmode, "require");
    ASSERT_EQ(e->warnings.size(), 1U);
    EXPECT_NE(e->warnings[0].find("sslmode disable (--sslmode) raised to require"),
              std::string::npos);
    Case strong{};
    strong.flags.azure = true;
    strong.sslmode = "verify-full";
    EXPECT_EQ(run(strong)->config.sslmode, "verify-full");
}

TEST(CloudAuth, CompanionFlagAloneChangesNothingButSaysSo) {
    Case c{};
    c.flags.aws_region = "us-east-1";
    auto r = run(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.auth, AuthMethod::Standard);
    ASSERT_EQ(r->warnings.size(), 1U);
    EXPECT_NE(r->warnings[0].find("--aws-region has no effect without --aws"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::conn
