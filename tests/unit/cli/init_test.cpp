// init's building blocks: emptiness, project names, placeholders, pgmi.yaml connection merge.
#include <gtest/gtest.h>

#include "cli/init_command.hpp"
#include "cli/templates_command.hpp"
#include "config/project_config.hpp"
#include "support/support.hpp"

namespace pgmi::cli {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

TEST(BlockingEntries, OnlyPgmiYamlAndDotEnvAreAllowed) {
    test::TempDir dir;
    EXPECT_EQ(*blocking_entries(dir.path()), V{});
    EXPECT_EQ(*blocking_entries(dir.path() / "missing"), V{});
    dir.write("pgmi.yaml", "params: {}\n");
    dir.write(".env", "A=1\n");
    EXPECT_EQ(*blocking_entries(dir.path()), V{});
    dir.write("b.sql", "");
    dir.write(".git/HEAD", "");
    dir.write("a/x", "");
    EXPECT_EQ(*blocking_entries(dir.path()), (V{".git", "a", "b.sql"}));
}

TEST(BlockingEntries, UnreadableDirectoryIsAnError) {
    test::TempDir dir;
    const fs::path file = dir.write("file", "x");
    auto r = blocking_entries(file);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot read directory"), std::string::npos);
}

TEST(ProjectName, LastElementOrTheDirectoryItNames) {
    EXPECT_EQ(project_name_for("demo", "/home/u"), "demo");
    EXPECT_EQ(project_name_for("./a/b/shop/", "/home/u"), "shop");
    EXPECT_EQ(project_name_for("/srv/app", "/home/u"), "app");
    EXPECT_EQ(project_name_for(".", "/home/u/work"), "work");
    EXPECT_EQ(project_name_for("", "/home/u/work"), "work");
    EXPECT_EQ(project_name_for("..", "/home/u/work"), "u");
    EXPECT_EQ(project_name_for("x/..", "/home/u/work"), "work");
    EXPECT_EQ(project_name_for(".", "/"), "project");
    EXPECT_EQ(project_name_for("/", "/home"), "project");
}

TEST(Placeholders, SubstitutedPerFormat) {
    const std::map<std::string, std::string> vars = {{"PROJECT_NAME", "my \"app\"\n\\x"}};
    EXPECT_EQ(substitute_placeholders("{\"a\": \"{{PROJECT_NAME}}\"}", "project.json", vars),
              "{\"a\": \"my \\\"app\\\"\\n\\\\x\"}");
    EXPECT_EQ(substitute_placeholders("# {{PROJECT_NAME}}\n", "README.md", vars),
              "# my \"app\"?\\x\n");
    EXPECT_EQ(substitute_placeholders("{{OTHER}} {{PROJECT_NAME", "a.sql", vars),
              "{{OTHER}} {{PROJECT_NAME");
    EXPECT_EQ(substitute_placeholders("{{{{PROJECT_NAME}}}}", "a.sql", {{"PROJECT_NAME", "n"}}),
              "{{n}}");
    EXPECT_EQ(substitute_placeholders("", "a.sql", vars), "");
    EXPECT_EQ(substitute_placeholders("}}{{", "a.sql", vars), "}}{{");
}

TEST(Placeholders, JsonEscapeControlCharacters) {
    EXPECT_EQ(json_escape(std::string("a\x01\x7f\tb", 5)), "a\\u0001\\u007f\\tb");
    EXPECT_EQ(json_escape("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(ShellQuote, PlainPathsStayPlain) {
    EXPECT_EQ(shell_quote("./demo"), "./demo");
    EXPECT_EQ(shell_quote("/srv/app-1.2"), "/srv/app-1.2");
    EXPECT_EQ(shell_quote("my app"), "'my app'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("~x"), "'~x'");
    EXPECT_EQ(shell_quote("$(rm)"), "'$(rm)'");
}

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

TEST(ConnectionYaml, MergeIntoTheTemplateKeepsEverythingElse) {
    const auto file = [] {
        for (const auto& f : template_files("basic")) {
            if (f.path == "pgmi.yaml")
                return std::string(f.content);
        }
        return std::string();
    }();
    ASSERT_FALSE(file.empty());
    ConnectionSettings c{.host = "db.internal",
                         .port = 5433,
                         .database = "orders",
                         .username = "deployer",
                         .sslmode = "verify-full"};
    auto merged = merge_connection(file, c);
    ASSERT_TRUE(merged) << merged.error().message;
    auto parsed = config::parse_project_config(*merged, "pgmi.yaml");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->connection.host, "db.internal");
    EXPECT_EQ(parsed->connection.port, 5433);
    EXPECT_EQ(parsed->connection.database, "orders");
    EXPECT_EQ(parsed->connection.username, "deployer");
    EXPECT_EQ(parsed->connection.sslmode, "verify-full");
    ASSERT_EQ(parsed->params.size(), 1u);
    EXPECT_EQ(parsed->params[0].first, "env");
    EXPECT_EQ(parsed->timeout, "3m");
    // Comments outside the block, and commented examples of keys not set, survive.
    EXPECT_NE(merged->find("# Never put a secret in this file"), std::string::npos);
    EXPECT_NE(merged->find("  # maintenance_database: postgres"), std::string::npos);
    EXPECT_EQ(merged->find("# username: postgres"), std::string::npos);
    EXPECT_EQ(merged->find("localhost"), std::string::npos);
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

}  // namespace
}  // namespace pgmi::cli
