#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/deploy_command.hpp"
#include "cli/version_command.hpp"

namespace pgmi::cli {

namespace {

int usage_error(const std::string& message) {
    std::string m = message;
    if (m.rfind("usage error: ", 0) != 0)
        m = "usage error: " + m;
    std::fprintf(stderr, "pgmi: error: %s\n", m.c_str());
    return 2;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app("pgmi: programmable PostgreSQL deployments, controlled entirely by SQL.", "pgmi");
    // -h is --host on deploy, so help is only --help.
    app.set_help_flag("--help", "Show help");
    app.set_version_flag("--version", [] { return version_text(false); });
    app.require_subcommand(0, 1);
    app.fallthrough(false);

    int result = 0;
    add_deploy_command(app, result);
    add_version_command(app, result);
    for (CLI::App* sub : app.get_subcommands({}))
        sub->set_help_flag("--help", "Show help");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const CLI::CallForVersion& v) {
        std::fputs(v.what(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            return app.exit(e);
        }
        return usage_error(e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pgmi: internal error: %s\n", e.what());
        return 3;
    }
    if (app.get_subcommands().empty()) {
        std::fputs(app.help().c_str(), stdout);
    }
    return result;
}

}  // namespace pgmi::cli
