// The everyday CLI through the real binary: version, help, unknown commands, usage errors,
// templates, completion (loaded and driven in a real bash), the root splash at a terminal.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>

#include <regex>

#include "pty_session.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

V lines(const std::string& s) {
    V out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto end = s.find('\n', start);
        if (end == std::string::npos)
            end = s.size();
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

TEST(Version, FieldsAndShortForm) {
    auto r = run_pgmi({"version"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const V l = lines(r.out);
    ASSERT_EQ(l.size(), 6u) << r.out;
    EXPECT_TRUE(std::regex_match(l[0], std::regex("pgmi [0-9]+\\.[0-9]+\\.[0-9]+ \\(compat 1\\)")))
        << l[0];
    EXPECT_TRUE(std::regex_match(
        l[1], std::regex("Commit: ([0-9a-f]{7,40}|unknown), Built: "
                         "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z, Platform: linux/[a-z0-9]+")))
        << l[1];
    EXPECT_TRUE(std::regex_match(l[2], std::regex("Compiler: (GCC|Clang) [0-9.]+"))) << l[2];
    const int pq = PQlibVersion();
    EXPECT_EQ(l[3], "libpq: " + std::to_string(pq / 10000) + "." + std::to_string(pq % 10000));
    EXPECT_EQ(l[4], std::string("OpenSSL: ") + OpenSSL_version(OPENSSL_VERSION));
    EXPECT_EQ(l[5], "Repository: https://github.com/vvka-141/pgmi");

    auto short_form = run_pgmi({"--version"});
    EXPECT_EQ(short_form.exit_code, 0);
    EXPECT_EQ(short_form.out, l[0] + "\n" + l[1] + "\n");

    // Unlike the reference, extra words are an error (issue 16).
    auto extra = run_pgmi({"version", "extra", "words"});
    EXPECT_EQ(extra.exit_code, 2);
    EXPECT_EQ(extra.out, "");
    EXPECT_EQ(extra.err,
              "pgmi: error: usage error: unknown command \"extra\" for \"pgmi version\"\n");
    EXPECT_EQ(run_pgmi({"version", "--frob"}).exit_code, 2);
}

TEST(UnknownCommand, DidYouMean) {
    auto r = run_pgmi({"frob"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "pgmi: error: usage error: unknown command \"frob\" for \"pgmi\"\n");

    r = run_pgmi({"deplyo", "./x"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "pgmi: error: usage error: unknown command \"deplyo\" for \"pgmi\"\n\n"
              "Did you mean this?\n\tdeploy\n");

    r = run_pgmi({"templtes"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.err, "Did you mean this?\n\ttemplates\n")) << r.err;

    r = run_pgmi({"--help", "frob"});
    EXPECT_EQ(r.exit_code, 2) << "an unknown command is an error even with --help";
}

TEST(UsageErrors, ExitTwo) {
    struct Case {
        V args;
        std::string err;
    };
    const std::vector<Case> cases = {
        {{"deploy", "--frob"}, "pgmi: error: usage error: unknown flag: --frob\n"},
        {{"init", "-x"}, "pgmi: error: usage error: unknown flag: -x\n"},
        {{"--frob"}, "pgmi: error: usage error: unknown flag: --frob\n"},
        {{"init", "a", "b"}, "pgmi: error: usage error: accepts at most 1 arg(s), received 2\n"},
        {{"templates", "describe", "a", "b"},
         "pgmi: error: usage error: accepts 1 arg(s), received 2\n"},
        {{"templates", "describe", "fancy"},
         "pgmi: error: usage error: unknown template \"fancy\" (available: [advanced basic])\n"
         "run `pgmi templates list` for descriptions\n"},
        {{"completion"}, "pgmi: error: usage error: accepts 1 arg(s), received 0\n"},
        {{"completion", "bash", "zsh"}, "pgmi: error: usage error: accepts 1 arg(s), received 2\n"},
        {{"deploy", ".", "-p", "abc"},
         "pgmi: error: usage error: invalid argument \"abc\" for \"--port\" flag\n"},
        {{"deploy", ".", "--timeout"},
         "pgmi: error: usage error: flag needs an argument: --timeout\n"},
        {{"init", "--template"}, "pgmi: error: usage error: flag needs an argument: --template\n"},
        {{"completion", "tcsh"},
         "pgmi: error: usage error: invalid argument \"tcsh\" for \"pgmi completion\"\n"},
    };
    for (const auto& c : cases) {
        auto r = run_pgmi(c.args, {.env = {{"PGMI_NON_INTERACTIVE", "1"}}});
        EXPECT_EQ(r.exit_code, 2) << c.args[0] << " " << r.err;
        EXPECT_EQ(r.err, c.err) << c.args[0];
        EXPECT_EQ(r.out, "");
    }
    auto missing = run_pgmi({"templates", "describe"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_TRUE(has(missing.err,
                    "pgmi: error: usage error: missing required argument: "
                    "<template_name>\n\nUsage: pgmi templates describe "
                    "<template_name>\n\nExample:\n  pgmi templates describe basic\n"))
        << missing.err;
    EXPECT_TRUE(has(missing.err, "pgmi templates list")) << missing.err;
}

TEST(Help, EveryCommandHasUsageAndExamples) {
    const std::vector<V> commands = {{},
                                     {"completion"},
                                     {"deploy"},
                                     {"help"},
                                     {"init"},
                                     {"templates"},
                                     {"templates", "list"},
                                     {"templates", "describe"},
                                     {"version"}};
    for (const auto& cmd : commands) {
        V args = cmd;
        args.push_back("--help");
        auto r = run_pgmi(args);
        const std::string name = cmd.empty() ? "pgmi" : cmd.back();
        EXPECT_EQ(r.exit_code, 0) << name;
        EXPECT_EQ(r.err, "") << name;
        EXPECT_TRUE(has(r.out, "Usage:\n  pgmi")) << name << "\n" << r.out;
        EXPECT_TRUE(has(r.out, "\nExamples:\n  ")) << name << "\n" << r.out;
        EXPECT_TRUE(has(r.out, "      --help ")) << name;
        // `pgmi help <cmd...>` prints the same.
        V via_help = {"help"};
        via_help.insert(via_help.end(), cmd.begin(), cmd.end());
        EXPECT_EQ(run_pgmi(via_help).out, r.out) << name;
    }
    auto root = run_pgmi({"--help"});
    const auto at = root.out.find("Available Commands:\n");
    ASSERT_NE(at, std::string::npos);
    V names;
    for (const auto& l : lines(root.out.substr(at + 20))) {
        if (l.empty())
            break;
        names.push_back(l.substr(2, l.find(' ', 2) - 2));
    }
    V sorted = names;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(names, sorted) << "alphabetical";
    for (const char* expected : {"completion", "deploy", "help", "init", "templates", "version"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    EXPECT_TRUE(has(root.out,
                    "Use \"pgmi [command] --help\" for more information about a "
                    "command.\n"));
    EXPECT_TRUE(has(run_pgmi({"deploy", "--help"}).out, "  -h, --host string")) << "-h is host";
    EXPECT_EQ(run_pgmi({"init", "-h"}).exit_code, 2) << "no -h for help";
}

TEST(Help, UnknownTopicAndBareGroups) {
    auto r = run_pgmi({"help", "frob"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("Unknown help topic [`frob`]\nUsage:\n  pgmi [command]\n", 0), 0u)
        << r.err;
    auto bare = run_pgmi({"templates"});
    EXPECT_EQ(bare.exit_code, 0);
    EXPECT_EQ(bare.out, run_pgmi({"templates", "--help"}).out);
    // Unlike the reference, an unknown word is an error (issue 16).
    auto unknown_word = run_pgmi({"templates", "frob"});
    EXPECT_EQ(unknown_word.exit_code, 2);
    EXPECT_EQ(unknown_word.out, "");
    EXPECT_EQ(unknown_word.err,
              "pgmi: error: usage error: unknown command \"frob\" for \"pgmi templates\"\n");
}

TEST(Root, WithoutArgumentsAndWithoutTerminalPrintsHelp) {
    auto r = run_pgmi({});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, run_pgmi({"--help"}).out);
}

TEST(Root, SplashAtATerminal) {
    {
        PtySession s({}, {.stderr_pipe = true});
        EXPECT_EQ(s.wait(), 0);
        EXPECT_EQ(s.output(), "") << "stdout stays clean";
        EXPECT_TRUE(has(s.err(), "PostgreSQL-native deployment driver.")) << s.err();
        EXPECT_TRUE(has(s.err(), "\u2588\u2588\u2588\u2588\u2588\u2588")) << s.err();
        EXPECT_TRUE(has(s.err(), "pgmi init demo")) << s.err();
        EXPECT_FALSE(has(s.err(), "\x1b[")) << "stderr is a pipe: no colour";
    }
    {
        PtySession s({}, {.env = {{"CLICOLOR_FORCE", "1"}}, .stderr_pipe = true});
        EXPECT_EQ(s.wait(), 0);
        EXPECT_TRUE(has(s.err(), "\x1b[1mPostgreSQL-native deployment driver.\x1b[0m")) << s.err();
    }
    {
        PtySession s({},
                     {.env = {{"CLICOLOR_FORCE", "1"}, {"NO_COLOR", "1"}}, .stderr_pipe = true});
        EXPECT_EQ(s.wait(), 0);
        EXPECT_FALSE(has(s.err(), "\x1b[")) << "NO_COLOR wins";
    }
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"PGMI_NO_BANNER", "1"}, {"CI", "1"}, {"PGMI_NON_INTERACTIVE", "1"}}) {
        PtySession s({}, {.env = {{key, value}}, .stderr_pipe = true});
        EXPECT_EQ(s.wait(), 0);
        EXPECT_EQ(s.err(), "") << key;
        EXPECT_TRUE(has(s.output(), "Available Commands:")) << key << ": help on stdout";
    }
}

TEST(Templates, ListAndDescribe) {
    auto r = run_pgmi({"templates", "list"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out,
              "basic        Linear migrations, minimal structure\n"
              "               for: Start here. Deploying SQL \u2014 small, explicit, any managed "
              "provider\n"
              "advanced     Reference app: SQL-native REST/RPC/MCP, multi-tenant RLS, audit\n"
              "               for: SQL-native application stack \u2014 scaffold, read, trim to "
              "fit\n");
    EXPECT_EQ(r.err, "\nScaffold one with: pgmi init <path> -t <template>\n");

    auto d = run_pgmi({"templates", "describe", "basic"});
    EXPECT_EQ(d.exit_code, 0);
    EXPECT_EQ(d.out.rfind("basic \u2014 Linear migrations, minimal structure\n\n", 0), 0u);
    EXPECT_TRUE(has(d.out, "\nStructure:\n  ./\n  \u251c\u2500\u2500 .gitignore\n")) << d.out;
    EXPECT_TRUE(has(d.out, "  \u2502   \u2514\u2500\u2500 002_user_crud.sql\n")) << d.out;
    EXPECT_TRUE(has(d.out, "\nFeatures:\n  - Ordered migrations/")) << d.out;
    EXPECT_TRUE(has(d.out, "\nFor: Start here.")) << d.out;
    EXPECT_EQ(d.err, "\nScaffold with: pgmi init <path> -t basic\n");
}

// Runs `script` in bash with the freshly built pgmi first on PATH.
RunResult bash(const std::string& script, const fs::path& cwd = fs::temp_directory_path()) {
    const std::string dir = fs::path(PGMI_BINARY).parent_path().string();
    const char* path = std::getenv("PATH");
    return run_program(
        {"/bin/bash", "--norc", "--noprofile", "-c", script},
        {.env = {{"PATH", dir + ":" + (path ? path : "/usr/bin:/bin")}}, .cwd = cwd});
}

// Completes the words of `line` (the last one possibly empty) with the loaded script.
std::string complete_in_bash(const V& words, const fs::path& cwd = fs::temp_directory_path()) {
    std::string array;
    for (const auto& w : words)
        array += " '" + w + "'";
    const std::string script =
        "source <(pgmi completion bash) || exit 9\n"
        "COMP_WORDS=(" +
        array +
        ")\n"
        "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
        "COMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n"
        "_pgmi_completion\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    auto r = bash(script, cwd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

TEST(Completion, BashLoadsAndCompletes) {
    auto load = bash("source <(pgmi completion bash) && complete -p pgmi");
    ASSERT_EQ(load.exit_code, 0) << load.err;
    EXPECT_EQ(load.err, "");
    EXPECT_EQ(load.out, "complete -F _pgmi_completion pgmi\n");

    EXPECT_EQ(complete_in_bash({"pgmi", "de"}), "deploy\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "te"}), "templates\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "templates", ""}), "describe\nlist\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "templates", "describe", ""}), "basic\nadvanced\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "init", "--template", ""}), "basic\nadvanced\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "init", "-t", "b"}), "basic\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "init", "--template", "=", "b"}), "basic\n")
        << "bash splits --template=b at '='";
    EXPECT_EQ(complete_in_bash({"pgmi", "deploy", ".", "--sslmode", "verify"}),
              "verify-ca\nverify-full\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "deploy", "--ssl"}),
              "--sslmode\n--sslcert\n--sslkey\n--sslrootcert\n");
    EXPECT_EQ(complete_in_bash({"pgmi", "completion", "f"}), "fish\n");

    TempDir dir;
    fs::create_directories(dir.path() / "proj-a");
    fs::create_directories(dir.path() / "proj-b");
    dir.write("proj-file.sql", "");
    EXPECT_EQ(complete_in_bash({"pgmi", "deploy", "pro"}, dir.path()), "proj-a\nproj-b\n")
        << "directories only";
    EXPECT_EQ(complete_in_bash({"pgmi", "deploy", ".", ""}, dir.path()), "\n")
        << "nothing after the project path";
}

TEST(Completion, OtherShellsPrintTheirScripts) {
    for (const auto& [shell, marker] : std::vector<std::pair<std::string, std::string>>{
             {"zsh", "#compdef pgmi"},
             {"fish", "complete -c pgmi"},
             {"powershell", "Register-ArgumentCompleter -Native -CommandName 'pgmi'"}}) {
        auto r = run_pgmi({"completion", shell});
        EXPECT_EQ(r.exit_code, 0) << shell;
        EXPECT_TRUE(has(r.out, marker)) << shell;
        EXPECT_TRUE(has(r.out, "__complete")) << shell;
    }
    for (const char* shell : {"zsh", "fish"}) {
        const std::string exe = std::string("/usr/bin/") + shell;
        if (!fs::exists(exe))
            continue;
        TempDir dir;
        const fs::path script =
            dir.write(std::string("pgmi.") + shell, run_pgmi({"completion", shell}).out);
        auto r = run_program({exe, "-n", script.string()});
        EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.err;
    }
}

// zsh and fish are optional on build machines: these run where they are installed.
TEST(Completion, ZshDrivesTheEngine) {
    if (!fs::exists("/usr/bin/zsh"))
        GTEST_SKIP() << "zsh is not installed";
    const std::string dir = fs::path(PGMI_BINARY).parent_path().string();
    // _describe/_path_files/_files are replaced by stubs that print what they were given.
    const std::string script =
        "autoload -U compinit; compinit -u 2>/dev/null\n"
        "source <(pgmi completion zsh)\n"
        "_describe() { local arr=$4; print -l -- \"${(@P)arr}\"; }\n"
        "_path_files() { print \"PATH_FILES $*\"; }\n"
        "_files() { print FILES; }\n"
        "words=(pgmi de); CURRENT=2; _pgmi\n"
        "words=(pgmi init --template ''); CURRENT=4; _pgmi\n"
        "words=(pgmi deploy ''); CURRENT=3; _pgmi\n"
        "words=(pgmi deploy --params-file ''); CURRENT=4; _pgmi\n";
    const char* path = std::getenv("PATH");
    auto r = run_program({"/usr/bin/zsh", "-f", "-c", script},
                         {.env = {{"PATH", dir + ":" + (path ? path : "/usr/bin:/bin")}}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "deploy:Deploy a project: load its files into a session and run its deploy.sql\n"
              "basic:Linear migrations, minimal structure\n"
              "advanced:Reference app: SQL-native REST/RPC/MCP, multi-tenant RLS, audit\n"
              "PATH_FILES -/\n"
              "FILES\n");
}

TEST(Completion, FishCompletes) {
    if (!fs::exists("/usr/bin/fish"))
        GTEST_SKIP() << "fish is not installed";
    const std::string dir = fs::path(PGMI_BINARY).parent_path().string();
    const char* path = std::getenv("PATH");
    auto r = run_program({"/usr/bin/fish", "--no-config", "-c",
                          "pgmi completion fish | source; complete -C'pgmi de'; "
                          "complete -C'pgmi deploy --sslmode verify'"},
                         {.env = {{"PATH", dir + ":" + (path ? path : "/usr/bin:/bin")},
                                  {"HOME", fs::temp_directory_path().string()}}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "deploy\tDeploy a project: load its files into a session and run its deploy.sql\n"
              "verify-ca\nverify-full\n");
}

TEST(Completion, CompleteProtocol) {
    auto r = run_pgmi({"__complete", "de"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out,
              "deploy\tDeploy a project: load its files into a session and run its deploy.sql\n"
              ":4\n");
    EXPECT_EQ(run_pgmi({"__completeNoDesc", "init", "--template="}).out,
              "--template=basic\n--template=advanced\n:4\n");
    EXPECT_EQ(run_pgmi({"__completeNoDesc", "init", ""}).out, ":16\n");
    EXPECT_EQ(run_pgmi({"__completeNoDesc", "init", "--help", ""}).out, ":16\n")
        << "flags among the words are not acted upon";
    EXPECT_EQ(run_pgmi({"__completeNoDesc", "deploy", "--params-file", ""}).out, ":0\n");
}

}  // namespace
}  // namespace pgmi::test
