#include "ui/splash.hpp"

#include <array>
#include <string_view>

namespace pgmi::ui {

namespace {

constexpr std::array<std::string_view, 6> kLogo = {
    "\u2588\u2588\u2588\u2588\u2588\u2588    \u2588\u2588\u2588\u2588\u2588\u2588   "
    "\u2588\u2588\u2588    \u2588\u2588\u2588  \u2588\u2588",
    "\u2588\u2588   \u2588\u2588  \u2588\u2588        \u2588\u2588\u2588\u2588  "
    "\u2588\u2588\u2588\u2588  \u2588\u2588",
    "\u2588\u2588   \u2588\u2588  \u2588\u2588        \u2588\u2588 \u2588\u2588\u2588\u2588 "
    "\u2588\u2588  \u2588\u2588",
    "\u2588\u2588\u2588\u2588\u2588\u2588   \u2588\u2588  \u2588\u2588\u2588\u2588  "
    "\u2588\u2588  \u2588\u2588  \u2588\u2588  \u2588\u2588",
    "\u2588\u2588       \u2588\u2588    \u2588\u2588  \u2588\u2588      \u2588\u2588  \u2588\u2588",
    "\u2588\u2588        \u2588\u2588\u2588\u2588\u2588\u2588   \u2588\u2588      \u2588\u2588  "
    "\u2588\u2588",
};

struct Example {
    std::string_view command;
    std::string_view gloss;
};

constexpr std::array<Example, 3> kExamples = {{
    {"pgmi init demo", "scaffold a project: migrations, tests, deploy.sql"},
    {"pgmi deploy ./demo --ephemeral", "deploy it to a throwaway local PostgreSQL"},
    {"pgmi --help", "every command and flag"},
}};

}  // namespace

std::string splash_text(const Terminal& term) {
    std::string out = "\n";
    for (const auto line : kLogo) {
        out += "  ";
        out += term.paint("36", line);
        out += '\n';
    }
    out += "\n  ";
    out += term.paint("1", "PostgreSQL-native deployment driver.");
    out += "\n\n";
    for (const auto& e : kExamples) {
        std::string cmd(e.command);
        cmd.resize(34, ' ');
        out += "  ";
        out += term.paint("32", cmd);
        out += term.paint("2", e.gloss);
        out += '\n';
    }
    out += '\n';
    return out;
}

}  // namespace pgmi::ui
