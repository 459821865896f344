#include <gtest/gtest.h>

#include "cli/templates_command.hpp"

namespace pgmi::cli {
namespace {

TEST(Templates, OnlyEmbeddedTemplatesAreOffered) {
    EXPECT_EQ(template_names(), std::vector<std::string>{"basic"});
    ASSERT_NE(find_template("basic"), nullptr);
    EXPECT_EQ(find_template("basic")->summary, "Linear migrations, minimal structure");
    EXPECT_EQ(find_template("advanced"), nullptr) << "not embedded yet";
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

TEST(Templates, UnknownMessage) {
    EXPECT_EQ(unknown_template_message("fancy"),
              "unknown template \"fancy\" (available: [basic])\nrun `pgmi templates list` for "
              "descriptions");
}

}  // namespace
}  // namespace pgmi::cli
