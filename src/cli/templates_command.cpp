#include "cli/templates_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "cli/app.hpp"
#include "ui/tree.hpp"
#include "util/resources.hpp"

namespace pgmi::cli {

namespace {

constexpr std::string_view kRoot = "templates/";

// Every template pgmi knows how to describe, in recommended order. A template is offered only
// when its files are embedded (resources/templates/<name>/).
const std::array<TemplateInfo, 2>& known_templates() {
    static const std::array<TemplateInfo, 2> known = {{
        {"basic",
         "Linear migrations, minimal structure",
         "Start here. Deploying SQL \u2014 small, explicit, any managed provider",
         "A small, complete starter: deploy.sql reads project.json as data, runs the files of "
         "migrations/ in path order inside one transaction, seeds a development user unless "
         "env=production, and gates COMMIT on the tests of __test__/. Every migration is "
         "re-runnable, so deploying twice changes nothing; an apply-once ledger is shown in "
         "comments for changes that must run exactly once.",
         {"Ordered migrations/ (001_, 002_, ...): a table and its CRUD functions",
          "project.json read by deploy.sql from pg_temp.pgmi_source_view",
          "Environment branching on current_setting('pgmi.env', true)",
          "Optional apply-once migration ledger, shown in comments",
          "__test__/ with a _setup.sql fixture and tests that fail by raising",
          "Test gate before COMMIT: a failing test leaves the database untouched",
          "pgmi.yaml with commented connection, parameter and timeout examples"}},
        {"advanced",
         "Reference app: SQL-native REST/RPC/MCP, multi-tenant RLS, audit",
         "SQL-native application stack \u2014 scaffold, read, trim to fit",
         "A reference application to read, trim and own: the whole application (API, security, "
         "tests) is a dataset that pgmi deploys, and HTTP, JSON-RPC and MCP only start "
         "transactions. deploy.sql reconciles parameters with session.xml, converges roles, runs "
         "the <pgmi-meta> plan with an apply-once ledger, converges privileges and gates COMMIT "
         "on the tests; deploying twice changes only the ledger. Needs PostgreSQL 15+, "
         "CREATEROLE, CREATEDB and the contrib extensions pgcrypto and pg_trgm; not a safer tier "
         "than basic, just more to read.",
         {"session.xml parameters: required, defaults, masked secrets; prod refuses dev passwords",
          "Roles owner, admin, api, customer; advisory lock; one transaction",
          "<pgmi-meta> sort bands; deployment ledger skips applied idempotent=\"false\" scripts",
          "api.handler registry: each handler a REST route, a JSON-RPC method and an MCP tool",
          "Per-handler input schema, access, read-only and isolation policy",
          "Gateways in SQL: rest_invoke, rpc_invoke, mcp_handle_request; exchange log + purge",
          "RFC 9457 problem documents; OpenAPI 3.1 generated from the registry",
          "Membership: users, identities, organizations, invitations, hashed API keys, RLS",
          "Example routes /hello /echo /health /me /organizations and admin routes",
          "__test__/ suites at every level (fixtures and tests) gating COMMIT",
          "tools/gateway.py: HTTP gateway (Python 3 + psycopg 3), one SQL call per request"}},
    }};
    return known;
}

bool embedded(std::string_view name) {
    const std::string prefix = fmt::format("{}{}/", kRoot, name);
    for (const auto& e : resources::all()) {
        if (e.path.substr(0, prefix.size()) == prefix)
            return true;
    }
    return false;
}

void out(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
}
void err(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
}

int list() {
    for (const TemplateInfo* t : available_templates()) {
        out(fmt::format("{:<12} {}\n", t->name, t->summary));
        if (!t->best_for.empty())
            out(fmt::format("{:<12}   for: {}\n", "", t->best_for));
    }
    std::fflush(stdout);
    err("\nScaffold one with: pgmi init <path> -t <template>\n");
    return 0;
}

int describe(const std::vector<std::string>& args, const Reporter& rep) {
    if (args.empty()) {
        return rep.usage(
            "missing required argument: <template_name>\n\n"
            "Usage: pgmi templates describe <template_name>\n\n"
            "Example:\n  pgmi templates describe basic\n\n"
            "Run `pgmi templates list` to see the available templates.");
    }
    if (args.size() != 1)
        return rep.usage(fmt::format("accepts 1 arg(s), received {}", args.size()));
    const TemplateInfo* t = find_template(args[0]);
    if (t == nullptr)
        return rep.usage(unknown_template_message(args[0]));
    std::vector<std::string> paths;
    for (const auto& f : template_files(t->name))
        paths.push_back(f.path);
    std::string text = fmt::format("{} \u2014 {}\n\n{}\n\nStructure:\n", t->name, t->summary,
                                   wrap_text(std::string(t->about), 80));
    const std::string tree = ui::render_tree(".", paths);
    std::size_t start = 0;
    while (start < tree.size()) {
        std::size_t end = tree.find('\n', start);
        text += "  " + tree.substr(start, end - start) + "\n";
        start = end + 1;
    }
    if (!t->features.empty()) {
        text += "\nFeatures:\n";
        for (const auto f : t->features)
            text += fmt::format("  - {}\n", f);
    }
    text += fmt::format("\nFor: {}\n", t->best_for);
    out(text);
    std::fflush(stdout);
    err(fmt::format("\nScaffold with: pgmi init <path> -t {}\n", t->name));
    return 0;
}

}  // namespace

std::vector<const TemplateInfo*> available_templates() {
    std::vector<const TemplateInfo*> result;
    for (const auto& t : known_templates()) {
        if (embedded(t.name))
            result.push_back(&t);
    }
    return result;
}

const TemplateInfo* find_template(std::string_view name) {
    for (const TemplateInfo* t : available_templates()) {
        if (t->name == name)
            return t;
    }
    return nullptr;
}

std::vector<std::string> template_names() {
    std::vector<std::string> names;
    for (const TemplateInfo* t : available_templates())
        names.emplace_back(t->name);
    return names;
}

std::vector<TemplateFile> template_files(std::string_view name) {
    std::vector<TemplateFile> files;
    const std::string prefix = fmt::format("{}{}/", kRoot, name);
    for (const auto& e : resources::all()) {
        if (e.path.size() > prefix.size() && e.path.substr(0, prefix.size()) == prefix)
            files.push_back({std::string(e.path.substr(prefix.size())), e.content});
    }
    return files;  // resources::all() is sorted by path
}

std::string unknown_template_message(std::string_view name) {
    std::vector<std::string> names = template_names();
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const auto& n : names) {
        if (!joined.empty())
            joined += ' ';
        joined += n;
    }
    return fmt::format(
        "unknown template \"{}\" (available: [{}])\nrun `pgmi templates list` for "
        "descriptions",
        name, joined);
}

void add_templates_command(CLI::App& app, int& result, const Reporter& reporter) {
    CLI::App* group = app.add_subcommand("templates", "List and describe project templates");
    group->description(
        "List and describe project templates\n\n"
        "Templates are complete starter projects embedded in pgmi; `pgmi init` copies one into "
        "a new directory.");
    group->footer(
        "Examples:\n"
        "  pgmi templates list\n"
        "  pgmi templates describe basic\n"
        "  pgmi init ./myproject -t basic\n");
    group->require_subcommand(0, 1);

    CLI::App* list_cmd = group->add_subcommand("list", "List the available templates");
    list_cmd->description(
        "List the available templates\n\n"
        "Prints each template with a one-line summary and who it is for, in recommended order.");
    list_cmd->footer("Examples:\n  pgmi templates list\n");
    // Unlike the reference, extra words are errors (issue 16), like unknown flags.
    list_cmd->callback([&result] { result = list(); });

    auto args = std::make_shared<std::vector<std::string>>();
    CLI::App* describe_cmd =
        group->add_subcommand("describe", "Show a template's structure and features");
    describe_cmd->description(
        "Show a template's structure and features\n\n"
        "Prints what the template is for, the files it creates and what they demonstrate.");
    describe_cmd->footer(
        "Examples:\n  pgmi templates describe basic\n  pgmi templates describe basic | less\n");
    describe_cmd->add_option("template_name", *args, "Template name (see `pgmi templates list`)")
        ->type_name("<template_name>");
    describe_cmd->callback([args, &result, &reporter] { result = describe(*args, reporter); });

    group->callback([group, &result] {
        if (group->get_subcommands().empty()) {
            out(render_help(*group));
            result = 0;
        }
    });
}

}  // namespace pgmi::cli
