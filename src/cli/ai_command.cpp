#include "cli/ai_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "ai/client.hpp"
#include "ai/contract.hpp"
#include "ai/setup.hpp"
#include "ai/skills.hpp"
#include "cli/reporter.hpp"
#include "ui/pager.hpp"
#include "ui/terminal.hpp"
#include "util/build_info.hpp"
#include "util/env.hpp"
#include "util/strings.hpp"

namespace pgmi::cli {

namespace fs = std::filesystem;

namespace {

void err(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

int show(std::string_view text) {
    const EnvLookup env = process_env();
    ui::page(text, ui::Terminal::detect(env), env);
    return 0;
}

// Commands that take no arguments. The `ai` group accepts stray words (for the overview), so its
// leaf commands catch theirs themselves.
int no_args(const std::vector<std::string>& extra, std::string_view path, const Reporter& rep) {
    return rep.fail(make_error(
        ErrorKind::Usage, fmt::format("unknown command \"{}\" for \"{}\"", extra.front(), path)));
}

void take_no_args(CLI::App* cmd, std::shared_ptr<std::vector<std::string>>& extra) {
    extra = std::make_shared<std::vector<std::string>>();
    cmd->add_option("args", *extra)->group("");
}

int skill(const std::vector<std::string>& args, const Reporter& rep) {
    if (args.empty()) {
        return rep.usage(
            "missing required argument: <name>\n\n"
            "Usage: pgmi ai skill <name>\n\n"
            "Example:\n  pgmi ai skill pgmi-sql\n\n"
            "Run `pgmi ai skills` to see the available skills.");
    }
    if (args.size() != 1)
        return rep.usage(fmt::format("accepts 1 arg(s), received {}", args.size()));
    const auto found = ai::find_skill(args[0]);
    if (!found)
        return rep.fail(make_error(ErrorKind::Usage, ai::unknown_skill_message(args[0])));
    return show(found->content);
}

struct SetupFlags {
    std::string assistant;
    bool all = false;
    bool global = false;
    bool dry_run = false;
    bool force = false;
    bool claude_md = false;
    bool no_claude_md = false;
};

// The reference's wording for flags that exclude each other (exit 1): the group as declared,
// then the flags that were set, sorted.
std::optional<std::string> exclusive(bool a, bool b, std::string_view na, std::string_view nb) {
    if (!(a && b))
        return std::nullopt;
    const bool sorted = na < nb;
    return fmt::format(
        "if any flags in the group [{} {}] are set none of the others can be; [{} {}] were all "
        "set",
        na, nb, sorted ? na : nb, sorted ? nb : na);
}

/// The home directory --global installs under: it must exist. Never "/" for an unset HOME, and
/// never a chain of directories made up from a mistyped one.
Result<fs::path> global_home() {
    const auto home = home_directory(process_env());
    if (!home) {
        return make_error(ErrorKind::Config,
                          "--global needs your home directory, but HOME is not set and the user "
                          "database names none; set HOME");
    }
    std::error_code ec;
    if (!fs::is_directory(*home, ec)) {
        return make_error(ErrorKind::Config,
                          fmt::format("--global installs under your home directory, but \"{}\" "
                                      "is not a directory; set HOME to your home directory",
                                      *home));
    }
    return fs::path(*home);
}

bool ask_pointer() {
    err("Add a one-line pgmi pointer to CLAUDE.md? [Y/n]: ");
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    const std::string a = util::to_lower(util::trim(answer));
    return a.empty() || a == "y" || a == "yes";
}

int setup(const SetupFlags& f, const Reporter& rep) {
    for (const auto& m : {exclusive(f.claude_md, f.no_claude_md, "claude-md", "no-claude-md"),
                          exclusive(!f.assistant.empty(), f.all, "assistant", "all"),
                          exclusive(f.all, f.global, "all", "global")}) {
        if (m)
            return rep.fail(make_error(ErrorKind::General, *m));
    }
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (!f.global && !fs::exists(cwd / "deploy.sql", ec) && !fs::exists(cwd / "pgmi.yaml", ec)) {
        return rep.fail(
            make_error(ErrorKind::General,
                       "not a pgmi project (no deploy.sql or pgmi.yaml found)\nrun it in "
                       "a project directory, or use --global to install into your home "
                       "directory"));
    }
    const EnvLookup env = process_env();
    const ui::Terminal term = ui::Terminal::detect(env);
    ai::SetupOptions o;
    if (f.all) {
        o.assistants = ai::all_assistants();
    } else if (!f.assistant.empty()) {
        o.assistants = {f.assistant};
    } else if (term.interactive) {
        o.assistants = {"claude"};
    } else {
        return rep.fail(make_error(ErrorKind::Usage,
                                   fmt::format("--assistant is required in non-interactive mode "
                                               "(supported: {})",
                                               ai::supported_list())));
    }
    for (const auto& a : o.assistants) {
        if (ai::find_assistant(a) == nullptr)
            return rep.fail(make_error(
                ErrorKind::Usage, fmt::format("unsupported assistant \"{}\" (supported: {})", a,
                                              ai::supported_list())));
    }
    o.global = f.global;
    o.dry_run = f.dry_run;
    o.force = f.force;
    o.claude_md = f.claude_md      ? ai::PointerChoice::Yes
                  : f.no_claude_md ? ai::PointerChoice::No
                                   : ai::PointerChoice::Ask;
    o.cwd = cwd;
    if (o.global) {
        auto home = global_home();
        if (!home)
            return rep.fail(home.error());
        o.home = *home;
    }
    o.version = build_info::kVersion;
    if (term.interactive)
        o.ask_pointer = ask_pointer;
    o.report = [](std::string_view line) { err(std::string(line) + "\n"); };
    if (auto s = ai::setup(o); !s)
        return rep.fail(s.error());
    return 0;
}

int check(const std::string& assistant, bool global, const Reporter& rep) {
    std::error_code ec;
    ai::CheckOptions o;
    o.assistant = assistant;
    o.global = global;
    o.cwd = fs::current_path(ec);
    if (global) {
        auto home = global_home();
        if (!home)
            return rep.fail(home.error());
        o.home = *home;
    }
    o.version = build_info::kVersion;
    o.report = [](std::string_view line) { err(std::string(line) + "\n"); };
    if (auto s = ai::check(o); !s)
        return rep.fail(s.error());
    return 0;
}

}  // namespace

void add_ai_command(CLI::App& app, int& result, const Reporter& reporter) {
    CLI::App* group = app.add_subcommand("ai", "Guidance for coding assistants and agents");
    group->description(
        "Guidance for coding assistants and agents\n\n"
        "pgmi carries its own documentation for AI coding assistants: an overview of the model, "
        "skills (depth guides on deploy.sql, the session API, testing, metadata, debugging, "
        "reviews), and a machine-readable contract of the session API. `pgmi ai setup` writes "
        "it into the files your assistant reads; `pgmi ai check` tells CI when they are out of "
        "date. With no subcommand, prints the overview.");
    group->footer(
        "Examples:\n"
        "  pgmi ai                            # the overview\n"
        "  pgmi ai skills                     # the skills\n"
        "  pgmi ai skill pgmi-sql             # one skill\n"
        "  pgmi ai contract | jq .views       # the session API as JSON\n"
        "  pgmi ai setup --assistant claude   # write .claude/skills/pgmi/\n"
        "  pgmi ai check --assistant claude   # in CI: fail when that guidance is stale\n");
    group->require_subcommand(0, 1);

    CLI::App* skills_cmd = group->add_subcommand("skills", "List the embedded skills");
    skills_cmd->description(
        "List the embedded skills\n\nPrints a table of every skill with its scope and what it "
        "covers.");
    skills_cmd->footer("Examples:\n  pgmi ai skills\n  pgmi ai skill pgmi-sql\n");
    skills_cmd->callback([&result] { result = show(ai::skills_table(ai::list_skills())); });

    auto names = std::make_shared<std::vector<std::string>>();
    CLI::App* skill_cmd = group->add_subcommand("skill", "Print one skill");
    skill_cmd->description(
        "Print one skill\n\nPrints the skill's markdown exactly as embedded (see `pgmi ai "
        "skills` for the names).");
    skill_cmd->footer("Examples:\n  pgmi ai skill pgmi-sql\n  pgmi ai skill pgmi-session-api\n");
    skill_cmd->add_option("name", *names, "Skill name (see `pgmi ai skills`)")->type_name("<name>");
    skill_cmd->callback([names, &result, &reporter] { result = skill(*names, reporter); });

    auto languages = std::make_shared<std::vector<std::string>>();
    CLI::App* client_cmd =
        group->add_subcommand("client", "How client code calls a pgmi application's API");
    client_cmd->description(
        "How client code calls a pgmi application's API\n\n"
        "For applications built like the advanced template (REST, JSON-RPC and MCP through its "
        "gateway). Without a language: which door to use, the live OpenAPI contract, keys, "
        "problem documents and retries. With typescript, python, go, csharp or rust: that "
        "language's generator and transport skeleton.");
    client_cmd->footer("Examples:\n  pgmi ai client\n  pgmi ai client typescript\n");
    client_cmd->add_option("language", *languages, "typescript, python, go, csharp or rust")
        ->type_name("[lang]");
    client_cmd->callback([languages, &result, &reporter] {
        if (languages->size() > 1) {
            result = reporter.usage(
                fmt::format("accepts at most 1 arg(s), received {}", languages->size()));
            return;
        }
        result = show(ai::client_document(languages->empty() ? "" : languages->front()));
    });

    CLI::App* contract_cmd =
        group->add_subcommand("contract", "Print the session API contract as JSON");
    contract_cmd->description(
        "Print the session API contract as JSON\n\n"
        "Views and their columns, functions and their signatures, the test event type, plan "
        "step types, exit codes, the test macros and the execution contract of deploy.sql. The "
        "views and functions are read from the same SQL that creates them in every deploy "
        "session.");
    contract_cmd->footer(
        "Examples:\n  pgmi ai contract\n  pgmi ai contract | jq '.views[].name'\n");
    std::shared_ptr<std::vector<std::string>> contract_extra;
    take_no_args(contract_cmd, contract_extra);
    contract_cmd->callback([contract_extra, &result, &reporter] {
        result = contract_extra->empty() ? show(ai::contract_text())
                                         : no_args(*contract_extra, "pgmi ai contract", reporter);
    });

    auto flags = std::make_shared<SetupFlags>();
    CLI::App* setup_cmd =
        group->add_subcommand("setup", "Write pgmi guidance for a coding assistant");
    setup_cmd->description(
        "Write pgmi guidance for a coding assistant\n\n"
        "Writes the guidance into the files the assistant reads (a skill set for claude, "
        "codex-skills and antigravity; one file for the others). Every file carries a managed "
        "stamp: files you edited by hand are left alone unless --force. Run in a project "
        "directory (deploy.sql or pgmi.yaml), or with --global for your home directory.\n\n"
        "Assistants: " +
        ai::supported_list());
    setup_cmd->footer(
        "Examples:\n"
        "  pgmi ai setup --assistant claude\n"
        "  pgmi ai setup --assistant cursor --dry-run\n"
        "  pgmi ai setup --all --claude-md\n"
        "  pgmi ai setup --assistant claude --global\n");
    setup_cmd->add_option("--assistant", flags->assistant, "Assistant to set up")
        ->type_name("string");
    setup_cmd->add_flag("--all", flags->all, "Set up every assistant with its own files");
    setup_cmd->add_flag("--global", flags->global,
                        "Write into your home directory instead of the project");
    setup_cmd->add_flag("--dry-run", flags->dry_run, "Show what would be written; write nothing");
    setup_cmd->add_flag("--force", flags->force, "Overwrite files edited by hand");
    setup_cmd->add_flag("--claude-md", flags->claude_md,
                        "Add a one-line pgmi pointer to CLAUDE.md without asking");
    setup_cmd->add_flag("--no-claude-md", flags->no_claude_md, "Never touch CLAUDE.md");
    std::shared_ptr<std::vector<std::string>> setup_extra;
    take_no_args(setup_cmd, setup_extra);
    setup_cmd->callback([flags, setup_extra, &result, &reporter] {
        result = setup_extra->empty() ? setup(*flags, reporter)
                                      : no_args(*setup_extra, "pgmi ai setup", reporter);
    });

    auto check_assistant = std::make_shared<std::string>("claude");
    auto check_global = std::make_shared<bool>(false);
    CLI::App* check_cmd =
        group->add_subcommand("check", "Check that assistant guidance is current");
    check_cmd->description(
        "Check that assistant guidance is current\n\n"
        "Reports each file `pgmi ai setup` would write as current, missing, stale (written by "
        "another pgmi version with other content) or edited by hand. Exits 1 unless all are "
        "current, for CI.");
    check_cmd->footer(
        "Examples:\n  pgmi ai check\n  pgmi ai check --assistant cursor\n"
        "  pgmi ai check --assistant claude --global\n");
    check_cmd->add_option("--assistant", *check_assistant, "Assistant to check")
        ->type_name("string")
        ->default_str("claude");
    check_cmd->add_flag("--global", *check_global, "Check the files in your home directory");
    std::shared_ptr<std::vector<std::string>> check_extra;
    take_no_args(check_cmd, check_extra);
    check_cmd->callback([check_assistant, check_global, check_extra, &result, &reporter] {
        result = check_extra->empty() ? check(*check_assistant, *check_global, reporter)
                                      : no_args(*check_extra, "pgmi ai check", reporter);
    });

    group->callback([group, &result] {
        if (group->get_subcommands().empty())
            result = show(ai::overview());
    });
}

}  // namespace pgmi::cli
