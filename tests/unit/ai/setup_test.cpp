// The managed stamp, planning per assistant, and setup/check on temporary directories.
#include "ai/setup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/support.hpp"
#include "util/digest.hpp"

namespace pgmi::ai {
namespace {

namespace fs = std::filesystem;

TEST(Stamp, ExactFormatAndChecksum) {
    const std::string s = stamp("# Title\r\nbody\n\n\n", "1.2.3");
    const std::string blank =
        "# Title\nbody\n\n<!-- pgmi:managed\nversion: 1.2.3\nsource: github.com/vvka-141/pgmi\n"
        "checksum: \n-->\n";
    const std::string expected =
        "# Title\nbody\n\n<!-- pgmi:managed\nversion: 1.2.3\nsource: github.com/vvka-141/pgmi\n"
        "checksum: " +
        util::sha256_hex(blank) + "\n-->\n";
    EXPECT_EQ(s, expected);
    const auto c = inspect(s);
    EXPECT_TRUE(c.valid);
    EXPECT_EQ(c.version, "1.2.3");
    EXPECT_EQ(c.body, "# Title\nbody\n");
}

TEST(Stamp, CrlfCopyIsStillValid) {
    std::string s = stamp("a\nb\n", "1");
    std::string crlf;
    for (char ch : s) {
        if (ch == '\n')
            crlf += '\r';
        crlf += ch;
    }
    EXPECT_TRUE(inspect(crlf).valid);
}

TEST(Stamp, EditsAreDetected) {
    const std::string s = stamp("line one\n", "1.0.0");
    EXPECT_FALSE(inspect("line one\n").valid) << "no stamp = edited";
    std::string body_edit = s;
    body_edit.insert(0, "x");
    EXPECT_FALSE(inspect(body_edit).valid);
    std::string version_edit = s;
    version_edit.replace(version_edit.find("1.0.0"), 5, "9.9.9");
    EXPECT_FALSE(inspect(version_edit).valid);
    std::string no_sum = s;
    no_sum.erase(no_sum.find("checksum: ") + 10, 64);
    EXPECT_FALSE(inspect(no_sum).valid) << "an empty checksum is never valid";
    EXPECT_FALSE(inspect(s + "appended\n").valid);
}

TEST(Stamp, ClassifyAgainstPlan) {
    const PlannedFile planned{"/x", stamp("body\n", "2.0.0")};
    EXPECT_EQ(classify(std::nullopt, planned), FileState::Missing);
    EXPECT_EQ(classify(stamp("body\n", "1.0.0"), planned), FileState::Unchanged)
        << "same body, any version";
    EXPECT_EQ(classify(stamp("older body\n", "1.0.0"), planned), FileState::Stale);
    EXPECT_EQ(classify(std::string("body\n"), planned), FileState::Edited);
}

TEST(Plan, EveryAssistantLocalAndGlobalTargets) {
    const fs::path base = "/base";
    struct Want {
        const char* name;
        const char* local;   // first planned file
        const char* global;  // "" = unsupported
    };
    const Want wants[] = {
        {"claude", ".claude/skills/pgmi/SKILL.md", ".claude/skills/pgmi/SKILL.md"},
        {"agents", "AGENTS.md", "AGENTS.md"},
        {"codex", "AGENTS.md", ".codex/AGENTS.md"},
        {"opencode", "AGENTS.md", ".config/opencode/AGENTS.md"},
        {"codex-skills", ".codex/skills/pgmi/SKILL.md", ".codex/skills/pgmi/SKILL.md"},
        {"antigravity", ".agents/skills/pgmi/SKILL.md", ""},
        {"cursor", ".cursor/rules/pgmi.mdc", ""},
        {"copilot", ".github/copilot-instructions.md", ""},
        {"windsurf", ".windsurf/rules/pgmi.md", ""},
        {"cline", ".clinerules/pgmi.md", ""},
        {"gemini", "GEMINI.md", ".gemini/GEMINI.md"},
    };
    ASSERT_EQ(assistants().size(), std::size(wants));
    for (const auto& w : wants) {
        const Assistant* a = find_assistant(w.name);
        ASSERT_NE(a, nullptr) << w.name;
        auto local = plan(*a, false, base, "1.0.0");
        ASSERT_TRUE(local) << w.name;
        EXPECT_EQ((*local)[0].path, base / w.local) << w.name;
        for (const auto& f : *local)
            EXPECT_TRUE(inspect(f.content).valid) << f.path;
        auto global = plan(*a, true, base, "1.0.0");
        if (std::string(w.global).empty()) {
            ASSERT_FALSE(global) << w.name;
            EXPECT_EQ(global.error().message,
                      std::string("assistant \"") + w.name + "\" does not support --global");
        } else {
            ASSERT_TRUE(global) << w.name;
            EXPECT_EQ((*global)[0].path, base / w.global) << w.name;
        }
    }
    EXPECT_EQ(find_assistant("vim"), nullptr);
    EXPECT_EQ(supported_list(),
              "claude, agents, codex, opencode, codex-skills, antigravity, cursor, copilot, "
              "windsurf, cline, gemini");
}

TEST(Plan, SkillSetAndWrappers) {
    auto set = plan(*find_assistant("claude"), false, "/p", "1.0.0");
    ASSERT_TRUE(set);
    ASSERT_GE(set->size(), 12u) << "SKILL.md plus one file per skill";
    const std::string& skill_md = (*set)[0].content;
    EXPECT_EQ(skill_md.rfind("---\nname: pgmi\ndescription: ", 0), 0u);
    EXPECT_NE(skill_md.find("## Working rules for assistants"), std::string::npos) << "core";
    EXPECT_NE(skill_md.find("## Depth files"), std::string::npos);
    EXPECT_NE(skill_md.find("- `${CLAUDE_SKILL_DIR}/pgmi-sql.md` \u2014 Writing deploy.sql"),
              std::string::npos);
    EXPECT_EQ((*set)[1].path.parent_path(), fs::path("/p/.claude/skills/pgmi"));

    auto cursor = plan(*find_assistant("cursor"), false, "/p", "1.0.0");
    ASSERT_TRUE(cursor);
    EXPECT_EQ((*cursor)[0].content.rfind("---\ndescription: ", 0), 0u);
    EXPECT_NE((*cursor)[0].content.find("\nalwaysApply: true\n---\n"), std::string::npos);
    auto agents = plan(*find_assistant("agents"), false, "/p", "1.0.0");
    ASSERT_TRUE(agents);
    EXPECT_NE((*agents)[0].content.find("# pgmi: working in a pgmi project"), std::string::npos);
}

TEST(Pointer, NewReplaceAppend) {
    const std::string block_start = "<!-- pgmi:begin -->\n";
    const std::string fresh = with_pointer(std::nullopt);
    EXPECT_EQ(fresh.rfind(block_start, 0), 0u);
    EXPECT_EQ(fresh.substr(fresh.size() - 18), "<!-- pgmi:end -->\n");
    EXPECT_EQ(with_pointer(std::string("# Notes")), "# Notes\n\n" + fresh);
    EXPECT_EQ(with_pointer(std::string("# Notes\n")), "# Notes\n\n" + fresh);
    EXPECT_EQ(with_pointer("a\n<!-- pgmi:begin -->\nold\n<!-- pgmi:end -->\nb\n"),
              "a\n" + fresh + "b\n");
    EXPECT_EQ(with_pointer(std::string("a\n<!-- pgmi:begin -->\nold, no end")), "a\n" + fresh);
    EXPECT_EQ(with_pointer(fresh), fresh) << "idempotent";
}

struct Dirs {
    test::TempDir project;
    test::TempDir home;
    std::vector<std::string> lines;

    SetupOptions setup_options(std::vector<std::string> names) {
        SetupOptions o;
        o.assistants = std::move(names);
        o.cwd = project.path();
        o.home = home.path();
        o.version = "1.0.0";
        o.report = [this](std::string_view l) { lines.emplace_back(l); };
        return o;
    }
    CheckOptions check_options(std::string name) {
        CheckOptions o;
        o.assistant = std::move(name);
        o.cwd = project.path();
        o.home = home.path();
        o.version = "1.0.0";
        o.report = [this](std::string_view l) { lines.emplace_back(l); };
        return o;
    }
};

TEST(Setup, CreateUnchangedEditedForceAndModes) {
    Dirs d;
    ASSERT_TRUE(setup(d.setup_options({"cursor"})));
    EXPECT_EQ(d.lines, (std::vector<std::string>{"created    .cursor/rules/pgmi.mdc"}));
    const fs::path file = d.project.path() / ".cursor/rules/pgmi.mdc";
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    EXPECT_EQ(fs::directory_iterator(file.parent_path())->path(), file) << "no temp file left";

    d.lines.clear();
    ASSERT_TRUE(setup(d.setup_options({"cursor"})));
    EXPECT_TRUE(d.lines.empty()) << "unchanged files are silent";
    ASSERT_TRUE(check(d.check_options("cursor")));

    { std::ofstream(file, std::ios::app) << "my note\n"; }
    d.lines.clear();
    auto refused = setup(d.setup_options({"cursor"}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::General);
    EXPECT_EQ(refused.error().message,
              "1 file(s) hand-edited and left unchanged; re-run with --force to overwrite");
    EXPECT_EQ(d.lines, (std::vector<std::string>{
                           "edited     .cursor/rules/pgmi.mdc (hand-edited; re-run with --force "
                           "to overwrite)"}));
    EXPECT_NE(test::read_whole_file(file).find("my note"), std::string::npos) << "left unchanged";

    auto dry = d.setup_options({"cursor"});
    dry.force = true;
    dry.dry_run = true;
    d.lines.clear();
    ASSERT_TRUE(setup(dry));
    EXPECT_EQ(d.lines, (std::vector<std::string>{"would overwrite .cursor/rules/pgmi.mdc",
                                                 "Dry run: no files written."}));
    EXPECT_NE(test::read_whole_file(file).find("my note"), std::string::npos);

    auto force = d.setup_options({"cursor"});
    force.force = true;
    d.lines.clear();
    ASSERT_TRUE(setup(force));
    EXPECT_EQ(d.lines, (std::vector<std::string>{"overwrote  .cursor/rules/pgmi.mdc"}));
    EXPECT_TRUE(check(d.check_options("cursor")));
}

TEST(Setup, StaleIsUpdatedAndCheckReportsIt) {
    Dirs d;
    const fs::path file = d.project.path() / "GEMINI.md";
    { std::ofstream(file) << stamp("old guidance\n", "0.0.1"); }
    auto c = check(d.check_options("gemini"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message,
              "guidance missing, stale, or hand-edited; run `pgmi ai setup --assistant gemini`");
    EXPECT_EQ(d.lines, (std::vector<std::string>{
                           "stale    GEMINI.md (generated by pgmi 0.0.1, binary is 1.0.0)"}));
    d.lines.clear();
    ASSERT_TRUE(setup(d.setup_options({"gemini"})));
    EXPECT_EQ(d.lines, (std::vector<std::string>{"updated    GEMINI.md"}));
    d.lines.clear();
    ASSERT_TRUE(check(d.check_options("gemini")));
    EXPECT_EQ(d.lines, (std::vector<std::string>{"current  GEMINI.md (content is current)"}));
}

TEST(Setup, GlobalUsesHomeAndClaudePointerOnlyLocally) {
    Dirs d;
    auto g = d.setup_options({"claude"});
    g.global = true;
    g.claude_md = PointerChoice::Yes;
    ASSERT_TRUE(setup(g));
    EXPECT_TRUE(fs::exists(d.home.path() / ".claude/skills/pgmi/SKILL.md"));
    EXPECT_TRUE(fs::exists(d.home.path() / ".claude/skills/pgmi/pgmi-sql.md"));
    EXPECT_FALSE(fs::exists(d.project.path() / "CLAUDE.md"));
    EXPECT_EQ(d.lines[0].rfind("created    /", 0), 0u) << "outside the cwd: absolute paths";

    d.lines.clear();
    auto local = d.setup_options({"claude"});
    local.claude_md = PointerChoice::Yes;
    ASSERT_TRUE(setup(local));
    EXPECT_EQ(d.lines.back(), "updated    CLAUDE.md (pgmi pointer)");
    EXPECT_EQ(test::read_whole_file(d.project.path() / "CLAUDE.md"), with_pointer(std::nullopt));
    d.lines.clear();
    ASSERT_TRUE(setup(local));
    EXPECT_TRUE(d.lines.empty()) << "pointer already there";

    auto missing = d.check_options("claude");
    fs::remove(d.project.path() / ".claude/skills/pgmi/pgmi-ci.md");
    d.lines.clear();
    EXPECT_FALSE(check(missing));
    EXPECT_NE(std::find(d.lines.begin(), d.lines.end(), "missing  .claude/skills/pgmi/pgmi-ci.md"),
              d.lines.end());
}

TEST(Setup, UnsupportedGlobalAndSymlinkTarget) {
    Dirs d;
    auto g = d.setup_options({"cline"});
    g.global = true;
    auto s = setup(g);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::General);
    EXPECT_EQ(s.error().message, "assistant \"cline\" does not support --global");

    // A symlink where a guidance file belongs is never followed.
    const fs::path outside = d.home.path() / "victim";
    { std::ofstream(outside) << "keep\n"; }
    fs::create_symlink(outside, d.project.path() / "AGENTS.md");
    auto sym = setup(d.setup_options({"agents"}));
    EXPECT_FALSE(sym);
    EXPECT_EQ(test::read_whole_file(outside), "keep\n");
}

}  // namespace
}  // namespace pgmi::ai
