// The completion engine over the real command tree, and the scripts' shape.
#include <gtest/gtest.h>

#include "cli/ai_command.hpp"
#include "cli/completion_command.hpp"
#include "cli/config_command.hpp"
#include "cli/deploy_command.hpp"
#include "cli/init_command.hpp"
#include "cli/templates_command.hpp"
#include "cli/version_command.hpp"

namespace pgmi::cli {
namespace {

class Completion : public ::testing::Test {
  protected:
    Completion() : root_("pgmi", "pgmi") {
        root_.set_help_flag("--help", "Show help for pgmi");
        add_completion_command(root_, result_, reporter_);
        add_config_command(root_, result_, reporter_);
        add_deploy_command(root_, result_, reporter_);
        add_init_command(root_, result_, reporter_);
        add_templates_command(root_, result_, reporter_);
        add_version_command(root_, result_);
        root_.add_subcommand("help", "Help about any command");
    }

    std::vector<std::string> values(const std::vector<std::string>& words) {
        std::vector<std::string> out;
        for (const auto& item : complete(root_, words).items)
            out.push_back(item.first);
        return out;
    }
    int directive_of(const std::vector<std::string>& words) {
        return complete(root_, words).directive;
    }

    CLI::App root_;
    int result_ = 0;
    const Reporter reporter_{false};
};

using V = std::vector<std::string>;

TEST_F(Completion, Commands) {
    EXPECT_EQ(values({"de"}), V{"deploy"});
    EXPECT_EQ(values({""}),
              (V{"completion", "config", "deploy", "help", "init", "templates", "version"}));
    EXPECT_EQ(directive_of({""}), directive::kNoFiles);
    EXPECT_TRUE(values({"zz"}).empty());
    EXPECT_EQ(values({"templates", ""}), (V{"describe", "list"}));
    EXPECT_EQ(values({"help", "te"}), V{"templates"});
    EXPECT_EQ(values({"help", "templates", "d"}), V{"describe"});
}

TEST_F(Completion, FlagsOfTheCurrentCommand) {
    EXPECT_EQ(values({"init", "--t"}), V{"--template"});
    EXPECT_EQ(values({"init", "-"}), (V{"--help", "--template", "-t", "--verbose", "-v"}))
        << "positional options have no flag names";
    EXPECT_EQ(values({"init", "--"}), (V{"--help", "--template", "--verbose"}));
    EXPECT_EQ(values({"deploy", "--ssl"}),
              (V{"--sslmode", "--sslcert", "--sslkey", "--sslrootcert"}));
    EXPECT_EQ(directive_of({"deploy", "--ssl"}), directive::kNoFiles);
    EXPECT_EQ(values({"deploy", "--az"}), (V{"--azure", "--azure-tenant-id", "--azure-client-id"}));
    EXPECT_EQ(values({"deploy", "--aw"}), (V{"--aws", "--aws-region"}));
    EXPECT_EQ(values({"deploy", "--goo"}),
              (V{"--google", "--google-instance", "--google-ip-type"}));
}

TEST_F(Completion, TemplateNamesAndSslModes) {
    EXPECT_EQ(values({"init", "--template", ""}), (V{"basic", "advanced"}));
    EXPECT_EQ(values({"init", "-t", "b"}), V{"basic"});
    EXPECT_EQ(values({"init", "--template=b"}), V{"--template=basic"});
    EXPECT_TRUE(values({"init", "--template", "x"}).empty());
    EXPECT_EQ(values({"templates", "describe", ""}), (V{"basic", "advanced"}));
    EXPECT_EQ(values({"deploy", ".", "--sslmode", "verify"}), (V{"verify-ca", "verify-full"}));
    EXPECT_EQ(values({"deploy", "--sslmode", ""}),
              (V{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}));
    EXPECT_EQ(values({"completion", ""}), (V{"bash", "zsh", "fish", "powershell"}));
}

TEST_F(Completion, DirectoriesAndSurplusPositionals) {
    EXPECT_EQ(directive_of({"init", ""}), directive::kDirsOnly);
    EXPECT_EQ(directive_of({"deploy", "./pro"}), directive::kDirsOnly);
    EXPECT_EQ(directive_of({"deploy", "-d", "db", ""}), directive::kDirsOnly)
        << "-d consumes its value";
    EXPECT_EQ(directive_of({"deploy", ".", ""}), directive::kNoFiles);
    EXPECT_TRUE(values({"deploy", ".", ""}).empty());
    EXPECT_EQ(directive_of({"deploy", "--params-file", ""}), directive::kDefault);
    EXPECT_EQ(directive_of({"deploy", "--param", ""}), directive::kNoFiles);
}

TEST_F(Completion, Output) {
    EXPECT_EQ(complete_output(root_, {"de"}, true),
              "deploy\tDeploy a project: load its files into a session and run its deploy.sql\n"
              ":4\n");
    EXPECT_EQ(complete_output(root_, {"de"}, false), "deploy\n:4\n");
    EXPECT_EQ(complete_output(root_, {}, false).substr(0, 11), "completion\n");
}

TEST(CompletionScript, EveryShellCallsCompleteAndRegisters) {
    for (const char* shell : {"bash", "zsh", "fish", "powershell"}) {
        const std::string s = completion_script(shell);
        EXPECT_NE(s.find("__complete"), std::string::npos) << shell;
    }
    EXPECT_NE(completion_script("bash").find("complete -F _pgmi_completion pgmi"),
              std::string::npos);
    EXPECT_NE(completion_script("zsh").find("compdef _pgmi pgmi"), std::string::npos);
    EXPECT_NE(completion_script("fish").find("complete -c pgmi"), std::string::npos);
    EXPECT_NE(completion_script("powershell").find("Register-ArgumentCompleter"),
              std::string::npos);
    EXPECT_EQ(completion_script("tcsh"), "");
    EXPECT_EQ(completion_script(""), "");
}

TEST(AiCompletion, SkillNamesAndAssistants) {
    CLI::App root("pgmi", "pgmi");
    int result = 0;
    const Reporter reporter(false);
    add_ai_command(root, result, reporter);
    auto values = [&](const std::vector<std::string>& words) {
        std::vector<std::string> out;
        for (const auto& item : complete(root, words).items)
            out.push_back(item.first);
        return out;
    };
    EXPECT_EQ(values({"ai", ""}), (V{"check", "client", "contract", "setup", "skill", "skills"}));
    EXPECT_EQ(values({"ai", "client", "t"}), (V{"typescript"}));
    EXPECT_EQ(values({"ai", "skill", "pgmi-s"}),
              (V{"pgmi-security-review", "pgmi-session-api", "pgmi-sql"}));
    EXPECT_EQ(values({"ai", "setup", "--assistant", "co"}),
              (V{"codex", "codex-skills", "copilot"}));
    EXPECT_EQ(values({"ai", "check", "--assistant=cl"}),
              (V{"--assistant=claude", "--assistant=cline"}));
}

TEST_F(Completion, ConfigCompletesAndTakesADirectory) {
    EXPECT_EQ(values({"con"}), V{"config"});
    EXPECT_EQ(directive_of({"config", ""}), directive::kDirsOnly);
    EXPECT_EQ(directive_of({"config", ".", ""}), directive::kNoFiles) << "one path at most";
}

}  // namespace
}  // namespace pgmi::cli
