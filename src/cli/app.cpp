#include "cli/app.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "cli/ai_command.hpp"
#include "cli/completion_command.hpp"
#include "cli/config_command.hpp"
#include "cli/deploy_command.hpp"
#include "cli/info_command.hpp"
#include "cli/init_command.hpp"
#include "cli/man_page.hpp"
#include "cli/metadata_command.hpp"
#include "cli/reporter.hpp"
#include "cli/serve_command.hpp"
#include "cli/templates_command.hpp"
#include "cli/version_command.hpp"
#include "report/json.hpp"
#include "ui/splash.hpp"
#include "ui/terminal.hpp"
#include "util/env.hpp"

namespace pgmi::cli {

std::string wrap_text(const std::string& text, std::size_t width) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(start, end - start);
        if (line.empty() || line.front() == ' ' || line.size() <= width) {
            out += line;
        } else {
            std::size_t col = 0;
            std::size_t pos = 0;
            while (pos < line.size()) {
                std::size_t next = line.find(' ', pos);
                if (next == std::string::npos)
                    next = line.size();
                const std::string word = line.substr(pos, next - pos);
                if (col > 0 && col + 1 + word.size() > width) {
                    out += '\n';
                    col = 0;
                } else if (col > 0) {
                    out += ' ';
                    ++col;
                }
                out += word;
                col += word.size();
                pos = next + 1;
            }
        }
        if (end < text.size())
            out += '\n';
        start = end + 1;
    }
    return out;
}

bool visible(const CLI::App* app) {
    return !app->get_group().empty();
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
    auto subs = app.get_subcommands([](const CLI::App* s) { return visible(s); });
    std::sort(subs.begin(), subs.end(),
              [](const CLI::App* a, const CLI::App* b) { return a->get_name() < b->get_name(); });
    return subs;
}

namespace {

constexpr std::string_view kRootDescription =
    "pgmi: programmable PostgreSQL deployments, controlled entirely by SQL.\n\n"
    "pgmi connects once, loads every file of your project into session temp tables "
    "(pg_temp.pgmi_source_view, pgmi_plan_view, pgmi_parameter_view, ...) and runs your "
    "deploy.sql, which decides what to execute, in which order and inside which transactions. "
    "pgmi owns the infrastructure: connections, parameters, safety, reporting and exit codes.";

constexpr std::string_view kRootExamples =
    "Examples:\n"
    "  pgmi init demo                       # scaffold a project (migrations, tests, deploy.sql)\n"
    "  pgmi deploy ./demo --ephemeral       # deploy it to a throwaway local PostgreSQL\n"
    "  pgmi deploy ./demo -d mydb           # deploy it to your server\n"
    "  pgmi templates list                  # the project templates\n";

void write(FILE* stream, std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stream);
    std::fflush(stream);
}

/// The help group of the flags every command accepts (`-v/--verbose`), shown apart.
constexpr std::string_view kGlobalFlags = "Global Flags";

const CLI::App* find_visible(const CLI::App& app, std::string_view name) {
    for (const CLI::App* s : visible_subcommands(app)) {
        if (s->get_name() == name)
            return s;
    }
    return nullptr;
}

std::string command_path(const CLI::App& app) {
    std::string path;
    for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
        std::string outer = a->get_name();
        if (!path.empty())
            outer.append(" ").append(path);
        path = std::move(outer);
    }
    return path;
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

std::string positional_label(const CLI::Option& o) {
    std::string type = o.get_type_name();
    if (!type.empty() &&
        (type.front() == '<' || type.front() == '[' || type.find('|') != std::string::npos))
        return type;
    if (o.get_name() == "project_path" || o.get_required())
        return "<" + o.get_name() + ">";
    return "[" + o.get_name() + "]";
}

std::string value_type(const CLI::Option& o) {
    if (o.get_expected_max() == 0)  // a flag
        return "";
    if (o.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll)
        return "stringArray";
    std::string t = o.get_type_name();
    if (t == "TEXT" || t.empty())
        return "string";
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return t;
}

// Two columns: the left padded to the widest entry plus three spaces.
std::string columns(const std::vector<std::pair<std::string, std::string>>& rows,
                    std::size_t min_width = 0) {
    std::size_t width = min_width;
    for (const auto& r : rows)
        width = std::max(width, r.first.size());
    // The right column wraps with a hanging indent so lines stay within 100 columns.
    const std::size_t indent = 2 + width + 3;
    const std::size_t room = indent + 40 > 100 ? 40 : 100 - indent;
    std::string out;
    for (const auto& [left, right] : rows) {
        out += "  " + left;
        if (!right.empty()) {
            std::string text = wrap_text(right, room);
            std::string padded;
            for (const char c : text) {
                padded += c;
                if (c == '\n')
                    padded += std::string(indent, ' ');
            }
            out += std::string(width - left.size() + 3, ' ') + padded;
        }
        out += '\n';
    }
    return out;
}

std::string examples_of(const CLI::App& cmd) {
    std::string footer = cmd.get_footer();
    const std::size_t at = footer.find("Examples:\n");
    if (at == std::string::npos)
        return "";
    std::string ex = footer.substr(at + 10);
    while (!ex.empty() && ex.back() == '\n')
        ex.pop_back();
    return ex + "\n";
}

int help_command(const CLI::App& root, const std::vector<std::string>& words) {
    const CLI::App* target = &root;
    std::vector<std::string> topic;
    bool unknown = false;
    bool help_flag = false;
    for (const auto& w : words) {
        help_flag = help_flag || w == "--help";
        if (!w.empty() && w[0] == '-')
            continue;
        topic.push_back(w);
        if (unknown)
            continue;
        if (const CLI::App* sub = find_visible(*target, w)) {
            target = sub;
        } else {
            unknown = true;
        }
    }
    if (unknown) {
        std::string list;
        for (const auto& t : topic)
            list += (list.empty() ? "`" : " `") + t + "`";
        write(stderr, fmt::format("Unknown help topic [{}]\n", list));
        write(stderr, render_help(root, false));
        return 0;
    }
    if (topic.empty() && help_flag) {  // `pgmi help --help`: the help of help itself
        if (const CLI::App* self = find_visible(root, "help"))
            target = self;
    }
    write(stdout, render_help(*target));
    return 0;
}

/// "\n\nDid you mean this?\n\t<a>\n\t<b>" for the candidates close to `typed`, or "".
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
    const auto close = suggestions(typed, candidates);
    if (close.empty())
        return "";
    std::string out = "\n\nDid you mean this?";
    for (const auto& c : close)
        out += "\n\t" + c;
    return out;
}

/// Every spelling of every flag `cmd` accepts ("--database", "-d", "--help").
std::vector<std::string> flag_names(const CLI::App& cmd) {
    std::vector<std::string> names;
    for (const CLI::Option* o : cmd.get_options()) {
        if (!o->nonpositional())
            continue;
        for (const auto& l : o->get_lnames())
            names.push_back("--" + l);
        for (const auto& sn : o->get_snames())
            names.push_back("-" + sn);
    }
    return names;
}

// Extra words or flags a command did not expect, in cobra's words, with the close matches.
int extras_error(const CLI::App& root, const Reporter& reporter) {
    const CLI::App* target = &root;
    while (!target->get_subcommands().empty())
        target = target->get_subcommands().front();
    const std::vector<std::string> extras = target->remaining();
    if (extras.empty())
        return reporter.usage("unexpected arguments");
    for (const auto& e : extras) {
        if (e.size() > 1 && e[0] == '-') {
            const std::string flag = e.substr(0, e.find('='));
            // Every short flag is one edit from every other: suggest only for long ones
            // ("-databse" is probably "--database").
            const std::string typed = flag.rfind("--", 0) == 0 ? flag : "-" + flag;
            return reporter.usage(
                fmt::format("unknown flag: {}{}", flag,
                            flag.size() <= 2 ? "" : did_you_mean(typed, flag_names(*target))));
        }
    }
    const auto positionals =
        target->get_options([](const CLI::Option* o) { return o->get_positional(); });
    if (positionals.empty()) {
        std::vector<std::string> names;
        for (const CLI::App* s : visible_subcommands(*target))
            names.push_back(s->get_name());
        return reporter.usage(fmt::format("unknown command \"{}\" for \"{}\"{}", extras.front(),
                                          command_path(*target),
                                          did_you_mean(extras.front(), names)));
    }
    return reporter.usage(fmt::format("accepts at most {} arg(s), received {}", positionals.size(),
                                      positionals.size() + extras.size()));
}

// "pgmi frob": the root takes no arguments, so any word that is not a command is a mistake.
int unknown_command(const CLI::App& root, const std::string& word, const Reporter& reporter) {
    std::vector<std::string> names;
    for (const CLI::App* s : visible_subcommands(root))
        names.push_back(s->get_name());
    return reporter.usage(
        fmt::format("unknown command \"{}\" for \"pgmi\"{}", word, did_you_mean(word, names)));
}

/// `-v/--verbose` is global: every command accepts it, before or after the command words. A
/// command that has its own (deploy, init, metadata's) keeps it; every other command, group
/// and the root get one, listed under Global Flags.
void add_global_verbose(CLI::App& cmd, bool& verbose) {
    if (cmd.get_option_no_throw("--verbose") == nullptr) {
        cmd.add_flag("-v,--verbose", verbose,
                     "Explain every step on stderr, where the command has steps to explain")
            ->group(std::string(kGlobalFlags));
    }
    for (CLI::App* sub : cmd.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name() != "help")
            add_global_verbose(*sub, verbose);
    }
}

/// `args` with every -v/--verbose written before the last command word moved behind it
/// (`-v deploy .` -> `deploy --verbose .`, `metadata -v plan .` -> `metadata plan --verbose .`),
/// so the command that runs sees it; unchanged when there is none.
std::vector<std::string> move_leading_verbose(const CLI::App& root,
                                              const std::vector<std::string>& args) {
    std::vector<std::string> out;
    bool moved = false;
    const CLI::App* cmd = &root;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& w = args[i];
        if (w == "-v" || w == "--verbose") {
            moved = true;
            continue;
        }
        if (w == "--")
            break;
        if (!w.empty() && w[0] == '-') {
            // A command's own flag ends its path: what follows may be the flag's value.
            if (cmd != &root)
                break;
            out.push_back(w);
            continue;
        }
        const CLI::App* sub = find_visible(*cmd, w);
        if (sub == nullptr)
            break;
        out.push_back(w);
        cmd = sub;
    }
    if (!moved)
        return args;
    out.emplace_back("--verbose");
    out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return out;
}

bool has_space(std::string_view s) {
    return s.find_first_of(" \t\n\v\f\r") != std::string_view::npos;
}

// CLI11's wording of flag value errors, in the words of the rest of pgmi. Parsed by hand: the
// message quotes the flag's value, and a value of 100 KB overflowed std::regex's recursion.
std::string parse_error_message(const std::string& what) {
    const std::string_view w = what;
    // "Could not convert: <flag> = <value>" (the value on one line)
    constexpr std::string_view kConvert = "Could not convert: ";
    if (w.substr(0, kConvert.size()) == kConvert) {
        const std::string_view rest = w.substr(kConvert.size());
        const size_t eq = rest.find(" = ");
        const std::string_view flag = rest.substr(0, eq);
        if (eq != std::string_view::npos && !flag.empty() && !has_space(flag) &&
            rest.find_first_of("\r\n", eq) == std::string_view::npos) {
            return fmt::format("invalid argument \"{}\" for \"{}\" flag", rest.substr(eq + 3),
                               flag);
        }
    }
    // "<-flag>: <n> required <type> missing"
    const size_t colon = w.find(": ");
    if (!w.empty() && w.front() == '-' && colon != std::string_view::npos && colon > 1 &&
        !has_space(w.substr(0, colon))) {
        std::string_view rest = w.substr(colon + 2);
        const size_t digits = rest.find_first_not_of("0123456789");
        constexpr std::string_view kRequired = " required ";
        constexpr std::string_view kMissing = " missing";
        if (digits != std::string_view::npos && digits > 0 &&
            rest.substr(digits, kRequired.size()) == kRequired) {
            rest = rest.substr(digits + kRequired.size());
            if (rest.size() > kMissing.size() &&
                rest.substr(rest.size() - kMissing.size()) == kMissing &&
                !has_space(rest.substr(0, rest.size() - kMissing.size()))) {
                return "flag needs an argument: " + std::string(w.substr(0, colon));
            }
        }
    }
    return what;
}

void set_help_flags(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        sub->set_help_flag("--help", "Show help for " + sub->get_name());
        set_help_flags(*sub);
    }
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::vector<std::string> suggestions(std::string_view typed,
                                     const std::vector<std::string>& candidates) {
    std::vector<std::pair<std::size_t, std::string>> scored;
    std::string lower(typed);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(typed, c);
        const bool prefix = !lower.empty() && c.rfind(lower, 0) == 0;
        if (d <= 2 || prefix)
            scored.emplace_back(prefix ? std::min<std::size_t>(d, 1) : d, c);
    }
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> out;
    out.reserve(scored.size());
    for (auto& s : scored)
        out.push_back(std::move(s.second));
    return out;
}

std::string render_help(const CLI::App& cmd, bool with_description) {
    const std::string path = command_path(cmd);
    const auto subs = visible_subcommands(cmd);
    std::string out;
    if (with_description) {
        std::string desc = cmd.get_description();
        while (!desc.empty() && desc.back() == '\n')
            desc.pop_back();
        if (!desc.empty())
            out += wrap_text(desc, 80) + "\n\n";
    }

    out += "Usage:\n";
    if (subs.empty() ||
        !cmd.get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
        std::string usage = "  " + path;
        for (const CLI::Option* o : cmd.get_options([](const CLI::Option* p) {
                 return p->get_positional() && !p->get_group().empty();
             }))
            usage += " " + positional_label(*o);
        usage += " [flags]";
        out += usage + "\n";
    }
    if (!subs.empty())
        out += "  " + path + " [command]\n";

    if (const std::string ex = examples_of(cmd); !ex.empty())
        out += "\nExamples:\n" + ex;

    if (!subs.empty()) {
        out += "\nAvailable Commands:\n";
        std::vector<std::pair<std::string, std::string>> rows;
        rows.reserve(subs.size());
        for (const CLI::App* s : subs)
            rows.emplace_back(s->get_name(), first_line(s->get_description()));
        out += columns(rows, 11);
    }

    std::vector<std::pair<std::string, std::string>> flags;
    std::vector<std::pair<std::string, std::string>> global_flags;
    const CLI::Option* help = cmd.get_help_ptr();
    for (const CLI::Option* o : cmd.get_options()) {
        if (!o->nonpositional() || o == help)
            continue;
        std::string left;
        const auto& shorts = o->get_snames();
        left += shorts.empty() ? "    " : "-" + shorts.front() + ", ";
        const auto& longs = o->get_lnames();
        left += longs.empty() ? std::string() : "--" + longs.front();
        if (const std::string t = value_type(*o); !t.empty())
            left += " " + t;
        (o->get_group() == kGlobalFlags ? global_flags : flags)
            .emplace_back(left, o->get_description());
    }
    if (help != nullptr)
        flags.emplace_back("    --help", help->get_description());
    if (!flags.empty())
        out += "\nFlags:\n" + columns(flags);
    if (!global_flags.empty())
        out += "\nGlobal Flags:\n" + columns(global_flags);

    if (!subs.empty()) {
        out += fmt::format("\nUse \"{} [command] --help\" for more information about a command.\n",
                           path);
    }
    return out;
}

namespace {

/// --json anywhere on the command line, judged without allocating (memory may have run out).
/// Everything run() does; an exception that escapes a command (a bug, or memory that ran out)
/// leaves it and is answered by unexpected_error().
int run_unguarded(int argc, char** argv) {
    CLI::App app(std::string(kRootDescription), "pgmi");
    // -h is --host on deploy, so help is only --help.
    app.set_help_flag("--help", "Show help for pgmi");
    app.set_version_flag(
        "--version", [] { return version_text(false); },
        "Print the version (the first two lines of `pgmi version`)");
    app.footer(std::string(kRootExamples));
    app.require_subcommand(0, 1);
    app.fallthrough(false);

    const Reporter reporter(json_requested(argc, argv));
    int result = 0;
    add_ai_command(app, result, reporter);
    add_completion_command(app, result, reporter);
    add_config_command(app, result, reporter);
    add_deploy_command(app, result, reporter);
    add_info_command(app, result);
    add_init_command(app, result, reporter);
    add_metadata_command(app, result);
    add_serve_command(app, result, reporter);
    add_templates_command(app, result, reporter);
    add_version_command(app, result);
    CLI::App* help = app.add_subcommand("help", "Help about any command");
    help->description(
        "Help about any command\n\nShows the help of any command: pgmi help templates describe");
    help->footer("Examples:\n  pgmi help\n  pgmi help deploy\n  pgmi help templates describe\n");
    help->allow_extras();
    // `help` is answered before parsing (see below); the option only documents its usage.
    auto topic = std::make_shared<std::vector<std::string>>();
    help->add_option("command", *topic, "The command to explain")->type_name("[command...]");
    help->callback([topic] {});
    set_help_flags(app);
    bool verbose = false;  // commands with their own -v read theirs; see add_global_verbose
    add_global_verbose(app, verbose);

    const std::vector<std::string> given(argv + (argc > 0 ? 1 : 0), argv + std::max(argc, 1));
    // Completion requests carry arbitrary words (including flags): answered before parsing.
    if (!given.empty() && (given[0] == "__complete" || given[0] == "__completeNoDesc")) {
        write(stdout,
              complete_output(app, {given.begin() + 1, given.end()}, given[0] == "__complete"));
        return 0;
    }
    // Manual pages are typeset from this very tree (man_page.hpp); the build asks for them.
    if (!given.empty() && given[0] == "__man")
        return man_command(app, {given.begin() + 1, given.end()}, reporter);
    const std::vector<std::string> args = move_leading_verbose(app, given);
    if (args.empty()) {
        const EnvLookup env = process_env();
        const ui::Terminal term = ui::Terminal::detect(env);
        if (term.interactive && !non_empty(env, "PGMI_NO_BANNER")) {
            write(stderr, ui::splash_text(term));
        } else {
            write(stdout, render_help(app));
        }
        return 0;
    }
    // The first word that is not a flag names the command.
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--")
            break;
        if (!word.empty() && word[0] == '-')
            continue;
        if (word == "help")
            return help_command(app,
                                {args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()});
        if (find_visible(app, word) == nullptr)
            return unknown_command(app, word, reporter);
        break;
    }

    try {
        std::vector<std::string> words = {argc > 0 ? std::string(argv[0]) : std::string("pgmi")};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> parsed_argv;
        parsed_argv.reserve(words.size());
        for (std::string& w : words)
            parsed_argv.push_back(w.data());
        app.parse(static_cast<int>(parsed_argv.size()), parsed_argv.data());
    } catch (const CLI::CallForHelp&) {
        const CLI::App* target = &app;
        while (!target->get_subcommands().empty())
            target = target->get_subcommands().front();
        write(stdout, render_help(*target));
        return 0;
    } catch (const CLI::CallForVersion& v) {
        write(stdout, v.what());
        return 0;
    } catch (const CLI::ExtrasError&) {
        return extras_error(app, reporter);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            return app.exit(e);
        }
        return reporter.usage(parse_error_message(e.what()));
    }
    if (app.get_subcommands().empty())
        write(stdout, render_help(app));
    return result;
}

}  // namespace

int unexpected_error(std::string_view what, bool json) noexcept {
    // Both texts are built before anything is written, so a failure here leaves nothing half
    // printed; the fallback is fixed text written with write(2), which needs no memory.
    try {
        const std::string message = "internal error: " + report::redact_patterns(what);
        const std::string err = fmt::format("pgmi: {}\n", message);
        const std::string doc =
            json ? report::json_envelope(make_error(ErrorKind::Unexpected, message),
                                         report::Redactor{})
                 : std::string();
        write(stderr, err);
        if (json)
            write(stdout, doc);
    } catch (...) {
        static constexpr std::string_view kErr =
            "pgmi: internal error (no memory left to describe it)\n";
        static constexpr std::string_view kDoc =
            "{\n  \"status\": \"failed\",\n  \"exitCode\": 3,\n  \"error\": \"internal error (no "
            "memory left to describe it)\"\n}\n";
        std::fflush(stdout);
        std::fflush(stderr);
        [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kErr.data(), kErr.size());
        if (json)
            n = ::write(STDOUT_FILENO, kDoc.data(), kDoc.size());
    }
    return exit_code(ErrorKind::Unexpected);
}

int run(int argc, char** argv) {
    try {
        return run_unguarded(argc, argv);
    } catch (const std::exception& e) {
        return unexpected_error(e.what(), json_requested(argc, argv));
    } catch (...) {
        return unexpected_error("an exception of unknown type", json_requested(argc, argv));
    }
}

}  // namespace pgmi::cli
