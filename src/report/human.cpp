#include "report/human.hpp"

#include <fmt/format.h>

namespace pgmi::report {

namespace {

double seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(d.count()) / 1e9;
}

/// Redacted first (a secret is matched on the bytes as they came), then made terminal-safe.
std::string shown(std::string_view text, const Redactor& redact) {
    return terminal_safe(redact(text));
}

void append_server_fields(std::string& out, const ServerError& s, const Redactor& redact) {
    if (!s.detail.empty())
        out += "DETAIL: " + shown(s.detail, redact) + "\n";
    if (!s.hint.empty())
        out += "HINT: " + shown(s.hint, redact) + "\n";
    if (!s.context.empty())
        out += "CONTEXT: " + shown(s.context, redact) + "\n";
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
    const std::string db = o.database.empty() ? "?" : o.database;
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

std::string error_block(const Error& error, const Redactor& redact) {
    std::string out = "pgmi: error: " + shown(error.message, redact) + "\n";
    if (error.server)
        append_server_fields(out, *error.server, redact);
    return out;
}

std::string error_block(const Outcome& o, const Redactor& redact) {
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
    if (o.error->server)
        append_server_fields(out, *o.error->server, redact);
    if (o.location && !o.location->source_line.empty()) {
        const std::string prefix = fmt::format("LINE {}: ", o.location->line);
        const std::string line = redact(o.location->source_line);
        out += prefix + terminal_safe(line) + "\n";
        out += std::string(prefix.size(), ' ') + caret_padding(line, o.location->column) + "^\n";
    }
    return out;
}

std::string notice_text(const ServerError& n, bool verbose,
                        std::chrono::steady_clock::time_point start, const Redactor& redact) {
    std::string prefix;
    if (verbose) {
        prefix = fmt::format("[{:.2f}s] ", seconds(std::chrono::steady_clock::now() - start));
    }
    std::string out = prefix +
                      (n.severity.empty() ? std::string("NOTICE") : shown(n.severity, redact)) +
                      ": " + shown(n.message, redact) + "\n";
    if (!n.detail.empty())
        out += prefix + "DETAIL: " + shown(n.detail, redact) + "\n";
    if (!n.hint.empty())
        out += prefix + "HINT: " + shown(n.hint, redact) + "\n";
    if (verbose && !n.context.empty())
        out += prefix + "CONTEXT: " + shown(n.context, redact) + "\n";
    return out;
}

}  // namespace pgmi::report
