// `pgmi ai` end to end through the real binary: the documents, usage errors, the contract as
// JSON, and `ai setup` / `ai check` for every assistant in a temporary project and $HOME.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ai/setup.hpp"
#include "pty_session.hpp"
#include "support/support.hpp"
#include "util/build_info.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

std::string resource(const std::string& rel) {
    return read_whole_file(fs::path(PGMI_SOURCE_DIR) / "resources" / rel);
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// A failing pager must not matter when stdout is not a terminal.
RunOptions piped() {
    RunOptions o;
    o.env["PGMI_PAGER"] = "/nonexistent/pager";
    o.env["PAGER"] = "/nonexistent/pager";
    return o;
}

TEST(Ai, OverviewSkillsSkill) {
    auto r = run_pgmi({"ai"}, piped());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, resource("ai/overview.md"));
    // Unlike the reference, an unknown sub-word is an error (issue 16).
    const RunResult unknown = run_pgmi({"ai", "whatever"}, piped());
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(unknown.out, "");
    EXPECT_EQ(unknown.err,
              "pgmi: error: usage error: unknown command \"whatever\" for \"pgmi ai\"\n");

    auto s = run_pgmi({"ai", "skills"}, piped());
    EXPECT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(s.out.rfind("# Available pgmi Skills\n\nUse `pgmi ai skill <name>` to get full "
                          "skill content.\n\n| Skill | Scope | Description |\n"
                          "|-------|-------|-------------|\n| `pgmi-ci` | core | ",
                          0),
              0u)
        << s.out;
    EXPECT_TRUE(contains(s.out, "\n| `pgmi-sql` | core | Writing deploy.sql"));
    EXPECT_TRUE(contains(s.out, "|\n\nTotal: 11 skills\n"));

    auto one = run_pgmi({"ai", "skill", "pgmi-sql"}, piped());
    EXPECT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out, resource("ai/skills/pgmi-sql.md"));
}

TEST(Ai, SkillUsageErrors) {
    auto unknown = run_pgmi({"ai", "skill", "nope"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(unknown.out, "");
    EXPECT_EQ(unknown.err.rfind("pgmi: error: usage error: skill 'nope' not found. Available "
                                "skills: pgmi-ci, pgmi-connections, ",
                                0),
              0u)
        << unknown.err;

    auto missing = run_pgmi({"ai", "skill"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_EQ(missing.err,
              "pgmi: error: usage error: missing required argument: <name>\n\n"
              "Usage: pgmi ai skill <name>\n\nExample:\n  pgmi ai skill pgmi-sql\n\n"
              "Run `pgmi ai skills` to see the available skills.\n");

    auto two = run_pgmi({"ai", "skill", "a", "b"});
    EXPECT_EQ(two.exit_code, 2);
    EXPECT_TRUE(contains(two.err, "accepts 1 arg(s), received 2")) << two.err;
}

TEST(Ai, ClientDoctrineAndIdioms) {
    RunResult r = run_pgmi({"ai", "client"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("/openapi.json"), std::string::npos);
    EXPECT_NE(r.out.find("application/problem+json"), std::string::npos);
    EXPECT_NE(r.out.find("Authorization: Bearer"), std::string::npos);

    for (const char* lang : {"typescript", "python", "go", "csharp", "rust", "Python"}) {
        r = run_pgmi({"ai", "client", lang});
        ASSERT_EQ(r.exit_code, 0) << lang << r.err;
        EXPECT_NE(r.out.find("client idiom"), std::string::npos) << lang;
        EXPECT_EQ(r.out.find("Which door to use"), std::string::npos)
            << lang << ": only the idiom, not the doctrine again";
        EXPECT_NE(r.out.find("problem+json"), std::string::npos) << lang;
    }
    r = run_pgmi({"ai", "client", "cobol"});
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Which door to use"), std::string::npos);
    EXPECT_NE(r.out.find("No built-in idiom for \"cobol\". Any OpenAPI generator works"),
              std::string::npos)
        << r.out;
    r = run_pgmi({"ai", "client", "go", "rust"});
    EXPECT_EQ(r.exit_code, 2);
}

// The doctrine names routes of the advanced template: each must be registered there, so the
// guidance cannot drift from the template it describes.
TEST(Ai, ClientDoctrineNamesRoutesTheAdvancedTemplateHas) {
    const std::string doctrine = run_pgmi({"ai", "client"}).out;
    std::string sql;
    const auto root = std::filesystem::path(PGMI_SOURCE_DIR) / "resources/templates/advanced";
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.path().extension() == ".sql" || e.path().extension() == ".py")
            sql += read_whole_file(e.path());
    }
    size_t checked = 0;
    for (const char* method : {"GET", "POST", "DELETE"}) {
        const std::string needle = std::string("`") + method + " /";
        for (size_t at = doctrine.find(needle); at != std::string::npos;
             at = doctrine.find(needle, at + 1)) {
            const size_t start = at + needle.size() - 1;
            const std::string path = doctrine.substr(start, doctrine.find('`', start) - start);
            const bool registered =
                sql.find(std::string("'") + method + "', '" + path + "'") != std::string::npos ||
                sql.find("\"" + path + "\"") != std::string::npos;
            EXPECT_TRUE(registered) << method << " " << path;
            ++checked;
        }
    }
    EXPECT_GE(checked, 4u);
}

TEST(Ai, ContractIsJson) {
    auto r = run_pgmi({"ai", "contract"}, piped());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::ordered_json::parse(r.out);
    EXPECT_EQ(doc.begin().key(), "views");
    EXPECT_EQ(doc.at("exit_codes").back().at("code"), 143);
    EXPECT_EQ(r.out, doc.dump(2) + "\n");

    auto extra = run_pgmi({"ai", "contract", "x"});
    EXPECT_EQ(extra.exit_code, 2);
    EXPECT_TRUE(contains(extra.err, "usage error: unknown command \"x\" for \"pgmi ai contract\""))
        << extra.err;
}

TEST(Ai, HelpHasExamples) {
    auto r = run_pgmi({"ai", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(contains(r.out, "Examples:\n  pgmi ai ")) << r.out;
    for (const char* sub : {"check", "contract", "setup", "skill", "skills"})
        EXPECT_TRUE(contains(r.out, std::string("\n  ") + sub + " ")) << sub;
}

// At a terminal the documents go through the pager, run without a shell; a pager that cannot
// start, or `cat`, means plain output.
TEST(AiPager, PagerOnlyAtAnInteractiveTerminal) {
    {
        PtySession s({"ai", "skills"}, {.env = {{"PGMI_PAGER", "sed -e s/^/PAGED:/"}}});
        EXPECT_TRUE(s.expect("PAGED:# Available pgmi Skills")) << s.output();
        EXPECT_TRUE(s.expect("PAGED:Total: 11 skills"));
        EXPECT_EQ(s.wait(), 0);
    }
    {
        PtySession s({"ai", "skill", "pgmi-sql"},
                     {.env = {{"PGMI_PAGER", ""}, {"PAGER", "sed -e s/^/VIA-PAGER:/"}}});
        EXPECT_TRUE(s.expect("VIA-PAGER:---")) << s.output();
        EXPECT_EQ(s.wait(), 0);
    }
    for (const char* pager : {"/nonexistent/pager -x", "cat"}) {
        PtySession s({"ai", "contract"}, {.env = {{"PGMI_PAGER", pager}}});
        EXPECT_TRUE(s.expect("\"views\": [")) << pager << ": " << s.output();
        EXPECT_EQ(s.wait(), 0) << pager;
        EXPECT_EQ(s.output().find("PAGED"), std::string::npos);
    }
    // Not interactive (CI set): no pager even at a terminal.
    PtySession ci({"ai", "skills"}, {.env = {{"CI", "1"}, {"PGMI_PAGER", "sed -e s/^/PAGED:/"}}});
    EXPECT_TRUE(ci.expect("# Available pgmi Skills"));
    EXPECT_EQ(ci.wait(), 0);
    EXPECT_EQ(ci.output().find("PAGED:"), std::string::npos) << ci.output();
}

// ---- setup and check -------------------------------------------------------------------------

struct Env {
    TempDir project;
    TempDir home;

    Env() { project.write("deploy.sql", "SELECT 1;\n"); }
    RunOptions options() const {
        RunOptions o;
        o.cwd = project.path();
        o.env["HOME"] = home.path().string();
        return o;
    }
    RunResult run(std::vector<std::string> args) const {
        args.insert(args.begin(), "ai");
        return run_pgmi(args, options());
    }
};

std::vector<ai::PlannedFile> planned(const std::string& name, bool global, const fs::path& base) {
    auto files = ai::plan(*ai::find_assistant(name), global, base, build_info::kVersion);
    EXPECT_TRUE(files) << name;
    return files ? *files : std::vector<ai::PlannedFile>{};
}

void round_trip(const std::string& name, bool global) {
    SCOPED_TRACE(name + (global ? " --global" : ""));
    Env env;
    const fs::path base = global ? env.home.path() : env.project.path();
    std::vector<std::string> flags = {"--assistant", name};
    if (global)
        flags.push_back("--global");
    auto with = [&](std::vector<std::string> head, std::vector<std::string> tail = {}) {
        head.insert(head.end(), flags.begin(), flags.end());
        head.insert(head.end(), tail.begin(), tail.end());
        return head;
    };
    const auto files = planned(name, global, base);
    ASSERT_FALSE(files.empty());

    // --dry-run writes nothing.
    auto dry = env.run(with({"setup"}, {"--dry-run", "--no-claude-md"}));
    EXPECT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_TRUE(contains(dry.err, "would create ")) << dry.err;
    EXPECT_TRUE(contains(dry.err, "Dry run: no files written.\n"));
    for (const auto& f : files)
        EXPECT_FALSE(fs::exists(f.path)) << f.path;

    auto created = env.run(with({"setup"}, {"--no-claude-md"}));
    ASSERT_EQ(created.exit_code, 0) << created.err;
    for (const auto& f : files) {
        EXPECT_EQ(read_whole_file(f.path), f.content) << f.path;
        EXPECT_TRUE(contains(created.err, "created    ")) << created.err;
    }
    auto current = env.run(with({"check"}));
    EXPECT_EQ(current.exit_code, 0) << current.err;
    EXPECT_TRUE(contains(current.err, "current  ")) << current.err;

    // A hand edit: check fails, setup refuses without --force and leaves the file.
    const fs::path first = files.front().path;
    { std::ofstream(first, std::ios::app) << "\nmy own rule\n"; }
    auto edited = env.run(with({"check"}));
    EXPECT_EQ(edited.exit_code, 1);
    EXPECT_TRUE(contains(edited.err, "(hand-edited since generation)\n")) << edited.err;
    EXPECT_TRUE(contains(edited.err,
                         "pgmi: error: guidance missing, stale, or hand-edited; run "
                         "`pgmi ai setup --assistant " +
                             name + "`\n"))
        << edited.err;
    auto refused = env.run(with({"setup"}, {"--no-claude-md"}));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_TRUE(contains(refused.err, " (hand-edited; re-run with --force to overwrite)\n"));
    EXPECT_TRUE(contains(refused.err,
                         "pgmi: error: 1 file(s) hand-edited and left unchanged; "
                         "re-run with --force to overwrite\n"))
        << refused.err;
    EXPECT_TRUE(contains(read_whole_file(first), "my own rule"));

    // Stale: another version's stamp over another body.
    { std::ofstream(first, std::ios::trunc) << ai::stamp("older guidance\n", "0.0.1"); }
    auto stale = env.run(with({"check"}));
    EXPECT_EQ(stale.exit_code, 1);
    EXPECT_TRUE(contains(stale.err, std::string("(generated by pgmi 0.0.1, binary is ") +
                                        build_info::kVersion + ")\n"))
        << stale.err;

    auto forced = env.run(with({"setup"}, {"--force", "--no-claude-md"}));
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    auto again = env.run(with({"check"}));
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(read_whole_file(first), files.front().content);
}

TEST(AiSetup, RoundTripEveryAssistantLocal) {
    for (const auto& a : ai::assistants())
        round_trip(std::string(a.name), false);
}

TEST(AiSetup, RoundTripEveryAssistantGlobal) {
    for (const auto& a : ai::assistants()) {
        if (!a.global.empty()) {
            round_trip(std::string(a.name), true);
        } else {
            Env env;
            auto r = env.run({"setup", "--assistant", std::string(a.name), "--global"});
            EXPECT_EQ(r.exit_code, 1) << a.name;
            EXPECT_EQ(r.err, "pgmi: error: assistant \"" + std::string(a.name) +
                                 "\" does not support --global\n");
        }
    }
}

// With HOME empty, --global once installed under "/" (as root: /.claude/...); with HOME
// mistyped it made the whole missing chain. Now the user database's home, or a config error.
TEST(AiSetup, GlobalNeedsARealHomeDirectory) {
    Env env;
    RunOptions o = env.options();
    o.env["HOME"] = "";
    auto dry = run_pgmi({"ai", "setup", "--assistant", "claude", "--global", "--dry-run"}, o);
    const passwd* pw = ::getpwuid(::geteuid());
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_FALSE(contains(dry.err, " /.claude/")) << dry.err;
    EXPECT_TRUE(contains(dry.err, (fs::path(pw->pw_dir) / ".claude").string())) << dry.err;

    const fs::path missing = env.home.path() / "no" / "such" / "home";
    o.env["HOME"] = missing.string();
    auto r = run_pgmi({"ai", "setup", "--assistant", "claude", "--global"}, o);
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_EQ(r.err, "pgmi: error: --global installs under your home directory, but \"" +
                         missing.string() +
                         "\" is not a directory; set HOME to your home directory\n");
    EXPECT_FALSE(fs::exists(env.home.path() / "no"));
    auto check = run_pgmi({"ai", "check", "--assistant", "claude", "--global"}, o);
    EXPECT_EQ(check.exit_code, 10) << check.err;
}

TEST(AiSetup, AllAndClaudePointer) {
    Env env;
    env.project.write("CLAUDE.md", "# Team notes");
    auto r = env.run({"setup", "--all", "--claude-md"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& name : ai::all_assistants()) {
        for (const auto& f : planned(name, false, env.project.path()))
            EXPECT_TRUE(fs::exists(f.path)) << f.path;
    }
    EXPECT_TRUE(contains(r.err, "updated    CLAUDE.md (pgmi pointer)\n")) << r.err;
    EXPECT_EQ(read_whole_file(env.project.path() / "CLAUDE.md"),
              "# Team notes\n\n" + ai::with_pointer(std::nullopt));
    auto quiet = env.run({"setup", "--all", "--claude-md"});
    EXPECT_EQ(quiet.exit_code, 0);
    EXPECT_EQ(quiet.err, "") << "everything current: nothing to say";
    // Non-interactive without --claude-md: CLAUDE.md is not touched.
    Env other;
    EXPECT_EQ(other.run({"setup", "--assistant", "claude"}).exit_code, 0);
    EXPECT_FALSE(fs::exists(other.project.path() / "CLAUDE.md"));
}

TEST(AiSetup, InteractiveDefaultsToClaudeAndAsksForThePointer) {
    for (const char* answer : {"n\r", "\r"}) {
        TempDir project;
        TempDir home;
        project.write("pgmi.yaml", "");
        PtySession s({"ai", "setup"},
                     {.env = {{"HOME", home.path().string()}}, .cwd = project.path()});
        ASSERT_TRUE(s.expect("Add a one-line pgmi pointer to CLAUDE.md? [Y/n]: ")) << s.output();
        s.send(answer);
        EXPECT_EQ(s.wait(), 0) << s.output();
        EXPECT_TRUE(fs::exists(project.path() / ".claude/skills/pgmi/SKILL.md"));
        EXPECT_EQ(fs::exists(project.path() / "CLAUDE.md"), std::string(answer) == "\r")
            << s.output();
    }
}

TEST(AiSetup, Errors) {
    Env env;
    auto none = env.run({"setup"});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_EQ(none.err,
              "pgmi: error: usage error: --assistant is required in non-interactive mode "
              "(supported: claude, agents, codex, opencode, codex-skills, antigravity, cursor, "
              "copilot, windsurf, cline, gemini)\n");
    auto bad = env.run({"setup", "--assistant", "vim"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_TRUE(
        contains(bad.err, "usage error: unsupported assistant \"vim\" (supported: claude, "))
        << bad.err;
    EXPECT_EQ(env.run({"check", "--assistant", "vim"}).exit_code, 2);

    auto both = env.run({"setup", "--all", "--assistant", "claude"});
    EXPECT_EQ(both.exit_code, 1);
    EXPECT_TRUE(contains(both.err,
                         "if any flags in the group [assistant all] are set none of the "
                         "others can be; [all assistant] were all set"))
        << both.err;
    EXPECT_EQ(
        env.run({"setup", "--claude-md", "--no-claude-md", "--assistant", "claude"}).exit_code, 1);
    EXPECT_EQ(env.run({"setup", "--all", "--global"}).exit_code, 1);

    TempDir empty;
    RunOptions o;
    o.cwd = empty.path();
    o.env["HOME"] = env.home.path().string();
    auto not_project = run_pgmi({"ai", "setup", "--assistant", "claude"}, o);
    EXPECT_EQ(not_project.exit_code, 1);
    EXPECT_TRUE(contains(not_project.err,
                         "pgmi: error: not a pgmi project (no deploy.sql or pgmi.yaml found)"))
        << not_project.err;
    EXPECT_TRUE(fs::is_empty(empty.path()));

    auto extra = env.run({"setup", "x"});
    EXPECT_EQ(extra.exit_code, 2);
    EXPECT_TRUE(contains(extra.err, "unknown command \"x\" for \"pgmi ai setup\"")) << extra.err;

    // check needs no project and defaults to claude.
    auto missing = run_pgmi({"ai", "check"}, o);
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_TRUE(contains(missing.err, "missing  .claude/skills/pgmi/SKILL.md\n")) << missing.err;
}

}  // namespace
}  // namespace pgmi::test
