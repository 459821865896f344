#include "ui/terminal.hpp"

#include <unistd.h>

namespace pgmi::ui {

Terminal Terminal::detect(const EnvLookup& env) {
    Terminal t;
    t.stderr_tty = isatty(STDERR_FILENO) != 0;
    t.plain_icons = non_empty(env, "NO_COLOR").has_value();
    const auto term = env("TERM");
    const auto clicolor = env("CLICOLOR");
    const auto force = non_empty(env, "CLICOLOR_FORCE");
    if (t.plain_icons) {
        t.color = false;
    } else if (force && *force != "0") {
        t.color = true;
    } else {
        t.color = t.stderr_tty && !(term && *term == "dumb") && !(clicolor && *clicolor == "0");
    }
    const auto ni = env("PGMI_NON_INTERACTIVE");
    t.interactive = !(ni && *ni == "1") && !non_empty(env, "CI") && isatty(STDIN_FILENO) != 0 &&
                    isatty(STDOUT_FILENO) != 0;
    return t;
}

std::string Terminal::ok_icon() const {
    if (plain_icons)
        return "ok";
    return color ? "\x1b[32m\u2713\x1b[0m" : "\u2713";
}

std::string Terminal::fail_icon() const {
    if (plain_icons)
        return "FAILED";
    return color ? "\x1b[31m\u2717\x1b[0m" : "\u2717";
}

}  // namespace pgmi::ui
