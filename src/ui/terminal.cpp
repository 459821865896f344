#include "ui/terminal.hpp"

#include <unistd.h>

namespace pgmi::ui {

namespace {

bool color_for(const EnvLookup& env, bool tty) {
    if (non_empty(env, "NO_COLOR"))
        return false;
    const auto force = non_empty(env, "CLICOLOR_FORCE");
    if (force && *force != "0")
        return true;
    const auto term = env("TERM");
    const auto clicolor = env("CLICOLOR");
    return tty && !(term && *term == "dumb") && !(clicolor && *clicolor == "0");
}

}  // namespace

Ttys Ttys::detect() {
    return Ttys{.in = isatty(STDIN_FILENO) != 0,
                .out = isatty(STDOUT_FILENO) != 0,
                .err = isatty(STDERR_FILENO) != 0};
}

bool non_interactive_env(const EnvLookup& env) {
    const auto ni = env("PGMI_NON_INTERACTIVE");
    return (ni && *ni == "1") || non_empty(env, "CI").has_value();
}

Terminal Terminal::from(const EnvLookup& env, const Ttys& ttys) {
    Terminal t;
    t.stderr_tty = ttys.err;
    t.stdout_tty = ttys.out;
    t.stdin_tty = ttys.in;
    t.plain_icons = non_empty(env, "NO_COLOR").has_value();
    t.color = color_for(env, ttys.err);
    t.stdout_color = color_for(env, ttys.out);
    t.interactive = !non_interactive_env(env) && ttys.in && ttys.out;
    return t;
}

Terminal Terminal::detect(const EnvLookup& env) {
    return from(env, Ttys::detect());
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

std::string Terminal::paint(std::string_view code, std::string_view text) const {
    return sgr(color, code, text);
}

std::string Terminal::paint_out(std::string_view code, std::string_view text) const {
    return sgr(stdout_color, code, text);
}

std::string sgr(bool on, std::string_view code, std::string_view text) {
    if (!on)
        return std::string(text);
    std::string out = "\x1b[";
    out += code;
    out += 'm';
    out += text;
    out += "\x1b[0m";
    return out;
}

}  // namespace pgmi::ui
