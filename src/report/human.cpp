#include "report/human.hpp"

#include <fmt/format.h>

namespace pgmi::report {

namespace {

double seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(d.count()) / 1e9;
}

void append_server_fields(std::string& out, const ServerError& s, const Redactor& redact) {
    if (!s.detail.empty())
        out += "DETAIL: " + redact(s.detail) + "\n";
    if (!s.hint.empty())
        out += "HINT: " + redact(s.hint) + "\n";
    if (!s.context.empty())
        out += "CONTEXT: " + redact(s.context) + "\n";
}

/// What goes under `line` before the caret at 1-based code-point `column`: a tab for each tab
/// (so the caret lines up however wide the terminal shows tabs), a space for anything else.
std::string caret_padding(std::string_view line, int column) {
    std::string pad;
    int seen = 1;
    for (size_t i = 0; i < line.size() && seen < column; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if ((c & 0xC0) == 0x80)
            continue;  // continuation byte of the code point already counted
        pad += c == '\t' ? '\t' : ' ';
        ++seen;
    }
    for (; seen < column; ++seen)
        pad += ' ';
    return pad;
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

std::string error_block(const Error& error, const Redactor& redact) {
    std::string out = "pgmi: error: " + redact(error.message) + "\n";
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
        out += fmt::format("{}:{}:{}: ", redact(where), o.location->line, o.location->column);
    } else if (o.failed_file) {
        out += redact(*o.failed_file) + ": ";
    }
    out += "pgmi: error: " + redact(o.error->message) + "\n";
    if (o.error->server)
        append_server_fields(out, *o.error->server, redact);
    if (o.location && !o.location->source_line.empty()) {
        const std::string prefix = fmt::format("LINE {}: ", o.location->line);
        const std::string shown = redact(o.location->source_line);
        out += prefix + shown + "\n";
        out += std::string(prefix.size(), ' ') + caret_padding(shown, o.location->column) + "^\n";
    }
    return out;
}

std::string notice_text(const ServerError& n, bool verbose,
                        std::chrono::steady_clock::time_point start) {
    std::string prefix;
    if (verbose) {
        prefix = fmt::format("[{:.2f}s] ", seconds(std::chrono::steady_clock::now() - start));
    }
    std::string out =
        prefix + (n.severity.empty() ? "NOTICE" : n.severity) + ": " + n.message + "\n";
    if (!n.detail.empty())
        out += prefix + "DETAIL: " + n.detail + "\n";
    if (!n.hint.empty())
        out += prefix + "HINT: " + n.hint + "\n";
    if (verbose && !n.context.empty())
        out += prefix + "CONTEXT: " + n.context + "\n";
    return out;
}

}  // namespace pgmi::report
