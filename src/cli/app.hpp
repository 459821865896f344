// The pgmi command line: parses argv, runs one command, maps its error to the exit code.
// The root owns what every command shares: help (`--help`, `pgmi help <cmd>`), the splash of a
// bare `pgmi` at a terminal, `--version`, completion requests, and unknown commands with
// "Did you mean this?" suggestions. Usage errors exit 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::cli {

/// Runs pgmi with the process arguments and returns the process exit code. Every exit it
/// controls keeps the output contract, also when a command throws (std::bad_alloc included).
int run(int argc, char** argv);

/// The answer to an exception that escaped a command: "pgmi: internal error: <what>" on stderr
/// and, with `json`, one JSON envelope (status failed, exitCode 3) on stdout; returns 3. When
/// memory is too short to build these, fixed texts are written instead.
int unexpected_error(std::string_view what, bool json) noexcept;

/// Help of any command of the tree: description, Usage, Examples (from the footer),
/// Available Commands, Flags and the "more information" line. `with_description` false leaves
/// out the description (the usage block of error messages).
std::string render_help(const CLI::App& cmd, bool with_description = true);

/// `text` with each line longer than `width` wrapped at spaces; lines that start with a space
/// (examples, lists) are kept as they are.
std::string wrap_text(const std::string& text, std::size_t width);

/// True for a command shown in help (hidden commands have an empty group).
bool visible(const CLI::App* app);

/// The visible subcommands of `app`, sorted by name.
std::vector<const CLI::App*> visible_subcommands(const CLI::App& app);

/// Levenshtein distance over bytes, ASCII case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Names from `candidates` close to `typed` (distance <= 2, or starting with `typed`), closest
/// first.
std::vector<std::string> suggestions(std::string_view typed,
                                     const std::vector<std::string>& candidates);

}  // namespace pgmi::cli
