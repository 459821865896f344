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
    EXPECT_EQ(json_escape(std::string("a\x01\x7f\tb", 5)), "a\\u0001\x7f\\tb");
    EXPECT_EQ(json_escape("q\"\\"), "q\\\"\\\\");
    EXPECT_EQ(json_escape("bad \xff utf-8"), "bad \xEF\xBF\xBD utf-8") << "replaced, not thrown";
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

}  // namespace
}  // namespace pgmi::cli
