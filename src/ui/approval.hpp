// Approval to drop and recreate an existing database (`--overwrite`, connections §10.4):
//   --force, no terminal:   one line, approved at once;
//   --force, terminal:      danger banner (unless PGMI_NO_BANNER) and a 5-second countdown
//                           redrawn in place, Ctrl-C aborts;
//   no --force, terminal:   the user types the database name (exact match) or it is cancelled;
//   no --force, no terminal: refused (exit 12) without prompting.
// Prompt and countdown run under the deploy deadline and stop on SIGINT/SIGTERM.
#pragma once

#include <string>
#include <string_view>

#include "util/deadline.hpp"
#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::ui {

struct OverwriteApproval {
    bool interactive = false;  // stdin and stdout are terminals, no CI, no PGMI_NON_INTERACTIVE=1
    bool force = false;        // --force
    bool banner = true;        // the danger banner before the countdown (off: PGMI_NO_BANNER)
    int countdown_seconds = 5;
    int input_fd = 0;   // the typed name is read here
    int output_fd = 2;  // prompts, banner and countdown go here

    /// Settings for this process: its terminal and environment.
    static OverwriteApproval detect(const EnvLookup& env, bool force);
};

/// Asks to drop and recreate `database`. Errors: Approval (12) with a message starting
/// "approval denied"; Timeout (16) when the deadline passes while waiting; Interrupted (130) /
/// Terminated on SIGINT / SIGTERM.
Status approve_overwrite(std::string_view database, const OverwriteApproval& how,
                         const Deadline& deadline);

/// The boxed danger banner naming `database` (several lines, ends with a newline).
std::string danger_banner(std::string_view database);

}  // namespace pgmi::ui
