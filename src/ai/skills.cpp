#include "ai/skills.hpp"

#include <algorithm>

#include "util/resources.hpp"
#include "util/strings.hpp"

namespace pgmi::ai {

namespace {

constexpr std::string_view kSkillDir = "ai/skills/";
constexpr std::string_view kAdvancedReadme = "templates/advanced/lib/README.md";

// One line of `doc` from `pos` (without its LF or CRLF); advances `pos` past the line end.
std::string_view next_line(std::string_view doc, std::size_t& pos) {
    const std::size_t end = std::min(doc.find('\n', pos), doc.size());
    std::string_view line = doc.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

std::string unquote(std::string_view v) {
    v = util::trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
    return std::string(v);
}

std::string_view resource(std::string_view path) {
    return resources::find(path).value_or(std::string_view{});
}

}  // namespace

FrontMatter parse_front_matter(std::string_view doc) {
    FrontMatter fm;
    std::size_t pos = 0;
    if (next_line(doc, pos) != "---" || pos > doc.size())
        return fm;
    while (pos <= doc.size()) {
        const std::string_view line = next_line(doc, pos);
        if (line == "---")
            return fm;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string key = util::to_lower(util::trim(line.substr(0, colon)));
        std::string value = unquote(line.substr(colon + 1));
        if (key == "name")
            fm.name = std::move(value);
        else if (key == "description")
            fm.description = std::move(value);
        else if (key == "scope")
            fm.scope = std::move(value);
    }
    return {};  // never closed: not a front matter
}

std::vector<Skill> list_skills() {
    std::vector<Skill> skills;
    for (const auto& e : resources::all()) {
        if (e.path.substr(0, kSkillDir.size()) != kSkillDir)
            continue;
        std::string_view file = e.path.substr(kSkillDir.size());
        if (file.find('/') != std::string_view::npos || file.size() <= 3 ||
            file.substr(file.size() - 3) != ".md")
            continue;
        file.remove_suffix(3);
        FrontMatter fm = parse_front_matter(e.content);
        Skill s;
        s.file = std::string(file);
        s.name = fm.name.empty() ? s.file : fm.name;
        s.scope = std::move(fm.scope);
        s.description = std::move(fm.description);
        s.content = e.content;
        skills.push_back(std::move(s));
    }
    if (auto readme = resources::find(kAdvancedReadme)) {
        Skill s;
        s.name = s.file = "advanced-template";
        s.scope = "advanced-template";
        s.description = parse_front_matter(*readme).description;
        s.content = *readme;
        s.virtual_entry = true;
        skills.push_back(std::move(s));
    }
    std::sort(skills.begin(), skills.end(),
              [](const Skill& a, const Skill& b) { return a.name < b.name; });
    return skills;
}

std::optional<Skill> find_skill(std::string_view name) {
    for (auto& s : list_skills()) {
        if (!s.virtual_entry && s.file == name)
            return s;
    }
    return std::nullopt;
}

std::string skills_table(const std::vector<Skill>& skills) {
    std::string out =
        "# Available pgmi Skills\n\n"
        "Use `pgmi ai skill <name>` to get full skill content.\n\n"
        "| Skill | Scope | Description |\n"
        "|-------|-------|-------------|\n";
    for (const auto& s : skills) {
        out += "| `" + s.name + "` | " + (s.scope.empty() ? "core" : s.scope) + " | " +
               (s.description.empty() ? "(no description)" : s.description) + " |\n";
    }
    out += "\nTotal: " + std::to_string(skills.size()) + " skills\n";
    return out;
}

std::string unknown_skill_message(std::string_view name) {
    std::vector<std::string> files;
    for (const auto& s : list_skills()) {
        if (!s.virtual_entry)
            files.push_back(s.file);
    }
    std::sort(files.begin(), files.end());
    std::string joined;
    for (const auto& f : files)
        joined += (joined.empty() ? "" : ", ") + f;
    return "skill '" + std::string(name) + "' not found. Available skills: " + joined;
}

std::string_view overview() {
    return resource("ai/overview.md");
}

std::string_view core() {
    return resource("ai/core.md");
}

}  // namespace pgmi::ai
