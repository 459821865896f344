// The connection: block of pgmi.yaml (config/connection_yaml): writing and merging it.
#include "config/connection_yaml.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config/project_config.hpp"

namespace pgmi::config {
namespace {

TEST(ConnectionYaml, Block) {
    ConnectionSettings c{.host = "db.example.com",
                         .port = 6432,
                         .database = "shop",
                         .username = "",
                         .sslmode = "require"};
    EXPECT_EQ(connection_block(c),
              "connection:\n  host: db.example.com\n  port: 6432\n  database: shop\n"
              "  sslmode: require\n");
    c.username = "app user";
    c.database = "yes";
    c.host = "10.0.0.1";
    EXPECT_EQ(connection_block(c),
              "connection:\n  host: \"10.0.0.1\"\n  port: 6432\n  database: \"yes\"\n"
              "  username: \"app user\"\n  sslmode: require\n");
}

TEST(ConnectionYaml, MergeAddsABlockWhereThereWasNone) {
    ConnectionSettings c{.database = "d"};
    auto merged = merge_connection("# mine\nparams:\n  a: b\n", c);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(*merged,
              "# mine\n\nconnection:\n  host: localhost\n  port: 5432\n  database: d\n"
              "  sslmode: prefer\n\nparams:\n  a: b\n");
    auto empty = merge_connection("", c);
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty,
              "connection:\n  host: localhost\n  port: 5432\n  database: d\n"
              "  sslmode: prefer\n");
}

TEST(ConnectionYaml, MergeReplacesFlowStyleAndStopsAtTheNextKey) {
    ConnectionSettings c{.database = "d"};
    auto merged = merge_connection("connection: {host: x, port: 1}\ntimeout: 1m\n", c);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(*merged,
              "connection:\n  host: localhost\n  port: 5432\n  database: d\n"
              "  sslmode: prefer\ntimeout: 1m\n");
}

TEST(ConnectionYaml, MalformedFilesAreRefused) {
    ConnectionSettings c{.database = "d"};
    for (const std::string bad : {"params: [unclosed\n", "unknown_key: 1\n", "params:\n\t- x\n",
                                  "connection:\n  host: a\npassword: x\n"}) {
        auto merged = merge_connection(bad, c);
        EXPECT_FALSE(merged) << bad;
        if (!merged) {
            EXPECT_EQ(merged.error().kind, ErrorKind::Config) << bad;
        }
    }
}

TEST(ConnectionYaml, OddValuesRoundTrip) {
    ConnectionSettings c{.host = "h#1: \"x\"", .port = 1, .database = "d\\b", .username = "null"};
    auto merged = merge_connection("", c);
    ASSERT_TRUE(merged) << merged.error().message;
    auto parsed = config::parse_project_config(*merged, "pgmi.yaml");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->connection.host, "h#1: \"x\"");
    EXPECT_EQ(parsed->connection.database, "d\\b");
    EXPECT_EQ(parsed->connection.username, "null");
}

TEST(ConnectionYaml, HostileFilesAreHandledInLinearTime) {
    // A project file is hostile: a line of almost a megabyte (pgmi.yaml's cap is 1 MiB) or a deep
    // run of commented keys must neither crash (a backtracking regex once would) nor be mistaken
    // for the block.
    ConnectionSettings c{.database = "d"};
    const std::string long_line = "# " + std::string((1 << 20) - 1024, 'x') + "\n";
    auto merged = merge_connection(long_line, c);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(merged->substr(0, long_line.size()), long_line);
    std::string examples = "connection:\n";
    for (int i = 0; i < 20000; ++i)
        examples += "  # maintenance_database: x\n";
    auto kept = merge_connection(examples, c);
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_NE(kept->find("  # maintenance_database: x\n"), std::string::npos);
    EXPECT_EQ(
        merge_connection("connection: " + std::string((1 << 20) - 1024, 'a') + "\n", c).has_value(),
        true);
}

TEST(ConnectionYaml, ScalarsAreQuotedExactlyWhenPlainWouldChangeThem) {
    for (const char* plain : {"db.example.com", "shop_1", "a/b-c", "_x"})
        EXPECT_EQ(yaml_scalar(plain), plain);
    for (const char* word : {"yes", "No", "TRUE", "off", "null", "y", "1", "1.5", "-1", "+1e", ""})
        EXPECT_EQ(yaml_scalar(word), std::string("\"") + word + "\"") << word;
    EXPECT_EQ(yaml_scalar("a b"), "\"a b\"");
    EXPECT_EQ(yaml_scalar("q\"\\\x01"), "\"q\\\"\\\\\\x01\"");
}

TEST(ConnectionYaml, CloudKeysAndUnsetFieldsAreWrittenOnlyWhenSet) {
    ConnectionSettings google{.host = "",
                              .port = 0,
                              .database = "app",
                              .username = "sa@p.iam",
                              .sslmode = "",
                              .auth_method = "google",
                              .google_instance = "p:r:i"};
    EXPECT_EQ(connection_block(google),
              "connection:\n  database: app\n  username: \"sa@p.iam\"\n  auth_method: google\n"
              "  google_instance: \"p:r:i\"\n");
    ConnectionSettings aws{.host = "db.rds.amazonaws.com",
                           .database = "app",
                           .maintenance_database = "admin",
                           .sslmode = "require",
                           .sslrootcert = "/etc/rds.pem",
                           .auth_method = "aws",
                           .aws_region = "eu-west-1"};
    EXPECT_EQ(connection_block(aws),
              "connection:\n  host: db.rds.amazonaws.com\n  port: 5432\n  database: app\n"
              "  maintenance_database: admin\n  sslmode: require\n  sslrootcert: \"/etc/rds.pem\"\n"
              "  auth_method: aws\n  aws_region: eu-west-1\n");
    for (const ConnectionSettings& c : {google, aws,
                                        ConnectionSettings{.host = "x.postgres.database.azure.com",
                                        .database = "d",
                                        .sslmode = "require",
                                        .auth_method = "azure",
                                        .azure_tenant_id = "t",
                                        .azure_client_id = "c"}}) {
        auto merged = merge_connection("# top\nparams:\n  env: dev\ntimeout: 5m\n", c);
        ASSERT_TRUE(merged) << merged.error().message;
        auto parsed = parse_project_config(*merged, "pgmi.yaml");
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->connection.auth_method, c.auth_method);
        EXPECT_EQ(parsed->timeout, "5m");
        EXPECT_EQ(merged->substr(0, 7), "# top\n\n");
    }
}

TEST(ConnectionYaml, MergeKeepsEverythingOutsideTheBlockByteForByte) {
    const std::string before = "# header: keep me\n\ntimeout: 90s   # trailing comment\n";
    const std::string after = "\nparams:\n  b: \"2\"\n  a: '1'\n# footer\n";
    const std::string file = before +
                             "connection:\n  host: old\n  # sslrootcert: /ca.pem\n"
                             "  # password: never\n  port: 1\n" +
                             after;
    auto merged = merge_connection(file, ConnectionSettings{.database = "d"});
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(*merged, before +
                           "connection:\n  host: localhost\n  port: 5432\n  database: d\n"
                           "  sslmode: prefer\n  # sslrootcert: /ca.pem\n  # password: never\n" +
                           after);
}

}  // namespace
}  // namespace pgmi::config
