// Issue 16, paper cuts 2, 3 and 7 (last point), driven by the real binary's own command tree
// (read from its help, so commands added later are covered without editing this file):
//  * -v/--verbose is global: accepted before and after the command words, on every command;
//  * every command rejects an unknown flag and extra words with exit 2 and a did-you-mean;
//  * every `pgmi <command>` named in help texts and in the binary's messages and documents
//    exists (and every `pgmi ai skill <name>` names a real skill).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> split_words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

/// The lines of a help section ("Available Commands:") up to the next blank line.
std::vector<std::string> section(const std::string& help, const std::string& title) {
    std::vector<std::string> lines;
    const size_t at = help.find("\n" + title + "\n");
    if (at == std::string::npos)
        return lines;
    std::istringstream in(help.substr(at + title.size() + 2));
    for (std::string line; std::getline(in, line) && !line.empty();)
        lines.push_back(line);
    return lines;
}

struct Command {
    std::vector<std::string> path;  // words after `pgmi`
    std::string help;
    bool group = false;
    size_t positionals = 0;  // <x> and [x] of the Usage line
};

/// Every command of the real binary, by walking `--help` from the root.
std::vector<Command> command_tree() {
    std::vector<Command> out;
    std::vector<std::vector<std::string>> todo = {{}};
    while (!todo.empty()) {
        const std::vector<std::string> path = todo.back();
        todo.pop_back();
        std::vector<std::string> args = path;
        args.emplace_back("--help");
        const RunResult r = run_pgmi(args);
        EXPECT_EQ(r.exit_code, 0) << "help of " << ::testing::PrintToString(path);
        Command c{path, r.out, false, 0};
        for (const std::string& line : section(r.out, "Available Commands:")) {
            const auto words = split_words(line);
            if (words.empty() || words[0] == "help")
                continue;
            c.group = true;
            auto sub = path;
            sub.push_back(words[0]);
            todo.push_back(sub);
        }
        const auto usage = section(r.out, "Usage:");
        if (!usage.empty()) {
            for (const auto& w : split_words(usage[0])) {
                const bool label = w[0] == '<' || w[0] == '[' || w.find('|') != std::string::npos;
                if (label && w != "[flags]" && w != "[command]")
                    ++c.positionals;
            }
        }
        if (!path.empty())
            out.push_back(c);
    }
    return out;
}

std::string joined(const std::vector<std::string>& path) {
    std::string s = "pgmi";
    for (const auto& w : path)
        s += " " + w;
    return s;
}

const std::vector<Command>& commands() {
    static const std::vector<Command> tree = command_tree();
    return tree;
}

TEST(CommandTree, IsReadFromTheBinary) {
    std::set<std::string> names;
    for (const auto& c : commands())
        names.insert(joined(c.path));
    // A floor, not the list: the test must see the tree, whatever is added later.
    for (const char* known : {"pgmi deploy", "pgmi init", "pgmi info", "pgmi version",
                              "pgmi templates list", "pgmi metadata plan", "pgmi ai skills"}) {
        EXPECT_TRUE(names.count(known)) << known;
    }
}

TEST(UnknownFlags, EveryCommandRejectsThemWithExitTwoAndADidYouMean) {
    for (const auto& c : commands()) {
        TempDir cwd;
        RunOptions o;
        o.cwd = cwd.path();
        o.stdin_data = "";
        auto args = c.path;
        args.emplace_back("--bogus");
        RunResult r = run_pgmi(args, o);
        EXPECT_EQ(r.exit_code, 2) << joined(c.path) << " --bogus\n" << r.err << r.out;
        EXPECT_TRUE(contains(r.err, "pgmi: error: usage error: unknown flag: --bogus"))
            << joined(c.path) << "\n"
            << r.err;

        // A near miss of a flag the command has: --verbos is one edit from --verbose.
        args.back() = "--verbos";
        r = run_pgmi(args, o);
        EXPECT_EQ(r.exit_code, 2) << joined(c.path) << " --verbos\n" << r.err;
        EXPECT_TRUE(contains(r.err, "unknown flag: --verbos\n\nDid you mean this?\n\t--verbose"))
            << joined(c.path) << "\n"
            << r.err;
        EXPECT_TRUE(std::filesystem::is_empty(cwd.path())) << joined(c.path) << " wrote files";
    }
    // The reported case, and the suggestion of a command's own flag.
    RunResult r = run_pgmi({"templates", "list", "--bogus"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out, "");
    r = run_pgmi({"deploy", ".", "--databse", "x"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(contains(r.err, "unknown flag: --databse\n\nDid you mean this?\n\t--database"))
        << r.err;
}

TEST(ExtraArguments, EveryCommandRejectsThemWithExitTwo) {
    for (const auto& c : commands()) {
        TempDir cwd;
        RunOptions o;
        o.cwd = cwd.path();
        auto args = c.path;
        for (size_t i = 0; i <= c.positionals; ++i)
            args.push_back("extra" + std::to_string(i));
        const RunResult r = run_pgmi(args, o);
        EXPECT_EQ(r.exit_code, 2) << joined(args) << "\n" << r.err << r.out;
        EXPECT_TRUE(contains(r.err, "pgmi: error: usage error: ")) << joined(args) << "\n" << r.err;
        if (c.positionals == 0) {
            EXPECT_TRUE(
                contains(r.err, "unknown command \"extra0\" for \"" + joined(c.path) + "\""))
                << joined(args) << "\n"
                << r.err;
        }
        EXPECT_TRUE(std::filesystem::is_empty(cwd.path())) << joined(args) << " wrote files";
    }
    // A group suggests its commands.
    const RunResult r = run_pgmi({"templates", "lst"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(contains(r.err,
                         "unknown command \"lst\" for \"pgmi templates\"\n\nDid you mean "
                         "this?\n\tlist"))
        << r.err;
}

TEST(GlobalVerbose, AcceptedBeforeAndAfterEveryCommand) {
    for (const auto& c : commands()) {
        // The parser accepts -v: the error is about the next flag, not about -v.
        std::vector<std::string> before = {"-v"};
        before.insert(before.end(), c.path.begin(), c.path.end());
        before.emplace_back("--bogus");
        auto after = c.path;
        after.insert(after.end(), {"--verbose", "--bogus"});
        for (const auto& args : {before, after}) {
            const RunResult r = run_pgmi(args);
            EXPECT_EQ(r.exit_code, 2) << joined(args);
            EXPECT_TRUE(contains(r.err, "unknown flag: --bogus")) << joined(args) << "\n" << r.err;
        }
        EXPECT_TRUE(contains(c.help, "-v, --verbose")) << joined(c.path) << " help:\n" << c.help;
    }
}

TEST(GlobalVerbose, TheReportedCommandsRun) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    dir.write("migrations/001.sql", "SELECT 1;\n");
    for (const std::vector<std::string>& args : {std::vector<std::string>{"version", "-v"},
                                                 {"-v", "version"},
                                                 {"info", "-v"},
                                                 {"-v", "templates", "list"},
                                                 {"templates", "-v", "list"}}) {
        RunOptions o;
        o.cwd = dir.path();
        const RunResult r = run_pgmi(args, o);
        EXPECT_EQ(r.exit_code, 0) << joined(args) << "\n" << r.err;
    }
    // Before the command, it reaches the command: deploy and metadata explain their steps.
    const std::string db = unique_db("verbose");
    std::vector<std::string> deploy = {"-v"};
    const auto rest = deploy_args(dir.path(), db);
    deploy.insert(deploy.end(), rest.begin(), rest.end());
    RunResult r = run_pgmi(deploy);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "[VERBOSE]")) << r.err;
    r = run_pgmi({"-v", "metadata", "scaffold", dir.path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "[VERBOSE]")) << r.err;
}

// ---- every command named in help texts and messages exists ----

/// Printable runs of at least 6 bytes of a file (what `strings` shows).
std::vector<std::string> printable_runs(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::string> out;
    std::string run;
    for (char ch; in.get(ch);) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
            run += ch;
            continue;
        }
        if (run.size() >= 6)
            out.push_back(run);
        run.clear();
    }
    if (run.size() >= 6)
        out.push_back(run);
    return out;
}

bool is_word(const std::string& w) {
    if (w.empty() || w[0] < 'a' || w[0] > 'z')
        return false;
    for (char c : w) {
        if (!((c >= 'a' && c <= 'z') || c == '-'))
            return false;
    }
    return true;
}

/// True when `at` is inside a ``` fence of markdown `text`.
bool inside_fence(const std::string& text, size_t at) {
    bool inside = false;
    for (size_t f = text.find("```"); f != std::string::npos && f < at; f = text.find("```", f + 3))
        inside = !inside;
    return inside;
}

/// The word sequences that follow "pgmi " where text names a command: inside backticks, at the
/// start of an example line (indented, or in a ``` fence), or after "run"/"use"/"try"/"see".
std::vector<std::vector<std::string>> named_commands(const std::string& text) {
    std::vector<std::vector<std::string>> out;
    for (size_t at = text.find("pgmi "); at != std::string::npos; at = text.find("pgmi ", at + 1)) {
        if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) ||
                       text[at - 1] == '_' || text[at - 1] == '-' || text[at - 1] == '/'))
            continue;
        const size_t line_start =
            text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
        std::string before = text.substr(line_start, at - line_start);
        const bool example = before.find_first_not_of(" \t$") == std::string::npos &&
                             (!before.empty() || inside_fence(text, at));
        const bool tick = at > 0 && text[at - 1] == '`';
        bool verb = false;
        for (const char* v :
             {"run ", "Run ", "use ", "Use ", "try ", "Try ", "see ", "See ", "with: ", "with "}) {
            const std::string sv = v;
            verb = verb || (before.size() >= sv.size() &&
                            before.compare(before.size() - sv.size(), sv.size(), sv) == 0);
        }
        if (!example && !tick && !verb)
            continue;
        // "There is no `pgmi migrate`" names a command to say it does not exist.
        auto ends_with = [&before](const std::string& tail) {
            return before.size() >= tail.size() &&
                   before.compare(before.size() - tail.size(), tail.size(), tail) == 0;
        };
        if (ends_with("no `") || ends_with("not `"))
            continue;
        // The words up to the end of the command line (a backtick, a line end or a '#').
        size_t end = text.find_first_of("`\n#|;)", at);
        std::vector<std::string> words = split_words(
            text.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5));
        if (!words.empty() && is_word(words[0]))
            out.push_back(words);
    }
    return out;
}

TEST(NamedCommands, EveryCommandNamedInHelpAndMessagesExists) {
    std::map<std::string, const Command*> by_path;
    std::set<std::string> top;
    for (const auto& c : commands()) {
        by_path[joined(c.path)] = &c;
        if (c.path.size() == 1)
            top.insert(c.path[0]);
    }
    top.insert("help");

    std::vector<std::string> texts = printable_runs(PGMI_BINARY);
    {
        const RunResult root = run_pgmi({"--help"});
        texts.push_back(root.out);
        for (const auto& c : commands())
            texts.push_back(c.help);
    }
    std::set<std::string> checked;
    std::set<std::string> skills;
    for (const auto& text : texts) {
        for (const auto& words : named_commands(text)) {
            const std::string name = "pgmi " + words[0];
            EXPECT_TRUE(top.count(words[0])) << "`" << name << "` is named but is no command:\n"
                                             << text.substr(0, 400);
            checked.insert(name);
            const auto group = by_path.find(name);
            if (group == by_path.end() || !group->second->group || words.size() < 2 ||
                !is_word(words[1]))
                continue;
            const std::string sub = name + " " + words[1];
            EXPECT_TRUE(by_path.count(sub)) << "`" << sub << "` is named but is no command";
            checked.insert(sub);
            if (sub == "pgmi ai skill" && words.size() >= 3 && is_word(words[2]))
                skills.insert(words[2]);
        }
    }
    // The scan found the commands the documents use (so it is not vacuous).
    for (const char* seen : {"pgmi deploy", "pgmi init", "pgmi templates list", "pgmi ai skill"})
        EXPECT_TRUE(checked.count(seen)) << seen << " was not found by the scan";
    // Messages point to skills by name (e.g. metadata errors): each must exist.
    EXPECT_FALSE(skills.empty());
    for (const auto& s : skills) {
        const RunResult r = run_pgmi({"ai", "skill", s});
        EXPECT_EQ(r.exit_code, 0) << "`pgmi ai skill " << s << "` is named but fails: " << r.err;
    }
}

}  // namespace
}  // namespace pgmi::test
