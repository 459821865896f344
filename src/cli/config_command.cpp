#include "cli/config_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/connection_wizard.hpp"
#include "config/connection_yaml.hpp"
#include "config/project_config.hpp"
#include "report/human.hpp"
#include "ui/terminal.hpp"
#include "ui/wizard.hpp"
#include "util/env.hpp"
#include "util/file.hpp"

namespace pgmi::cli {

namespace fs = std::filesystem;

namespace {

struct ConfigArgs {
    std::vector<std::string> positionals;
};

void err(std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

constexpr std::string_view kNoTerminal =
    "config requires an interactive terminal (stdin and stdout must be terminals; CI and "
    "PGMI_NON_INTERACTIVE=1 make pgmi non-interactive)\n"
    "Instead, write the connection: block of pgmi.yaml yourself (keys: host, port, username, "
    "database, sslmode; `pgmi init` writes a commented example), or give the connection when you "
    "deploy: PGHOST, PGPORT, PGUSER, PGDATABASE (password: PGPASSWORD or ~/.pgpass), or "
    "$PGMI_CONNECTION_STRING / --connection.";

bool has_connection(const config::YamlConnection& c) {
    return !config::connection_fields(config::settings_from(c)).empty() || c.google_ip_type;
}

int cancelled() {
    err("Cancelled.\n");
    return 0;
}

int run(const ConfigArgs& args, const Reporter& rep) {
    if (args.positionals.size() > 1) {
        return rep.usage(
            fmt::format("accepts at most 1 arg(s), received {}", args.positionals.size()));
    }
    const EnvLookup env = process_env();
    const ui::Terminal term = ui::Terminal::detect(env);
    if (!term.interactive)
        return rep.usage(kNoTerminal);

    const std::string shown = args.positionals.empty() ? "." : args.positionals.front();
    const fs::path dir(shown);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return rep.fail(make_error(
            ErrorKind::Config,
            fmt::format("{} is not a directory: create the project first (pgmi init {}): "
                        "invalid configuration",
                        report::terminal_safe(shown), report::terminal_safe(shown))));
    }
    // The existing file decides what may happen: unreadable or unparseable files are never
    // replaced (they may hold work the user wants back), a valid one is merged into.
    util::ReadResult current =
        util::read_regular_file(dir / "pgmi.yaml", {.max_bytes = config::kMaxProjectConfigBytes,
                                                    .follow_symlinks = false,
                                                    .limit_for = "pgmi.yaml"});
    std::optional<config::ProjectConfig> existing;
    if (!current && !current.missing()) {
        return rep.fail(make_error(
            ErrorKind::Config,
            fmt::format("pgmi.yaml exists but could not be read: {}\npgmi config leaves it as it "
                        "is; make it a readable regular file (or move it away) and run pgmi config "
                        "again",
                        current.error().message)));
    }
    if (current) {
        auto parsed = config::parse_project_config(current.value(), (dir / "pgmi.yaml").string());
        if (!parsed) {
            return rep.fail(make_error(
                ErrorKind::Config,
                fmt::format("pgmi.yaml exists but could not be parsed: {}\npgmi config leaves it "
                            "as it is; fix it (or move it away) and run pgmi config again",
                            parsed.error().message)));
        }
        existing = *parsed;
    }

    try {
        ui::Wizard w(term);
        if (existing && has_connection(existing->connection)) {
            w.note("pgmi.yaml exists.");
            auto overwrite = w.confirm("Overwrite connection settings?", true);
            if (overwrite.step != ui::Step::Next || !overwrite.value)
                return cancelled();
            w.note("");
        }
        auto setup = run_connection_wizard(w, term, env, {.saving = true});
        if (setup.step != ui::Step::Next)
            return cancelled();
        if (Status saved = save_connection(dir, setup.value.settings); !saved)
            return rep.general("failed to save config: " + saved.error().message);
        w.note(fmt::format("Wrote {}/pgmi.yaml", report::terminal_safe(shown)));
        offer_pgpass(w, setup.value, env);
    } catch (const std::exception& e) {
        return rep.general(fmt::format("connection wizard failed: {}", e.what()));
    }
    return 0;
}

}  // namespace

void add_config_command(CLI::App& app, int& result, const Reporter& reporter) {
    auto args = std::make_shared<ConfigArgs>();
    CLI::App* cmd = app.add_subcommand("config", "Set up the database connection in pgmi.yaml");
    cmd->description(
        "Set up the database connection in pgmi.yaml\n\n"
        "A wizard at the terminal asks where PostgreSQL runs (local, Azure, AWS RDS, Google Cloud "
        "SQL, or a connection string) and how to authenticate, tests the connection, and writes "
        "the connection: block of <path>/pgmi.yaml; every other line of the file stays as it "
        "was. Passwords never go to pgmi.yaml: the wizard offers to save one in ~/.pgpass.");
    cmd->footer(
        "Examples:\n"
        "  pgmi config                          # the project in this directory\n"
        "  pgmi config ./myproject\n");
    cmd->add_option("path", args->positionals, "Project directory (default: .)")
        ->type_name("[path]");
    cmd->callback([args, &result, &reporter] { result = run(*args, reporter); });
}

}  // namespace pgmi::cli
