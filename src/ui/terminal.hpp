// What the terminal allows: colour (NO_COLOR, CLICOLOR, CLICOLOR_FORCE, TERM=dumb), glyphs, and
// whether pgmi may prompt (interactive = stdin and stdout are TTYs, no CI, no
// PGMI_NON_INTERACTIVE=1).
#pragma once

#include <string>
#include <string_view>

#include "util/env.hpp"

namespace pgmi::ui {

/// Which of the standard streams are terminals.
struct Ttys {
    bool in = false;
    bool out = false;
    bool err = false;

    /// isatty() of fds 0, 1 and 2.
    static Ttys detect();
};

struct Terminal {
    bool stderr_tty = false;
    bool stdout_tty = false;
    bool stdin_tty = false;
    bool color = false;         // SGR colours on stderr
    bool stdout_color = false;  // SGR colours on stdout (same rules, judged on stdout)
    bool plain_icons = false;   // NO_COLOR: "ok"/"FAILED" instead of glyphs
    bool interactive = false;

    static Terminal detect(const EnvLookup& env);
    /// The same decision for given streams (tests).
    static Terminal from(const EnvLookup& env, const Ttys& ttys);

    std::string ok_icon() const;
    std::string fail_icon() const;

    /// `text` wrapped in an SGR sequence (e.g. "1" bold, "36" cyan) when stderr has colour.
    std::string paint(std::string_view sgr, std::string_view text) const;
    /// Same for stdout.
    std::string paint_out(std::string_view sgr, std::string_view text) const;
};

/// CI or PGMI_NON_INTERACTIVE=1: never prompt, whatever the streams are.
bool non_interactive_env(const EnvLookup& env);

/// `text` wrapped in "\x1b[<sgr>m" ... "\x1b[0m" when `on`, else unchanged.
std::string sgr(bool on, std::string_view code, std::string_view text);

}  // namespace pgmi::ui
