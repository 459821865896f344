#include "cli/man_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "ai/contract.hpp"
#include "cli/app.hpp"
#include "util/build_info.hpp"
#include "util/strings.hpp"

namespace pgmi::cli {

namespace {

constexpr std::string_view kSessionPage = "pgmi-session";
constexpr std::string_view kExitCodesPage = "pgmi-exit-codes";

struct CommandPage {
    std::string name;  // "pgmi-templates-list"
    const CLI::App* app;
};

void collect(const CLI::App& app, const std::string& name, std::vector<CommandPage>& out) {
    out.push_back({name, &app});
    for (const CLI::App* sub : visible_subcommands(app))
        collect(*sub, name + "-" + sub->get_name(), out);
}

std::vector<CommandPage> command_pages(const CLI::App& root) {
    std::vector<CommandPage> pages;
    collect(root, "pgmi", pages);
    return pages;
}

std::string upper(std::string_view s) {
    return util::to_upper(s);
}

// A page header that man-db and groff accept; no hyphenation and ragged right, so rendered text
// keeps the words of --help intact (tests compare them).
std::string header(std::string_view page, int section, std::string_view version) {
    return fmt::format(".TH \"{}\" \"{}\" \"\" \"pgmi {}\" \"pgmi manual\"\n.nh\n.ad l\n",
                       roff_escape(upper(page)), section, roff_escape(version));
}

std::string section(std::string_view title) {
    return fmt::format(".SH \"{}\"\n", title);
}

// A paragraph of running text: its lines joined (man reflows them).
std::string paragraph(std::string_view text) {
    return ".PP\n" + roff_escape(text) + "\n";
}

// Lines shown as they are (examples, usage lines).
std::string preformatted(const std::vector<std::string>& lines) {
    std::string out = ".PP\n.RS 2\n.nf\n";
    for (const auto& l : lines)
        out += roff_escape(l) + "\n";
    return out + ".fi\n.RE\n";
}

std::string tagged(std::string_view tag_roff, std::string_view text) {
    return fmt::format(".TP\n{}\n{}\n", tag_roff, roff_escape(text));
}

std::string bold(std::string_view s) {
    return "\\fB" + roff_escape(s) + "\\fR";
}

std::string see_also(const std::vector<std::string>& pages) {
    if (pages.empty())
        return "";
    std::string out = section("SEE ALSO");
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const std::string& p = pages[i];
        const std::size_t paren = p.find('(');
        out += fmt::format("\\fB{}\\fR{}{}\n", roff_escape(p.substr(0, paren)),
                           roff_escape(p.substr(paren)), i + 1 < pages.size() ? "," : "");
    }
    return out;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        lines.emplace_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

std::size_t indent_of(std::string_view line) {
    const std::size_t i = line.find_first_not_of(' ');
    return i == std::string_view::npos ? line.size() : i;
}

// "Flags:", "Available Commands:", "Global Flags:" -- a title line of render_help.
bool is_section_title(std::string_view line) {
    if (line.size() < 2 || line.back() != ':' || line.front() == ' ')
        return false;
    return std::all_of(line.begin(), line.end() - 1, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ';
    });
}

struct Row {
    std::string left;
    std::string right;
};

// Two-column lines ("  -h, --host string   Server host ...") with their hanging continuation
// lines joined back into one description.
std::vector<Row> rows_of(const std::vector<std::string>& lines) {
    std::vector<Row> rows;
    std::size_t column = 0;
    for (const auto& line : lines) {
        const std::size_t ind = indent_of(line);
        if (ind == line.size())
            continue;
        if (!rows.empty() && column > 0 && ind >= column) {
            rows.back().right += " " + std::string(util::trim(line));
            continue;
        }
        const std::size_t gap = line.find("   ", ind);
        Row r;
        if (gap == std::string::npos) {
            r.left = std::string(util::trim(line));
            column = 0;
        } else {
            r.left = std::string(util::trim(std::string_view(line).substr(0, gap)));
            column = indent_of(std::string_view(line).substr(gap)) + gap;
            r.right = std::string(util::trim(std::string_view(line).substr(column)));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

// The left column of a flag row in roff: flag names bold, the value type italic.
std::string flag_tag(std::string_view left) {
    std::string out;
    std::size_t pos = 0;
    while (pos < left.size()) {
        std::size_t end = left.find(' ', pos);
        if (end == std::string_view::npos)
            end = left.size();
        std::string_view word = left.substr(pos, end - pos);
        std::string_view comma;
        if (!word.empty() && word.back() == ',') {
            comma = ",";
            word.remove_suffix(1);
        }
        if (!out.empty())
            out += ' ';
        if (!word.empty() && word.front() == '-')
            out += bold(word);
        else
            out += "\\fI" + roff_escape(word) + "\\fR";
        out += comma;
        pos = end + 1;
    }
    return out;
}

// Paragraphs of running text (blank-line separated); indented lines stay preformatted.
std::string text_block(const std::vector<std::string>& lines) {
    std::string out;
    std::string para;
    std::vector<std::string> pre;
    auto flush = [&] {
        if (!para.empty())
            out += paragraph(para);
        para.clear();
        if (!pre.empty())
            out += preformatted(pre);
        pre.clear();
    };
    for (const auto& line : lines) {
        if (line.empty()) {
            flush();
        } else if (line.front() == ' ') {
            if (!para.empty()) {
                out += paragraph(para);
                para.clear();
            }
            pre.push_back(line);
        } else {
            if (!pre.empty()) {
                out += preformatted(pre);
                pre.clear();
            }
            para += (para.empty() ? "" : " ") + line;
        }
    }
    flush();
    return out;
}

std::string title_for(std::string_view help_title) {
    if (help_title == "Usage")
        return "SYNOPSIS";
    if (help_title == "Flags")
        return "OPTIONS";
    if (help_title == "Available Commands")
        return "COMMANDS";
    if (help_title == "Global Flags")
        return "GLOBAL OPTIONS";
    return upper(help_title);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : std::string(sep)) + i;
    return out;
}

std::string command_page(const CLI::App& root, const CommandPage& page, std::string_view version) {
    std::vector<std::string> also;
    if (page.app != &root) {
        const std::string parent = page.name.substr(0, page.name.rfind('-'));
        also.push_back(parent + "(1)");
    }
    for (const CLI::App* sub : visible_subcommands(*page.app))
        also.push_back(page.name + "-" + sub->get_name() + "(1)");
    also.emplace_back(std::string(kExitCodesPage) + "(7)");
    also.emplace_back(std::string(kSessionPage) + "(7)");
    return help_to_roff(render_help(*page.app), page.name, version, also);
}

std::string exit_codes_page(std::string_view version) {
    const auto contract = ai::contract();
    std::string out = header(kExitCodesPage, 7, version);
    out +=
        section("NAME") + roff_escape(kExitCodesPage) + " \\- exit status of every pgmi command\n";
    out += section("DESCRIPTION");
    out += paragraph(
        "Every pgmi command ends with one of these exit codes. The code depends only on the kind "
        "of failure, so scripts and CI jobs can branch on it. With --json, the JSON document on "
        "standard output carries the same number as exitCode, and a failure also names its cause "
        "in the error field.");
    out += section("EXIT CODES");
    for (const auto& c : contract["exit_codes"]) {
        out += tagged(fmt::format("\\fB{}\\fR ({})", c["code"].get<int>(),
                                  roff_escape(c["name"].get<std::string>())),
                      c["description"].get<std::string>());
    }
    out += section("CI USE");
    out += paragraph(
        "Codes 2, 10 and 14 are decided before pgmi connects: fix the command line, the "
        "configuration or the project and run again. 11 and 15 are conditions of the "
        "environment (the server is unreachable, another deploy holds the lock) and may succeed "
        "on a retry. 13 and 16 mean deploy.sql ran and failed or ran out of time: what its head "
        "committed stays committed only when the head succeeded. 3 is a bug in pgmi.");
    out += see_also({"pgmi(1)", "pgmi-deploy(1)", std::string(kSessionPage) + "(7)"});
    return out;
}

// Text of a contract value: strings as they are, string lists joined.
std::string text_of(const nlohmann::ordered_json& v) {
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_array()) {
        std::vector<std::string> items;
        for (const auto& i : v)
            items.push_back(i.is_string() ? i.get<std::string>() : i.dump());
        return join(items, ", ");
    }
    return v.dump();
}

std::string session_page(std::string_view version) {
    const auto contract = ai::contract();
    std::string out = header(kSessionPage, 7, version);
    out += section("NAME") + roff_escape(kSessionPage) +
           " \\- the session API a deploy.sql reads: views, functions and test macros\n";
    out += section("DESCRIPTION");
    out += paragraph(
        "Before it runs deploy.sql, pgmi deploy loads the project into temporary objects of its "
        "own database session (schema pg_temp): every file with its content and checksums, the "
        "parameters, the <pgmi-meta> plan and the test tree. deploy.sql reads them with plain "
        "SQL and decides what to execute. They vanish with the session. The same description is "
        "printed as JSON by pgmi ai contract.");

    out += section("EXECUTION");
    for (const auto& [key, value] : contract["execution_contract"].items()) {
        if (value.is_array()) {
            std::vector<std::string> lines;
            for (const auto& i : value)
                lines.push_back("  " + text_of(i));
            out += tagged(bold(key), "") + preformatted(lines);
        } else {
            out += tagged(bold(key), text_of(value));
        }
    }

    out += section("VIEWS");
    for (const auto& v : contract["views"]) {
        out += tagged(bold("pg_temp." + v["name"].get<std::string>()),
                      "Columns: " + text_of(v["columns"]));
        if (v.contains("note"))
            out += ".IP\n" + roff_escape(v["note"].get<std::string>()) + "\n";
    }

    out += section("FUNCTIONS");
    for (const auto& f : contract["functions"]) {
        std::vector<std::string> args;
        for (const auto& a : f["args"])
            args.push_back(a.get<std::string>());
        out += tagged(bold("pg_temp." + f["name"].get<std::string>()) +
                          roff_escape("(" + join(args, ", ") + ")"),
                      "Returns: " + text_of(f["returns"]));
        if (f.contains("note"))
            out += ".IP\n" + roff_escape(f["note"].get<std::string>()) + "\n";
    }

    out += section("TYPES");
    for (const auto& t : contract["types"]) {
        std::vector<std::string> fields;
        for (const auto& f : t["fields"])
            fields.push_back(f["name"].get<std::string>() + " " + f["type"].get<std::string>());
        out += tagged(bold("pg_temp." + t["name"].get<std::string>()),
                      "Fields: " + join(fields, ", "));
        if (t.contains("events"))
            out += ".IP\n" + roff_escape("Events: " + text_of(t["events"])) + "\n";
        if (t.contains("note"))
            out += ".IP\n" + roff_escape(t["note"].get<std::string>()) + "\n";
    }

    out += section("TEST MACROS");
    for (const auto& m : contract["macros"])
        out += tagged(bold(m["form"].get<std::string>()), m["description"].get<std::string>());
    out += paragraph("Test plan step types: " + text_of(contract["step_types"]) + ". " +
                     text_of(contract["step_types_note"]));

    out +=
        see_also({"pgmi(1)", "pgmi-deploy(1)", "pgmi-ai(1)", std::string(kExitCodesPage) + "(7)"});
    return out;
}

}  // namespace

std::string roff_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    bool line_start = true;
    for (const char c : text) {
        if (line_start && (c == '.' || c == '\''))
            out += "\\&";
        line_start = c == '\n';
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
    }
    return out;
}

std::string help_to_roff(std::string_view help, std::string_view page, std::string_view version,
                         const std::vector<std::string>& see_also_pages) {
    const std::vector<std::string> lines = split_lines(help);
    // The description: everything before the first section title.
    std::size_t i = 0;
    std::vector<std::string> description;
    for (; i < lines.size() && !is_section_title(lines[i]); ++i)
        description.push_back(lines[i]);
    std::string summary;
    for (const auto& l : description) {
        if (l.empty())
            break;
        summary += (summary.empty() ? "" : " ") + l;
    }
    if (summary.rfind("pgmi: ", 0) == 0)
        summary.erase(0, 6);

    std::string out = header(page, 1, version);
    out += section("NAME") + roff_escape(page) + " \\- " + roff_escape(summary) + "\n";

    // Sections in help order; SYNOPSIS first as man readers expect, DESCRIPTION after it.
    std::string synopsis;
    std::string rest;
    while (i < lines.size()) {
        const std::string title = lines[i].substr(0, lines[i].size() - 1);
        std::vector<std::string> body;
        for (++i; i < lines.size() && !is_section_title(lines[i]); ++i)
            body.push_back(lines[i]);
        // Unindented lines after a section's entries (the "Use ... --help" line) are prose.
        std::vector<std::string> entries;
        std::vector<std::string> prose;
        for (const auto& l : body) {
            const bool unindented = !l.empty() && l.front() != ' ';
            (unindented || !prose.empty() ? prose : entries).push_back(l);
        }
        std::string text = section(title_for(title));
        if (title == "Flags" || title == "Global Flags") {
            for (const auto& r : rows_of(entries))
                text += tagged(flag_tag(r.left), r.right);
        } else if (title == "Available Commands") {
            for (const auto& r : rows_of(entries))
                text += tagged(bold(r.left), r.right);
        } else {
            std::vector<std::string> kept;
            for (const auto& l : entries) {
                if (!l.empty())
                    kept.push_back(l);
            }
            text += preformatted(kept);
        }
        text += text_block(prose);
        (title == "Usage" ? synopsis : rest) += text;
    }
    out += synopsis;
    if (!description.empty())
        out += section("DESCRIPTION") + text_block(description);
    out += rest;
    out += section("EXIT STATUS");
    out += paragraph("0 on success; the other codes are listed in pgmi-exit-codes(7).");
    out += see_also(see_also_pages);
    return out;
}

std::vector<ManPageName> man_page_names(const CLI::App& root) {
    std::vector<ManPageName> names;
    for (const auto& p : command_pages(root))
        names.push_back({p.name, 1});
    names.push_back({std::string(kExitCodesPage), 7});
    names.push_back({std::string(kSessionPage), 7});
    return names;
}

std::string man_page(const CLI::App& root, std::string_view name, std::string_view version) {
    if (name == kExitCodesPage)
        return exit_codes_page(version);
    if (name == kSessionPage)
        return session_page(version);
    for (const auto& p : command_pages(root)) {
        if (p.name == name)
            return command_page(root, p, version);
    }
    return "";
}

int man_command(const CLI::App& root, const std::vector<std::string>& args,
                const Reporter& reporter) {
    std::string out;
    if (args.empty()) {
        for (const auto& n : man_page_names(root))
            out += fmt::format("{} {}\n", n.name, n.section);
    } else if (args.size() == 1) {
        out = man_page(root, args[0], build_info::kVersion);
        if (out.empty())
            return reporter.usage(fmt::format("no manual page named \"{}\"", args[0]));
    } else {
        return reporter.usage("__man takes at most one page name");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return 0;
}

}  // namespace pgmi::cli
