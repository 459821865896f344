// Long documents (`pgmi ai ...`) shown through the user's pager when a person reads them at a
// terminal: only when interactive (see terminal.hpp); the command comes from $PGMI_PAGER, else
// $PAGER, else `less -R`, split at white space and run without a shell. `cat`, an empty
// command, or a pager that cannot start means plain stdout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ui/terminal.hpp"
#include "util/env.hpp"

namespace pgmi::ui {

/// The pager argv for an interactive terminal; empty = write to stdout directly.
std::vector<std::string> pager_command(const EnvLookup& env);

/// Writes `text` to stdout, through the pager when `terminal.interactive`.
void page(std::string_view text, const Terminal& terminal, const EnvLookup& env);

}  // namespace pgmi::ui
