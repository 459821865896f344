// The embedded guidance: front matter, the skills table of `pgmi ai skills`, lookups.
#include "ai/skills.hpp"

#include <gtest/gtest.h>

namespace pgmi::ai {
namespace {

TEST(FrontMatter, ReadsNameDescriptionScope) {
    const auto fm = parse_front_matter(
        "---\nname: pgmi-x\ndescription: \"Quoted: with colon\"\nscope: 'core'\n---\n# Body\n");
    EXPECT_EQ(fm.name, "pgmi-x");
    EXPECT_EQ(fm.description, "Quoted: with colon");
    EXPECT_EQ(fm.scope, "core");
}

TEST(FrontMatter, CrlfUnknownKeysAndTrim) {
    const auto fm =
        parse_front_matter("---\r\nName :  spaced  \r\nother: x\r\nscope:\r\n---\r\nbody");
    EXPECT_EQ(fm.name, "spaced");
    EXPECT_EQ(fm.description, "");
    EXPECT_EQ(fm.scope, "");
}

TEST(FrontMatter, AbsentOrUnclosedIsEmpty) {
    EXPECT_EQ(parse_front_matter("# no front matter\nname: x\n").name, "");
    EXPECT_EQ(parse_front_matter("---\nname: x\n").name, "");
    EXPECT_EQ(parse_front_matter("").name, "");
    EXPECT_EQ(parse_front_matter("---").name, "");
    // A lone quote is kept as written.
    EXPECT_EQ(parse_front_matter("---\nname: \"x\n---\n").name, "\"x");
}

TEST(Skills, EveryEmbeddedSkillIsListedSortedWithFrontMatter) {
    const auto skills = list_skills();
    ASSERT_GE(skills.size(), 11u);
    for (std::size_t i = 1; i < skills.size(); ++i)
        EXPECT_LT(skills[i - 1].name, skills[i].name);
    for (const auto& s : skills) {
        EXPECT_FALSE(s.description.empty()) << s.name;
        EXPECT_EQ(s.name, s.file) << "front-matter name and file name agree";
        EXPECT_FALSE(s.content.empty());
    }
}

TEST(Skills, TableShape) {
    std::vector<Skill> skills(2);
    skills[0].name = "a-skill";
    skills[0].description = "Does a";
    skills[1].name = "b-skill";
    skills[1].scope = "contributor";
    EXPECT_EQ(skills_table(skills),
              "# Available pgmi Skills\n\n"
              "Use `pgmi ai skill <name>` to get full skill content.\n\n"
              "| Skill | Scope | Description |\n"
              "|-------|-------|-------------|\n"
              "| `a-skill` | core | Does a |\n"
              "| `b-skill` | contributor | (no description) |\n"
              "\nTotal: 2 skills\n");
}

TEST(Skills, FindByFileNameAndUnknownMessage) {
    const auto sql = find_skill("pgmi-sql");
    ASSERT_TRUE(sql);
    EXPECT_EQ(sql->content.substr(0, 4), "---\n");
    EXPECT_FALSE(find_skill("pgmi-sql.md"));
    EXPECT_FALSE(find_skill("../overview"));
    const std::string m = unknown_skill_message("nope");
    EXPECT_EQ(m.rfind("skill 'nope' not found. Available skills: pgmi-ci, pgmi-connections, ", 0),
              0u)
        << m;
    EXPECT_NE(m.find(", postgresql-patterns"), std::string::npos);
}

TEST(Skills, OverviewAndCoreAreEmbedded) {
    EXPECT_NE(overview().find("pgmi"), std::string_view::npos);
    EXPECT_NE(core().find("## Working rules for assistants"), std::string_view::npos);
}

}  // namespace
}  // namespace pgmi::ai
