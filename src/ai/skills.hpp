// The guidance embedded under resources/ai/: the overview (`pgmi ai`), the core text every
// assistant file wraps, and the skills (resources/ai/skills/<name>.md, each opening with a
// `---` front matter of name/description/scope). Everything here reads embedded resources only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::ai {

struct FrontMatter {
    std::string name;  // empty when absent
    std::string description;
    std::string scope;
};

/// The `---` block at the very start of `doc` (LF or CRLF lines; values trimmed, one pair of
/// matching quotes removed). Fields absent from the block, or a document without one, are empty.
FrontMatter parse_front_matter(std::string_view doc);

struct Skill {
    std::string name;         // front-matter name, else the file name without .md
    std::string file;         // file name without .md (what `ai skill <name>` looks up)
    std::string scope;        // empty = core
    std::string description;  // empty = none
    std::string_view content;
    bool virtual_entry = false;  // listed only (advanced template's lib/README.md)
};

/// Every skill, sorted by name: the embedded skills/*.md plus the virtual `advanced-template`
/// when that template is embedded.
std::vector<Skill> list_skills();

/// The embedded skill whose file name is `name` (virtual entries are not fetchable).
std::optional<Skill> find_skill(std::string_view name);

/// The `ai skills` document: heading, usage line, the markdown table, `Total: N skills`.
std::string skills_table(const std::vector<Skill>& skills);

/// `skill '<name>' not found. Available skills: a, b, ...` (fetchable skills, sorted).
std::string unknown_skill_message(std::string_view name);

/// resources/ai/overview.md and resources/ai/core.md.
std::string_view overview();
std::string_view core();

}  // namespace pgmi::ai
