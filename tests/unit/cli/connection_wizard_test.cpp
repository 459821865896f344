// The connection wizard's pure parts: what each provider's answers write to pgmi.yaml, which
// deploy flags they stand for, how a connection string's password is drawn, and saving.
#include "cli/connection_wizard.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "config/project_config.hpp"
#include "support/support.hpp"

namespace pgmi::cli {
namespace {

using V = std::vector<std::string>;

TEST(ConnectionWizard, LocalAndPasswordFormsKeepTheMaintenanceDatabase) {
    ConnectionAnswers a{.host = "localhost",
                        .port = 6543,
                        .database = "app",
                        .maintenance_database = "admin",
                        .username = "postgres",
                        .password = "secret"};
    auto s = settings_for(a);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(config::connection_block(*s),
              "connection:\n  host: localhost\n  port: 6543\n  database: app\n"
              "  maintenance_database: admin\n  username: postgres\n  sslmode: prefer\n");
    a.provider = Provider::Aws;  // password authentication at a cloud provider: TLS required
    EXPECT_EQ(settings_for(a)->sslmode, "require");
    EXPECT_EQ(settings_for(a)->auth_method, "");
    const conn::ConnectionFlags f = flags_for(a);
    EXPECT_EQ(f.host, "localhost");
    EXPECT_EQ(f.port, 6543);
    EXPECT_EQ(f.database, "app");
    EXPECT_FALSE(f.cloud.aws);
}

TEST(ConnectionWizard, CloudIdentitiesWriteTheirMethod) {
    ConnectionAnswers azure{.provider = Provider::Azure,
                            .cloud_identity = true,
                            .host = "srv.postgres.database.azure.com",
                            .port = 1234,
                            .database = "app",
                            .username = "me@corp.com"};
    auto s = settings_for(azure);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->auth_method, "azure");
    EXPECT_EQ(s->sslmode, "require");
    EXPECT_EQ(s->port, 5432) << "Azure listens on 5432";
    EXPECT_TRUE(flags_for(azure).cloud.azure);

    ConnectionAnswers aws{.provider = Provider::Aws,
                          .cloud_identity = true,
                          .host = "db.x.rds.amazonaws.com",
                          .database = "app",
                          .username = "iam_user",
                          .aws_region = "eu-west-1"};
    s = settings_for(aws);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->auth_method, "aws");
    EXPECT_EQ(s->aws_region, "eu-west-1");
    EXPECT_EQ(flags_for(aws).cloud.aws_region, "eu-west-1");

    ConnectionAnswers google{.provider = Provider::Google,
                             .cloud_identity = true,
                             .database = "app",
                             .google_instance = "proj:us-central1:db"};
    s = settings_for(google);
    ASSERT_TRUE(s);
    EXPECT_EQ(config::connection_block(*s),
              "connection:\n  database: app\n  auth_method: google\n"
              "  google_instance: \"proj:us-central1:db\"\n");
    const conn::ConnectionFlags f = flags_for(google);
    EXPECT_TRUE(f.cloud.google);
    EXPECT_EQ(f.cloud.google_instance, "proj:us-central1:db");
    EXPECT_FALSE(f.host) << "Cloud SQL is dialled by instance name";
}

TEST(ConnectionWizard, AConnectionStringIsParsedAndItsSecretsStayOut) {
    ConnectionAnswers other{
        .provider = Provider::Other,
        .connection_string =
            "postgresql://deployer:p%40ss@db.internal:6432/shop?sslmode=require&"
            "application_name=x&options=-cstatement_timeout%3D0"};
    std::vector<std::string> unsaved;
    auto s = settings_for(other, &unsaved);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(config::connection_block(*s),
              "connection:\n  host: db.internal\n  port: 6432\n  database: shop\n"
              "  maintenance_database: postgres\n  username: deployer\n  sslmode: require\n");
    EXPECT_EQ(unsaved, (V{"application_name", "options"}));
    EXPECT_EQ(flags_for(other).connection, other.connection_string)
        << "a deploy gets the whole string, in memory";

    other.connection_string = "Host=a;Database=d;Username=u;Password=pw";
    s = settings_for(other);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->host, "a");
    EXPECT_EQ(s->port, 5432);

    other.connection_string = "postgresql://u:hunter2@h1,h2/d";
    s = settings_for(other);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("one host"), std::string::npos);
    other.connection_string = "postgresql://u:hunter2@h:99999/d";
    s = settings_for(other);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message.rfind("invalid connection string", 0), 0u) << s.error().message;
    EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos);
}

TEST(ConnectionWizard, PasswordsInConnectionStringsAreDrawnAsStars) {
    EXPECT_EQ(mask_connection_password("postgresql://me:s3cr@t@host:5432/db?password=x&a=b"),
              "postgresql://me:******@host:5432/db?password=*&a=b");
    EXPECT_EQ(mask_connection_password("Host=h;Password = p;w;PWD=\xc3\xa9t\xc3\xa9;Port=1"),
              "Host=h;Password = *;w;PWD=***;Port=1")
        << "one star per character, so the cursor stays in place";
    EXPECT_EQ(mask_connection_password("postgresql://me@host/db"), "postgresql://me@host/db");
    EXPECT_EQ(mask_connection_password("postgresql://me:pw"), "postgresql://me:**")
        << "while the authority is being typed, whatever follows ':' may be a password";
    EXPECT_EQ(mask_connection_password("postgresql://host:5432/db"), "postgresql://host:5432/db");
}

TEST(ConnectionWizard, SaveMergesAndKeepsTheFileMode) {
    test::TempDir dir;
    const std::string rest = "# my comment\nparams:\n  z: last\n  a: first\ntimeout: 2m\n";
    const auto yaml = dir.write("pgmi.yaml", "connection:\n  host: old\n\n" + rest);
    ::chmod(yaml.c_str(), 0640);
    ConnectionAnswers a{.host = "db", .database = "app", .username = "u"};
    ASSERT_TRUE(save_connection(dir.path(), *settings_for(a)));
    EXPECT_EQ(test::read_whole_file(yaml),
              "connection:\n  host: db\n  port: 5432\n  database: app\n  username: u\n"
              "  sslmode: prefer\n\n" +
                  rest);
    struct stat st {};
    ASSERT_EQ(::stat(yaml.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);

    test::TempDir fresh;
    ASSERT_TRUE(save_connection(fresh.path(), *settings_for(a)));
    ASSERT_EQ(::stat((fresh.path() / "pgmi.yaml").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    test::TempDir broken;
    const auto bad = broken.write("pgmi.yaml", "connection: [unclosed\n");
    auto s = save_connection(broken.path(), *settings_for(a));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::Config);
    EXPECT_EQ(test::read_whole_file(bad), "connection: [unclosed\n") << "left alone";
}

}  // namespace
}  // namespace pgmi::cli
