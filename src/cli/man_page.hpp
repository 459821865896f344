// Manual pages generated from the binary itself, so they cannot say something `--help` does not:
// `pgmi(1)` and one page per visible command (`pgmi-deploy(1)`, `pgmi-templates-list(1)`, ...)
// are the command's own `--help` text (render_help) cut into sections and typeset in roff;
// `pgmi-session(7)` and `pgmi-exit-codes(7)` are typeset from `pgmi ai contract` (the session SQL
// and util/error's exit codes). The hidden command `pgmi __man` lists the pages ("name section"
// per line) and `pgmi __man <name>` prints one; the build writes them all (cmake/gen_docs.cmake).
// A command added to the CLI gets its page without any change here.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/reporter.hpp"

namespace pgmi::cli {

struct ManPageName {
    std::string name;  // "pgmi-templates-list"
    int section = 1;
};

/// Every page: pgmi(1), one per visible command of `root`'s tree (depth first, by name), then
/// the section 7 pages.
std::vector<ManPageName> man_page_names(const CLI::App& root);

/// The roff source of page `name`, or "" when there is no such page. `version` goes to the
/// page footer.
std::string man_page(const CLI::App& root, std::string_view name, std::string_view version);

/// A command's help text (as render_help writes it) as the body of a section 1 page titled
/// `page` (the NAME line is the help's first paragraph). Exposed for the unit tests.
std::string help_to_roff(std::string_view help, std::string_view page, std::string_view version,
                         const std::vector<std::string>& see_also);

/// `text` escaped for roff: backslashes, hyphens, and a leading '.' or '\''.
std::string roff_escape(std::string_view text);

/// The hidden `__man` command: no argument lists the pages, one argument prints that page
/// (a usage error when there is no such page).
int man_command(const CLI::App& root, const std::vector<std::string>& args,
                const Reporter& reporter);

}  // namespace pgmi::cli
