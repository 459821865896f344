// `pgmi completion bash|zsh|fish|powershell` prints a shell script; the script asks the hidden
// `pgmi __complete <words...>` (`__completeNoDesc` without descriptions) for candidates.
//
// Protocol of __complete: the words after "pgmi", the last one being completed (possibly "");
// output one candidate per line (`value` or `value\tdescription`), then `:<directive>`, where the
// directive's bits are 1 error, 2 no space after the candidate, 4 no file completion,
// 8 filter file extensions, 16 directories only, 32 keep the given order.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/reporter.hpp"

namespace pgmi::cli {

namespace directive {
inline constexpr int kDefault = 0;  // no candidates: the shell completes file names
inline constexpr int kError = 1;
inline constexpr int kNoSpace = 2;
inline constexpr int kNoFiles = 4;
inline constexpr int kFilterExt = 8;
inline constexpr int kDirsOnly = 16;
inline constexpr int kKeepOrder = 32;
}  // namespace directive

struct Completions {
    std::vector<std::pair<std::string, std::string>> items;  // value, description
    int directive = directive::kDefault;
};

/// Candidates for `words` (after "pgmi"; the last is the word being completed) in `root`'s
/// command tree.
Completions complete(const CLI::App& root, const std::vector<std::string>& words);

/// The __complete output for `words` (see the protocol above).
std::string complete_output(const CLI::App& root, const std::vector<std::string>& words,
                            bool descriptions);

/// The completion script for `shell` (bash, zsh, fish, powershell); empty when unknown.
std::string completion_script(std::string_view shell);

/// Adds `completion` and the hidden `__complete` / `__completeNoDesc` commands.
void add_completion_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
