// `pgmi ai setup` / `pgmi ai check`: the guidance files written for coding assistants.
// Each assistant gets either a skill set (a directory with SKILL.md wrapping the core guidance
// plus one raw file per skill) or one file wrapping the core guidance. Every written file ends
// with a managed stamp (version, source, SHA-256 of the file with the checksum value blank), so
// a hand edit is detected and never overwritten without --force. Files are read and written
// through util/file.hpp (no symlink followed, size cap, atomic replace); dirs 0755, files 0644.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace pgmi::ai {

enum class Layout { SkillSet, SingleFile };

struct Assistant {
    std::string_view name;
    Layout layout;
    std::string_view local;    // relative to the project directory
    std::string_view global;   // relative to $HOME; empty = no --global target
    std::string_view wrapper;  // single files: text around {{CORE}}
};

/// The eleven assistants, in the documented order.
const std::vector<Assistant>& assistants();
const Assistant* find_assistant(std::string_view name);
/// "claude, agents, ..." for messages.
std::string supported_list();
/// The assistants of --all.
std::vector<std::string> all_assistants();

// ---- the managed stamp ----------------------------------------------------------------------

/// CRLF -> LF and trailing newlines folded to exactly one.
std::string normalize_body(std::string_view body);

/// normalize_body(body) + "\n<!-- pgmi:managed ... -->\n" with the checksum filled in.
std::string stamp(std::string_view body, std::string_view version);

struct StampCheck {
    bool valid = false;   // a checksum is recorded and matches (else: hand-edited)
    std::string version;  // as recorded, empty when unknown
    std::string body;     // the text before the stamp (normalised)
};

/// Reads the stamp of a file's text (CRLF read as LF).
StampCheck inspect(std::string_view text);

// ---- planning and applying -------------------------------------------------------------------

struct PlannedFile {
    std::filesystem::path path;  // absolute
    std::string content;         // stamped
};

/// The files of one assistant under `base` (project directory, or $HOME with `global`).
/// Errors: General when `global` is not supported by the assistant.
Result<std::vector<PlannedFile>> plan(const Assistant& assistant, bool global,
                                      const std::filesystem::path& base, std::string_view version);

enum class FileState { Missing, Edited, Unchanged, Stale };

/// How the file on disk relates to the planned one (`existing` nullopt = missing): no valid
/// stamp = Edited; same normalised body (any version) = Unchanged; else Stale.
FileState classify(const std::optional<std::string>& existing, const PlannedFile& planned);

enum class PointerChoice { Ask, Yes, No };

struct SetupOptions {
    std::vector<std::string> assistants;  // resolved names
    bool global = false;
    bool dry_run = false;
    bool force = false;
    PointerChoice claude_md = PointerChoice::Ask;
    std::filesystem::path cwd;   // the project directory
    std::filesystem::path home;  // $HOME
    std::string version;
    std::function<bool()> ask_pointer;             // interactive prompt; empty = never ask
    std::function<void(std::string_view)> report;  // one stderr line (without newline)
};

/// Writes (or, dry run, reports) every planned file. Conflicts left unchanged are a General
/// error "N file(s) hand-edited and left unchanged; re-run with --force to overwrite".
Status setup(const SetupOptions& options);

struct CheckOptions {
    std::string assistant;
    bool global = false;
    std::filesystem::path cwd;
    std::filesystem::path home;
    std::string version;
    std::function<void(std::string_view)> report;
};

/// Reports every planned file; a General error when any is missing, stale or hand-edited.
Status check(const CheckOptions& options);

/// The CLAUDE.md text after adding or replacing the pgmi pointer block.
std::string with_pointer(const std::optional<std::string>& existing);

}  // namespace pgmi::ai
