// Human output on stderr: the one-line summary, the error block (compiler-style location,
// DETAIL/HINT/CONTEXT, the source line with a caret) and forwarded server notices.
#pragma once

#include <chrono>
#include <string>

#include "report/outcome.hpp"
#include "report/redact.hpp"
#include "ui/terminal.hpp"

namespace pgmi::report {

/// "✓ app: 7 files loaded in 0.41s" / "✗ app: failed after 0.20s (unit 3 of 5 failed; ...)".
std::string summary_line(const Outcome& outcome, const ui::Terminal& term);

/// The "pgmi: error: ..." block, redacted; empty when the outcome succeeded.
std::string error_block(const Outcome& outcome, const Redactor& redact);

/// A plain error without an outcome (usage and offline failures).
std::string error_block(const Error& error, const Redactor& redact);

/// One forwarded notice: "<SEVERITY>: message" plus DETAIL/HINT lines (and CONTEXT when
/// verbose); with verbose every line is prefixed by seconds since `start`.
std::string notice_text(const ServerError& notice, bool verbose,
                        std::chrono::steady_clock::time_point start);

}  // namespace pgmi::report
