// What the terminal allows: colour (NO_COLOR, CLICOLOR, CLICOLOR_FORCE, TERM=dumb), glyphs, and
// whether pgmi may prompt (interactive = stdin and stdout are TTYs, no CI, no
// PGMI_NON_INTERACTIVE=1).
#pragma once

#include <string>

#include "util/env.hpp"

namespace pgmi::ui {

struct Terminal {
    bool stderr_tty = false;
    bool color = false;        // SGR colours on stderr
    bool plain_icons = false;  // NO_COLOR: "ok"/"FAILED" instead of glyphs
    bool interactive = false;

    static Terminal detect(const EnvLookup& env);

    std::string ok_icon() const;
    std::string fail_icon() const;
};

}  // namespace pgmi::ui
