// Human output on stderr: the one-line summary, the error block (compiler-style location,
// DETAIL/HINT/CONTEXT, the source line with a caret) and forwarded server notices.
// Text from outside the binary (server messages, file names, source lines) is redacted and then
// made terminal-safe: a hostile server must not be able to move the cursor, retitle the window
// or hide lines with escape sequences. Done for every human output, not only on a TTY, because
// logs written by CI end up in a terminal too; --json is not touched (JSON escapes them).
#pragma once

#include <chrono>
#include <string>

#include "report/outcome.hpp"
#include "report/redact.hpp"
#include "ui/terminal.hpp"

namespace pgmi::report {

/// "✓ app: 7 files loaded in 0.41s" / "✗ app: failed after 0.20s (unit 3 of 5 failed; ...)".
std::string summary_line(const Outcome& outcome, const ui::Terminal& term);

/// The "pgmi: error: ..." block, redacted; empty when the outcome succeeded. Where the failure
/// is located: `file:line:col:`, then a short excerpt (the lines around it, the caret). The
/// server's CONTEXT (which for an EXECUTEd file repeats the whole file) only when `verbose`.
std::string error_block(const Outcome& outcome, const Redactor& redact, bool verbose = false);

/// A server CONTEXT without pgmi's own frames (pg_temp.pgmi_* functions such as the test
/// runner, and the statements that call them): they say nothing about the user's code.
std::string without_internal_frames(std::string_view context);

/// A plain error without an outcome (usage and offline failures).
std::string error_block(const Error& error, const Redactor& redact);

/// True when a notice is shown with its severity label: WARNING and above. NOTICE, INFO, LOG
/// and DEBUG are the project's own output (TAP lines, progress a CI job greps) and stay bare.
bool notice_is_labelled(const ServerError& notice);

/// One forwarded notice: the message alone for NOTICE and below, "WARNING: message" (the label
/// coloured when `term` allows) for WARNING and above; then DETAIL/HINT lines (and CONTEXT when
/// verbose), redacted and terminal-safe; with verbose every line is prefixed by seconds since
/// `start`.
std::string notice_text(const ServerError& notice, bool verbose,
                        std::chrono::steady_clock::time_point start, const Redactor& redact,
                        const ui::Terminal& term);

/// `text` with every byte a terminal would act on made visible: C0 controls other than \n and
/// \t in caret notation ("\x1b" -> "^[", "\r" -> "^M"), DEL as "^?", C1 controls as "<U+009B>"
/// (UTF-8 encoded) or "\x9b" (a lone byte outside valid UTF-8). Linear; other bytes unchanged.
std::string terminal_safe(std::string_view text);

}  // namespace pgmi::report
