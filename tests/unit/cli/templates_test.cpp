#include <gtest/gtest.h>

#include "cli/templates_command.hpp"

namespace pgmi::cli {
namespace {

TEST(Templates, OnlyEmbeddedTemplatesAreOffered) {
    EXPECT_EQ(template_names(), (std::vector<std::string>{"basic", "advanced"}));
    ASSERT_NE(find_template("basic"), nullptr);
    EXPECT_EQ(find_template("basic")->summary, "Linear migrations, minimal structure");
    ASSERT_NE(find_template("advanced"), nullptr);
    EXPECT_EQ(find_template("advanced")->summary,
              "Reference app: SQL-native REST/RPC/MCP, multi-tenant RLS, audit");
    EXPECT_FALSE(find_template("advanced")->features.empty());
    EXPECT_EQ(find_template("Basic"), nullptr);
    EXPECT_EQ(find_template(""), nullptr);
}

TEST(Templates, BasicFiles) {
    std::vector<std::string> paths;
    for (const auto& f : template_files("basic"))
        paths.push_back(f.path);
    EXPECT_EQ(paths,
              (std::vector<std::string>{
                  ".gitignore", "README.md", "__test__/_setup.sql", "__test__/test_project.sql",
                  "__test__/test_user_crud.sql", "deploy.sql", "migrations/001_users.sql",
                  "migrations/002_user_crud.sql", "pgmi.yaml", "project.json"}));
    EXPECT_TRUE(template_files("nope").empty());
    EXPECT_TRUE(template_files("").empty());
}

TEST(Templates, BasicDeploySqlHasTheGateBeforeCommit) {
    std::string deploy;
    for (const auto& f : template_files("basic")) {
        if (f.path == "deploy.sql")
            deploy = std::string(f.content);
    }
    const auto gate = deploy.find("\nCALL pgmi_test();\n");
    const auto commit = deploy.find("\nCOMMIT;\n");
    ASSERT_NE(gate, std::string::npos);
    ASSERT_NE(commit, std::string::npos);
    EXPECT_LT(gate, commit);
    EXPECT_LT(deploy.find("\nBEGIN;"), gate);
    EXPECT_NE(deploy.find("current_setting('pgmi.env', true)"), std::string::npos);
}

TEST(Templates, AdvancedFilesCarryMetadataAndTheGateBeforeCommit) {
    std::string deploy;
    std::size_t sql = 0;
    for (const auto& f : template_files("advanced")) {
        if (f.path == "deploy.sql") {
            deploy = std::string(f.content);
            continue;
        }
        if (f.path.size() < 4 || f.path.substr(f.path.size() - 4) != ".sql" ||
            f.path.find("__test__/") != std::string::npos)
            continue;
        ++sql;
        EXPECT_NE(f.content.find("<pgmi-meta id=\""), std::string_view::npos) << f.path;
    }
    EXPECT_GE(sql, 15u);
    const auto lock = deploy.find("pg_advisory_xact_lock");
    const auto gate = deploy.find("\nCALL pgmi_test();\n");
    const auto commit = deploy.find("\nCOMMIT;\n");
    ASSERT_NE(lock, std::string::npos);
    ASSERT_NE(gate, std::string::npos);
    ASSERT_NE(commit, std::string::npos);
    EXPECT_LT(deploy.find("\nBEGIN;"), lock);
    EXPECT_LT(lock, gate);
    EXPECT_LT(gate, commit);
}

TEST(Templates, UnknownMessage) {
    EXPECT_EQ(
        unknown_template_message("fancy"),
        "unknown template \"fancy\" (available: [advanced basic])\nrun `pgmi templates list` for "
        "descriptions");
}

}  // namespace
}  // namespace pgmi::cli
