// The root command: help rendering and "did you mean" suggestions.
#include "cli/app.hpp"

#include <gtest/gtest.h>

#include "cli/init_command.hpp"
#include "cli/templates_command.hpp"

namespace pgmi::cli {
namespace {

TEST(EditDistance, Basics) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("deploy", "deploy"), 0u);
    EXPECT_EQ(edit_distance("deplyo", "deploy"), 2u);
    EXPECT_EQ(edit_distance("Deploy", "deploy"), 0u);  // case-insensitive
    EXPECT_EQ(edit_distance("int", "init"), 1u);
    EXPECT_EQ(edit_distance("frob", "info"), 4u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Suggestions, CloseNamesAndPrefixes) {
    const std::vector<std::string> names = {"completion", "deploy",    "help",
                                            "init",       "templates", "version"};
    EXPECT_EQ(suggestions("deplyo", names), std::vector<std::string>{"deploy"});
    EXPECT_EQ(suggestions("de", names), std::vector<std::string>{"deploy"});
    EXPECT_EQ(suggestions("templtes", names), std::vector<std::string>{"templates"});
    EXPECT_EQ(suggestions("Init", names), std::vector<std::string>{"init"});
    EXPECT_TRUE(suggestions("frob", names).empty());
    EXPECT_TRUE(suggestions("", names).empty());
    // Closest first: "hel" is a prefix of help (and 1 away); "ver" a prefix of version.
    EXPECT_EQ(suggestions("hel", names), std::vector<std::string>{"help"});
}

TEST(WrapText, ParagraphsWrapExamplesStay) {
    EXPECT_EQ(wrap_text("aaa bbb ccc", 7), "aaa bbb\nccc");
    EXPECT_EQ(wrap_text("aaa bbb\n\n  keep   this line as is", 7),
              "aaa bbb\n\n  keep   this line as is");
    EXPECT_EQ(wrap_text("averyveryverylongword x", 5), "averyveryverylongword\nx");
    EXPECT_EQ(wrap_text("", 10), "");
    EXPECT_EQ(wrap_text("end\n", 10), "end\n");
}

TEST(RenderHelp, LeafCommandLayout) {
    CLI::App root("root", "pgmi");
    int result = 0;
    const Reporter reporter(false);
    add_init_command(root, result, reporter);
    CLI::App* init = root.get_subcommand("init");
    init->set_help_flag("--help", "Show help for init");
    const std::string help = render_help(*init);
    EXPECT_EQ(help.rfind("Create a new project from a template\n\n", 0), 0u) << help;
    EXPECT_NE(help.find("\nUsage:\n  pgmi init [target_path] [flags]\n"), std::string::npos)
        << help;
    EXPECT_NE(help.find("\nExamples:\n  pgmi init myproject"), std::string::npos) << help;
    EXPECT_NE(help.find("\nFlags:\n  -t, --template string   Template to copy"), std::string::npos)
        << help;
    EXPECT_NE(help.find("  -v, --verbose           Show every directory"), std::string::npos)
        << help;
    EXPECT_NE(help.find("      --help              Show help for init\n"), std::string::npos)
        << help;
    EXPECT_EQ(help.find("Available Commands"), std::string::npos);
}

TEST(RenderHelp, GroupCommandListsSubcommandsAlphabetically) {
    CLI::App root("root", "pgmi");
    int result = 0;
    const Reporter reporter(false);
    add_templates_command(root, result, reporter);
    const std::string help = render_help(*root.get_subcommand("templates"));
    EXPECT_NE(help.find("Usage:\n  pgmi templates [command]\n"), std::string::npos) << help;
    const auto describe = help.find("\n  describe ");
    const auto list = help.find("\n  list ");
    ASSERT_NE(describe, std::string::npos) << help;
    ASSERT_NE(list, std::string::npos) << help;
    EXPECT_LT(describe, list);
    EXPECT_NE(help.find("Use \"pgmi templates [command] --help\" for more information about a "
                        "command.\n"),
              std::string::npos)
        << help;
}

TEST(RenderHelp, WithoutDescription) {
    CLI::App root("Root description", "pgmi");
    const std::string help = render_help(root, false);
    EXPECT_EQ(help.rfind("Usage:\n", 0), 0u) << help;
    EXPECT_EQ(help.find("Root description"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::cli
