#include "ai/setup.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "ai/skills.hpp"
#include "util/digest.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::ai {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStampOpen = "<!-- pgmi:managed\n";
constexpr std::string_view kSource = "github.com/vvka-141/pgmi";
constexpr std::string_view kCore = "{{CORE}}";
constexpr std::size_t kMaxGuidanceFile = 16 * util::kMiB;  // larger is not a file pgmi wrote

constexpr std::string_view kPlainWrapper =
    "<!-- pgmi guidance for coding assistants: run `pgmi ai` for the overview and `pgmi ai "
    "skills` for the depth guides. -->\n\n{{CORE}}";
constexpr std::string_view kCursorWrapper =
    "---\n"
    "description: pgmi - PostgreSQL deployments programmed in deploy.sql (session API, "
    "deploy and test workflow)\n"
    "alwaysApply: true\n"
    "---\n\n{{CORE}}";

constexpr std::string_view kSkillDescription =
    "Use when working in a pgmi project (deploy.sql or pgmi.yaml present): writing or reviewing "
    "deploy.sql, migrations, <pgmi-meta> blocks or __test__ files, reading the session views, or "
    "diagnosing a failed pgmi deploy.";

constexpr std::string_view kPointerBegin = "<!-- pgmi:begin -->";
constexpr std::string_view kPointerEnd = "<!-- pgmi:end -->";
constexpr std::string_view kPointerLine =
    "This project deploys PostgreSQL with pgmi: read .claude/skills/pgmi/ and run `pgmi ai` "
    "before changing deploy.sql or its SQL files.";

std::string stamp_with(std::string_view normalized, std::string_view version,
                       std::string_view checksum) {
    return fmt::format("{}\n{}version: {}\nsource: {}\nchecksum: {}\n-->\n", normalized, kStampOpen,
                       version, kSource, checksum);
}

std::string wrap(std::string_view wrapper, std::string_view core) {
    std::string out(wrapper);
    const std::size_t at = out.find(kCore);
    if (at != std::string::npos)
        out.replace(at, kCore.size(), core);
    return out;
}

std::string skill_md(const std::vector<Skill>& skills) {
    std::string out = fmt::format("---\nname: pgmi\ndescription: {}\n---\n\n", kSkillDescription);
    out += normalize_body(core());
    out += "\n## Depth files\n\nRead the file that matches the task:\n\n";
    for (const auto& s : skills) {
        out += fmt::format("- `${{CLAUDE_SKILL_DIR}}/{}.md` \u2014 {}\n", s.file,
                           s.description.empty() ? "(no description)" : s.description);
    }
    return out;
}

std::string display(const fs::path& path, const fs::path& cwd) {
    const fs::path rel = path.lexically_relative(cwd);
    if (!rel.empty() && rel.native().rfind("..", 0) != 0)
        return rel.string();
    return path.string();
}

// The file's content, nullopt when it does not exist. A symlink is refused, not followed, and
// only a regular file of a sane size is read.
Result<std::optional<std::string>> read_existing(const fs::path& path) {
    util::ReadOptions options;
    options.max_bytes = kMaxGuidanceFile;
    auto read = util::read_regular_file(path, options);
    if (read.missing())
        return std::optional<std::string>{};
    if (!read)
        return read.to_error(ErrorKind::General);
    return std::optional<std::string>(std::move(read).value());
}

Status make_dirs(const fs::path& dir) {
    if (dir.empty())
        return Status::ok();
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return Status::ok();
        return make_error(ErrorKind::General,
                          fmt::format("cannot create {}: not a directory", dir.string()));
    }
    if (auto s = make_dirs(dir.parent_path()); !s)
        return s;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return make_error(ErrorKind::General, fmt::format("cannot create directory {}: {}",
                                                          dir.string(), std::strerror(errno)));
    ::chmod(dir.c_str(), 0755);  // whatever the umask
    return Status::ok();
}

// Parents created 0755; the file replaced atomically (util::write_file_atomic), mode 0644.
Status write_managed_file(const fs::path& path, std::string_view content) {
    if (auto s = make_dirs(path.parent_path()); !s)
        return s;
    util::WriteOptions options;
    options.mode = 0644;
    options.exact_mode = true;
    return util::write_file_atomic(path, content, options);
}

}  // namespace

const std::vector<Assistant>& assistants() {
    static const std::vector<Assistant> all = {
        {"claude", Layout::SkillSet, ".claude/skills/pgmi", ".claude/skills/pgmi", ""},
        {"agents", Layout::SingleFile, "AGENTS.md", "AGENTS.md", kPlainWrapper},
        {"codex", Layout::SingleFile, "AGENTS.md", ".codex/AGENTS.md", kPlainWrapper},
        {"opencode", Layout::SingleFile, "AGENTS.md", ".config/opencode/AGENTS.md", kPlainWrapper},
        {"codex-skills", Layout::SkillSet, ".codex/skills/pgmi", ".codex/skills/pgmi", ""},
        {"antigravity", Layout::SkillSet, ".agents/skills/pgmi", "", ""},
        {"cursor", Layout::SingleFile, ".cursor/rules/pgmi.mdc", "", kCursorWrapper},
        {"copilot", Layout::SingleFile, ".github/copilot-instructions.md", "", kPlainWrapper},
        {"windsurf", Layout::SingleFile, ".windsurf/rules/pgmi.md", "", kPlainWrapper},
        {"cline", Layout::SingleFile, ".clinerules/pgmi.md", "", kPlainWrapper},
        {"gemini", Layout::SingleFile, "GEMINI.md", ".gemini/GEMINI.md", kPlainWrapper},
    };
    return all;
}

const Assistant* find_assistant(std::string_view name) {
    for (const auto& a : assistants()) {
        if (a.name == name)
            return &a;
    }
    return nullptr;
}

std::string supported_list() {
    std::string out;
    for (const auto& a : assistants())
        out += fmt::format("{}{}", out.empty() ? "" : ", ", a.name);
    return out;
}

std::vector<std::string> all_assistants() {
    return {"claude",  "agents",   "codex-skills", "antigravity", "cursor",
            "copilot", "windsurf", "cline",        "gemini"};
}

std::string normalize_body(std::string_view body) {
    std::string out = util::crlf_to_lf(body);
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    out += '\n';
    return out;
}

std::string stamp(std::string_view body, std::string_view version) {
    const std::string normalized = normalize_body(body);
    return stamp_with(normalized, version, util::sha256_hex(stamp_with(normalized, version, "")));
}

StampCheck inspect(std::string_view raw) {
    const std::string text = util::crlf_to_lf(raw);
    StampCheck result;
    const std::size_t open = text.rfind(kStampOpen);
    if (open == std::string::npos)
        return result;
    result.body = text.substr(0, open > 0 && text[open - 1] == '\n' ? open - 1 : open);
    const std::size_t close = text.find("-->", open);
    if (close == std::string::npos)
        return result;
    // Fields of the stamp, one per line; the checksum's value is blanked for re-hashing.
    std::string blanked = text.substr(0, open + kStampOpen.size());
    std::string checksum;
    std::size_t pos = open + kStampOpen.size();
    while (pos < close) {
        const std::size_t eol = std::min(text.find('\n', pos), close);
        const std::string_view line = std::string_view(text).substr(pos, eol - pos);
        if (line.rfind("version: ", 0) == 0)
            result.version = std::string(line.substr(9));
        if (line.rfind("checksum: ", 0) == 0) {
            checksum = std::string(line.substr(10));
            blanked += "checksum: ";
        } else {
            blanked += line;
        }
        if (eol < close)
            blanked += '\n';
        pos = eol + 1;
    }
    blanked += text.substr(close);
    result.valid = !checksum.empty() && util::sha256_hex(blanked) == checksum;
    return result;
}

Result<std::vector<PlannedFile>> plan(const Assistant& assistant, bool global, const fs::path& base,
                                      std::string_view version) {
    if (global && assistant.global.empty())
        return make_error(
            ErrorKind::General,
            fmt::format("assistant \"{}\" does not support --global", assistant.name));
    const fs::path target = base / (global ? assistant.global : assistant.local);
    std::vector<PlannedFile> files;
    if (assistant.layout == Layout::SingleFile) {
        files.push_back({target, stamp(wrap(assistant.wrapper, normalize_body(core())), version)});
        return files;
    }
    std::vector<Skill> skills;
    for (auto& s : list_skills()) {
        if (!s.virtual_entry)
            skills.push_back(std::move(s));
    }
    files.push_back({target / "SKILL.md", stamp(skill_md(skills), version)});
    for (const auto& s : skills)
        files.push_back({target / (s.file + ".md"), stamp(s.content, version)});
    return files;
}

FileState classify(const std::optional<std::string>& existing, const PlannedFile& planned) {
    if (!existing)
        return FileState::Missing;
    const StampCheck found = inspect(*existing);
    if (!found.valid)
        return FileState::Edited;
    return found.body == inspect(planned.content).body ? FileState::Unchanged : FileState::Stale;
}

std::string with_pointer(const std::optional<std::string>& existing) {
    std::string block = fmt::format("{}\n{}\n{}\n", kPointerBegin, kPointerLine, kPointerEnd);
    if (!existing)
        return block;
    std::string text = *existing;
    const std::size_t begin = text.find(kPointerBegin);
    if (begin != std::string::npos) {
        std::size_t end = text.find(kPointerEnd, begin);
        if (end == std::string::npos) {
            end = text.size();
        } else {
            end += kPointerEnd.size();
            if (end < text.size() && text[end] == '\n')
                ++end;
        }
        return text.replace(begin, end - begin, block);
    }
    if (!text.empty()) {
        if (text.back() != '\n')
            text += '\n';
        text += '\n';
    }
    return text + block;
}

Status setup(const SetupOptions& o) {
    const fs::path base = o.global ? o.home : o.cwd;
    std::size_t conflicts = 0;
    bool includes_claude = false;
    auto line = [&](std::string_view verb, const fs::path& p, std::string_view suffix = "") {
        o.report(fmt::format("{:<10} {}{}", verb, display(p, o.cwd), suffix));
    };
    for (const auto& name : o.assistants) {
        const Assistant* a = find_assistant(name);
        if (a == nullptr)
            return make_error(
                ErrorKind::Usage,
                fmt::format("usage error: unsupported assistant \"{}\" (supported: {})", name,
                            supported_list()));
        includes_claude = includes_claude || a->name == "claude";
        auto files = plan(*a, o.global, base, o.version);
        if (!files)
            return std::move(files).error();
        for (const auto& f : *files) {
            auto existing = read_existing(f.path);
            if (!existing)
                return std::move(existing).error();
            const FileState state = classify(*existing, f);
            if (state == FileState::Unchanged)
                continue;
            if (state == FileState::Edited && !o.force) {
                ++conflicts;
                line("edited", f.path, " (hand-edited; re-run with --force to overwrite)");
                continue;
            }
            const std::string_view verb = state == FileState::Missing  ? "create"
                                          : state == FileState::Edited ? "overwrite"
                                                                       : "update";
            if (o.dry_run) {
                line(fmt::format("would {}", verb), f.path);
                continue;
            }
            if (auto s = write_managed_file(f.path, f.content); !s)
                return s;
            line(state == FileState::Missing  ? "created"
                 : state == FileState::Edited ? "overwrote"
                                              : "updated",
                 f.path);
        }
    }

    if (includes_claude && !o.global && o.claude_md != PointerChoice::No) {
        const fs::path claude_md = o.cwd / "CLAUDE.md";
        if (o.dry_run) {
            if (o.claude_md == PointerChoice::Yes)
                o.report(fmt::format("{:<10} CLAUDE.md (pgmi pointer)", "update"));
        } else if (o.claude_md == PointerChoice::Yes || (o.ask_pointer && o.ask_pointer())) {
            auto existing = read_existing(claude_md);
            if (!existing)
                return std::move(existing).error();
            const std::string next = with_pointer(*existing);
            if (!*existing || next != **existing) {
                if (auto s = write_managed_file(claude_md, next); !s)
                    return s;
                o.report(fmt::format("{:<10} CLAUDE.md (pgmi pointer)", "updated"));
            }
        }
    }

    if (o.dry_run)
        o.report("Dry run: no files written.");
    if (conflicts > 0)
        return make_error(ErrorKind::General,
                          fmt::format("{} file(s) hand-edited and left unchanged; re-run with "
                                      "--force to overwrite",
                                      conflicts));
    return Status::ok();
}

Status check(const CheckOptions& o) {
    const Assistant* a = find_assistant(o.assistant);
    if (a == nullptr)
        return make_error(ErrorKind::Usage,
                          fmt::format("usage error: unsupported assistant \"{}\" (supported: {})",
                                      o.assistant, supported_list()));
    auto files = plan(*a, o.global, o.global ? o.home : o.cwd, o.version);
    if (!files)
        return std::move(files).error();
    bool all_current = true;
    for (const auto& f : *files) {
        auto existing = read_existing(f.path);
        if (!existing)
            return std::move(existing).error();
        const std::string shown = display(f.path, o.cwd);
        switch (classify(*existing, f)) {
            case FileState::Missing:
                o.report(fmt::format("{:<8} {}", "missing", shown));
                break;
            case FileState::Edited:
                o.report(fmt::format("{:<8} {} (hand-edited since generation)", "edited", shown));
                break;
            case FileState::Stale: {
                const std::string v = inspect(**existing).version;
                o.report(fmt::format("{:<8} {} (generated by pgmi {}, binary is {})", "stale",
                                     shown, v.empty() ? "unknown" : v, o.version));
                break;
            }
            case FileState::Unchanged:
                o.report(fmt::format("{:<8} {} (content is current)", "current", shown));
                continue;
        }
        all_current = false;
    }
    if (!all_current)
        return make_error(ErrorKind::General,
                          fmt::format("guidance missing, stale, or hand-edited; run `pgmi ai "
                                      "setup --assistant {}`",
                                      a->name));
    return Status::ok();
}

}  // namespace pgmi::ai
