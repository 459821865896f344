// The root splash: what `pgmi` with no arguments shows at an interactive terminal (on stderr).
#pragma once

#include <string>

#include "ui/terminal.hpp"

namespace pgmi::ui {

/// The block-letter logo (6 lines), the tagline, and three first commands to try.
std::string splash_text(const Terminal& term);

}  // namespace pgmi::ui
