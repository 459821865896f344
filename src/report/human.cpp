#include "report/human.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pgmi::report {

namespace {

double seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(d.count()) / 1e9;
}

/// Redacted first (a secret is matched on the bytes as they came), then made terminal-safe.
std::string shown(std::string_view text, const Redactor& redact) {
    return terminal_safe(redact(text));
}

std::string frames_on_one_line(std::string_view context);

/// How much of the server's CONTEXT an error block shows.
enum class ContextShown { Full, OneLinePerFrame, None };

void append_server_fields(std::string& out, const ServerError& s, const Redactor& redact,
                          ContextShown how = ContextShown::Full) {
    if (!s.detail.empty())
        out += "DETAIL: " + shown(s.detail, redact) + "\n";
    if (!s.hint.empty())
        out += "HINT: " + shown(s.hint, redact) + "\n";
    std::string context = without_internal_frames(s.context);
    if (how == ContextShown::None || context.empty())
        return;
    if (how == ContextShown::OneLinePerFrame)
        context = frames_on_one_line(context);
    out += "CONTEXT: " + shown(context, redact) + "\n";
}

/// Where a CONTEXT frame begins: each is one line, but a `SQL statement "..."` frame carries
/// the statement's own lines too.
bool starts_frame(std::string_view line) {
    for (std::string_view p :
         {"PL/pgSQL ", "SQL statement \"", "SQL function ", "SQL expression \"", "JSON data",
          "COPY ", "extended query", "unnamed portal"}) {
        if (line.substr(0, p.size()) == p)
            return true;
    }
    return false;
}

bool is_internal_frame(std::string_view frame) {
    // pg_temp.pgmi_run_test_source(...), pg_temp_3.pgmi_... : the session API's own functions.
    for (size_t at = frame.find("pg_temp"); at != std::string_view::npos;
         at = frame.find("pg_temp", at + 1)) {
        size_t i = at + 7;
        if (i < frame.size() && frame[i] == '_') {
            ++i;
            while (i < frame.size() && frame[i] >= '0' && frame[i] <= '9')
                ++i;
        }
        if (frame.substr(i, 6) == ".pgmi_")
            return true;
    }
    return false;
}

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// What goes under `line` (as redacted, before it is made terminal-safe) before the caret at
/// 1-based code-point `column`: a tab for each tab (so the caret lines up however wide the
/// terminal shows tabs), a space for every other code point as it is shown (an escaped control
/// byte is several).
std::string caret_padding(std::string_view line, int column) {
    size_t end = 0;
    int seen = 1;
    for (; end < line.size(); ++end) {
        if (is_continuation(line[end]))
            continue;  // continuation byte of the code point already counted
        if (seen == column)
            break;
        ++seen;
    }
    std::string pad;
    for (char c : terminal_safe(line.substr(0, end))) {
        if (!is_continuation(c))
            pad += c == '\t' ? '\t' : ' ';
    }
    for (; seen < column; ++seen)
        pad += ' ';
    return pad;
}

/// The length of the valid UTF-8 sequence at `at` (2 to 4), or 0 when there is none.
size_t utf8_sequence(std::string_view t, size_t at) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(t[at + k]); };
    const unsigned char lead = b(0);
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        lo = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        hi = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        lo = lead == 0xF0 ? 0x90 : 0x80;
        hi = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (t.size() - at < len || b(1) < lo || b(1) > hi)
        return 0;
    for (size_t k = 2; k < len; ++k) {
        if (!is_continuation(t[at + k]))
            return 0;
    }
    return len;
}

}  // namespace

std::string summary_line(const Outcome& o, const ui::Terminal& term) {
    // A database name can hold any byte but NUL; the terminal must not act on it.
    const std::string db = o.database.empty() ? "?" : terminal_safe(o.database);
    if (o.ok()) {
        if (o.test_macros > 0) {
            return fmt::format("{} {}: {} files loaded, {} test macro(s) expanded in {:.2f}s\n",
                               term.ok_icon(), db, o.files_loaded, o.test_macros,
                               seconds(o.duration));
        }
        return fmt::format("{} {}: {} files loaded in {:.2f}s\n", term.ok_icon(), db,
                           o.files_loaded, seconds(o.duration));
    }
    std::string line =
        fmt::format("{} {}: failed after {:.2f}s", term.fail_icon(), db, seconds(o.duration));
    if (o.failed_unit && *o.failed_unit > 0 && o.execution_units) {
        line += fmt::format(" (unit {} of {} failed; {} earlier unit(s) already committed)",
                            *o.failed_unit + 1, *o.execution_units, o.units_committed.value_or(0));
    }
    return line + "\n";
}

std::string terminal_safe(std::string_view t) {
    static constexpr char kHex[] = "0123456789abcdef";    // "\x9b", as C writes it
    static constexpr char kUpper[] = "0123456789ABCDEF";  // "U+009B", as Unicode writes it
    std::string out;
    out.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
        const auto c = static_cast<unsigned char>(t[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
                out += '^';
                out += static_cast<char>(c ^ 0x40);  // ESC -> '[', CR -> 'M', DEL -> '?'
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        const size_t len = utf8_sequence(t, i);
        if (len == 2 && c == 0xC2 && static_cast<unsigned char>(t[i + 1]) < 0xA0) {
            const auto cp = static_cast<unsigned char>(t[i + 1]);  // U+0080..U+009F
            out += "<U+00";
            out += kUpper[cp >> 4];
            out += kUpper[cp & 0xF];
            out += '>';
        } else if (len > 0) {
            out.append(t.substr(i, len));
        } else if (c < 0xA0) {
            // A lone byte a terminal in an 8-bit mode reads as a C1 control.
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
        i += len > 0 ? len : 1;
    }
    return out;
}

namespace {

/// The frames of a CONTEXT, in order (a frame keeps its own line breaks).
std::vector<std::string> frames_of(std::string_view context) {
    std::vector<std::string> frames;
    size_t start = 0;
    while (start <= context.size()) {
        size_t nl = context.find('\n', start);
        if (nl == std::string_view::npos)
            nl = context.size();
        const std::string_view line = context.substr(start, nl - start);
        if (frames.empty() || starts_frame(line))
            frames.emplace_back(line);
        else
            frames.back().append("\n").append(line);
        start = nl + 1;
    }
    return frames;
}

/// Each frame on one line: a `SQL statement "..."` frame of a whole EXECUTEd file would
/// otherwise repeat the file; -v shows it all.
std::string frames_on_one_line(std::string_view context) {
    std::string out;
    for (const std::string& frame : frames_of(context)) {
        const size_t nl = frame.find('\n');
        out += (out.empty() ? "" : "\n") + frame.substr(0, nl);
        if (nl != std::string::npos) {
            const auto more = std::count(frame.begin(), frame.end(), '\n');
            out += fmt::format(" ... ({} more lines; -v shows them)", more);
        }
    }
    return out;
}

}  // namespace

std::string without_internal_frames(std::string_view context) {
    std::string out;
    for (const std::string& frame : frames_of(context)) {
        if (!frame.empty() && !is_internal_frame(frame))
            out += (out.empty() ? "" : "\n") + frame;
    }
    return out;
}

std::string error_block(const Error& error, const Redactor& redact) {
    std::string out = "pgmi: error: " + shown(error.message, redact) + "\n";
    if (error.server)
        append_server_fields(out, *error.server, redact);
    return out;
}

std::string error_block(const Outcome& o, const Redactor& redact, bool verbose) {
    if (o.ok())
        return "";
    std::string out;
    if (o.location) {
        // Compiler style first, so editors and CI annotators can jump to it.
        const std::string where =
            o.failed_file && o.location_in_file ? *o.failed_file : std::string("deploy.sql");
        out +=
            fmt::format("{}:{}:{}: ", shown(where, redact), o.location->line, o.location->column);
    } else if (o.failed_file) {
        out += shown(*o.failed_file, redact) + ": ";
    }
    out += "pgmi: error: " + shown(o.error->message, redact) + "\n";
    // A located failure shows its place, so the CONTEXT (for a file run by EXECUTE: the whole
    // file again) only with --verbose; an unlocated one keeps it, as the only clue.
    const bool located = o.location && !o.location->source_line.empty();
    if (o.error->server) {
        append_server_fields(out, *o.error->server, redact,
                             verbose   ? ContextShown::Full
                             : located ? ContextShown::None
                                       : ContextShown::OneLinePerFrame);
    }
    if (located) {
        // psql's "LINE n:" for the line itself, the lines around it numbered in the same column.
        const std::string prefix = fmt::format("LINE {}: ", o.location->line);
        auto numbered = [&](int n, const std::string& text) {
            return fmt::format("{:>{}}: ", n, prefix.size() - 2) + shown(text, redact) + "\n";
        };
        int n = o.location->line - static_cast<int>(o.lines_before.size());
        for (const auto& l : o.lines_before)
            out += numbered(n++, l);
        const std::string line = redact(o.location->source_line);
        out += prefix + terminal_safe(line) + "\n";
        out += std::string(prefix.size(), ' ') + caret_padding(line, o.location->column) + "^\n";
        n = o.location->line + 1;
        for (const auto& l : o.lines_after)
            out += numbered(n++, l);
    }
    return out;
}

bool notice_is_labelled(const ServerError& n) {
    // pg/ hands notices over with the non-localised severity; a server older than 9.6 sends
    // only the localised one, English unless lc_messages says otherwise (then the label shows).
    const std::string& level = n.severity;
    return !(level.empty() || level == "NOTICE" || level == "INFO" || level == "LOG" ||
             level.rfind("DEBUG", 0) == 0);
}

std::string notice_text(const ServerError& n, bool verbose,
                        std::chrono::steady_clock::time_point start, const Redactor& redact,
                        const ui::Terminal& term) {
    std::string prefix;
    if (verbose) {
        prefix = fmt::format("[{:.2f}s] ", seconds(std::chrono::steady_clock::now() - start));
    }
    std::string out = prefix;
    if (notice_is_labelled(n)) {
        // WARNING yellow, anything above red: it must stand out among the project's own lines.
        out +=
            term.paint(n.severity == "WARNING" ? "1;33" : "1;31", shown(n.severity, redact) + ":");
        out += ' ';
    }
    out += shown(n.message, redact) + "\n";
    if (!n.detail.empty())
        out += prefix + "DETAIL: " + shown(n.detail, redact) + "\n";
    if (!n.hint.empty())
        out += prefix + "HINT: " + shown(n.hint, redact) + "\n";
    if (const std::string context = verbose ? without_internal_frames(n.context) : "";
        !context.empty()) {
        out += prefix + "CONTEXT: " + shown(context, redact) + "\n";
    }
    return out;
}

}  // namespace pgmi::report
