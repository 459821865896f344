#include "cli/deploy_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/signals.hpp"
#include "config/dotenv.hpp"
#include "config/duration.hpp"
#include "config/params.hpp"
#include "config/project_config.hpp"
#include "conn/resolver.hpp"
#include "deploy/deployer.hpp"
#include "deploy/target.hpp"
#include "ephemeral/server.hpp"
#include "report/human.hpp"
#include "report/json.hpp"
#include "report/progress.hpp"
#include "report/test_report.hpp"
#include "ui/terminal.hpp"

namespace pgmi::cli {

namespace {

/// Says in --verbose which connection fields the project's .env supplied: its variables look like
/// the user's own environment to the resolver, but a project file chose them.
void mark_dotenv_sources(conn::ResolvedConnection& resolved,
                         const std::vector<std::string>& applied) {
    for (auto& [field, source] : resolved.sources) {
        for (const std::string& name : applied) {
            const std::string token = "$" + name;
            const size_t at = source.find(token);
            const size_t end = at + token.size();
            if (at == std::string::npos ||
                (end < source.size() &&
                 (std::isalnum(static_cast<unsigned char>(source[end])) || source[end] == '_'))) {
                continue;
            }
            source.insert(end, " set by the project's .env");
        }
    }
}

struct DeployArgs {
    std::string project;
    std::optional<std::string> connection, host, username, database, sslmode, sslcert, sslkey,
        sslrootcert;
    int port = 0;
    std::vector<std::string> params;
    std::vector<std::string> params_files;
    std::optional<std::string> timeout;
    std::string compat;
    conn::CloudFlags cloud;
    bool ephemeral = false;
    bool overwrite = false;
    bool force = false;
    bool verbose = false;
    bool json = false;
    std::optional<std::string> test_report;
};

void write_stderr(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

void line(std::string_view text) {
    std::string s(text);
    s += '\n';
    write_stderr(s);
}

// Set once per run: --json replaces the summary line with one document on stdout.
bool g_json = false;

// Set once per run, after it was validated: --test-report's file and format.
struct TestReportTarget {
    std::filesystem::path path;
    report::TestReportFormat format;
};
std::optional<TestReportTarget> g_test_report;

/// Writes --test-report (when asked) on every path that has validated it. A report that cannot
/// be written is a warning: the deploy's own outcome (and exit code) stands.
void write_test_report(const report::TestRun& run, const report::Redactor& redact) {
    if (!g_test_report)
        return;
    if (Status s =
            report::write_test_report(g_test_report->path, g_test_report->format, run, redact);
        !s) {
        line("WARNING: " + report::terminal_safe(redact(s.error().message)));
    }
}

int fail(const Error& error, const report::Redactor& redact) {
    write_test_report({.error = error.message}, redact);
    write_stderr(report::error_block(error, redact));
    if (g_json)
        std::fputs(report::json_envelope(error, redact).c_str(), stdout);
    return exit_code(error.kind);
}

/// config/ returns bare messages; the CLI names the category, as every configuration error does.
Error as_config_error(Error error) {
    if (error.kind == ErrorKind::Config && error.message.rfind("invalid configuration", 0) != 0) {
        error.message = "invalid configuration: " + error.message;
    }
    return error;
}

int run(const DeployArgs& args) {
    g_json = args.json;
    g_test_report.reset();
    const EnvLookup env = process_env();
    const ui::Terminal term = ui::Terminal::detect(env);
    report::Redactor redact;

    if (args.test_report) {
        auto format = report::test_report_format(*args.test_report);
        if (!format)
            return fail(format.error(), redact);
        if (Status s = report::check_test_report_path(*args.test_report); !s)
            return fail(s.error(), redact);
        g_test_report = TestReportTarget{*args.test_report, *format};
    }

    // Offline configuration. Nothing here touches the network.
    auto dotenv_load = config::load_project_dotenv(args.project);
    if (!dotenv_load)
        return fail(as_config_error(dotenv_load.error()), redact);
    const config::DotenvLoad& dotenv = dotenv_load.value();
    if (!dotenv.warning.empty())
        line(dotenv.warning);
    auto yaml = config::load_project_config(args.project);
    if (!yaml)
        return fail(as_config_error(yaml.error()), redact);

    // Secrets the environment hands to libpq or to cloud/: masked wherever they might appear.
    for (const char* name :
         {"PGPASSWORD", "PGSSLPASSWORD", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
          "IDENTITY_HEADER", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
        if (auto secret = non_empty(env, name))
            redact.add_secret(*secret);
    }
    std::optional<ephemeral::Server> server;
    conn::ResolvedConnection resolved;
    const conn::CloudFlags& cloud = args.cloud;
    if (args.ephemeral && (cloud.azure || cloud.aws || cloud.google)) {
        return fail(make_error(ErrorKind::Config,
                               "--ephemeral deploys into a local server and cannot be combined "
                               "with --azure, --aws or --google: invalid configuration"),
                    redact);
    }
    if (args.ephemeral) {
        line("Starting a throwaway PostgreSQL server (--ephemeral)");
        ephemeral::Options opts;
        opts.tcp = false;
        auto started = ephemeral::Server::start(opts);
        if (!started)
            return fail(started.error().wrapped("--ephemeral"), redact);
        server.emplace(std::move(started).value());
        resolved.config.host = server->socket_dir().string();
        resolved.config.port = server->port();
        resolved.config.username = server->superuser();
        resolved.target_db = args.database.value_or("pgmi_ephemeral");
        resolved.maintenance_db = "postgres";
        resolved.config.database = resolved.target_db;
    } else {
        conn::ConnectionFlags flags{.connection = args.connection,
                                    .host = args.host,
                                    .port = args.port,
                                    .username = args.username,
                                    .database = args.database,
                                    .sslmode = args.sslmode,
                                    .sslcert = args.sslcert,
                                    .sslkey = args.sslkey,
                                    .sslrootcert = args.sslrootcert,
                                    .overwrite = args.overwrite,
                                    .force = args.force,
                                    .cloud = args.cloud};
        auto r = conn::resolve(flags, env, yaml->connection);
        if (!r)
            return fail(r.error(), redact);
        resolved = std::move(r).value();
    }
    // PostgreSQL truncates longer names to NAMEDATALEN-1 bytes, so a longer -d would deploy into a
    // different database than the one named (and clash with its deploy lock).
    if (constexpr size_t kMaxName = 63; resolved.target_db.size() > kMaxName) {
        return fail(make_error(ErrorKind::Config,
                               fmt::format("database name {} is {} bytes; PostgreSQL names are at "
                                           "most {} bytes: invalid configuration",
                                           deploy::quote_for_message(resolved.target_db),
                                           resolved.target_db.size(), kMaxName)),
                    redact);
    }
    for (const auto& secret : resolved.secrets())
        redact.add_secret(secret);
    mark_dotenv_sources(resolved, dotenv.applied);
    if (auto it = resolved.sources.find("password");
        it != resolved.sources.end() && it->second.find("--connection") != std::string::npos) {
        resolved.notes.emplace_back(
            "the password came in --connection, which other users of this machine can read in "
            "the process list; use $PGMI_CONNECTION_STRING, $PGPASSWORD or ~/.pgpass instead");
    }
    for (const auto& warning : resolved.warnings)
        line(report::terminal_safe(redact(warning)));

    auto params = config::merge_params(
        {.yaml = yaml->params, .files = args.params_files, .flags = args.params});
    if (!params)
        return fail(as_config_error(params.error()), redact);

    std::chrono::nanoseconds timeout = std::chrono::minutes(3);
    std::optional<std::string> timeout_text = args.timeout ? args.timeout : yaml->timeout;
    if (timeout_text) {
        auto t = config::parse_duration(*timeout_text);
        if (!t) {
            return fail(as_config_error(t.error().wrapped(
                            args.timeout ? "invalid --timeout" : "invalid timeout in pgmi.yaml")),
                        redact);
        }
        if (t->count() < 0) {
            return fail(
                make_error(ErrorKind::Config, "timeout cannot be negative: invalid configuration"),
                redact);
        }
        timeout = *t;
    }

    size_t max_file_size = size_t{10} * 1024 * 1024;
    if (auto m = non_empty(env, "PGMI_MAX_FILE_SIZE")) {
        char* end = nullptr;
        unsigned long long v = std::strtoull(m->c_str(), &end, 10);
        if (end != nullptr && *end == '\0' && v > 0)
            max_file_size = v;
    }

    if (args.verbose) {
        std::string d = conn::describe(resolved);
        write_stderr(report::terminal_safe(redact("[VERBOSE] " + d)));
    }

    deploy::DeployOptions options{.project_dir = args.project,
                                  .connection = resolved,
                                  .params = *params,
                                  .compat = args.compat,
                                  .timeout = timeout,
                                  .verbose = args.verbose,
                                  .max_file_size = max_file_size};
    const auto started = std::chrono::steady_clock::now();
    report::Outcome outcome;
    {
        // The live line only where a person watches: a terminal, not CI.
        report::ProgressLine progress(term.stderr_tty && !non_empty(env, "CI"));
        // Redacted as it goes: a token learnt while connecting may come back in a server
        // message, a notice or a verbose line. Then terminal-safe: these lines carry names and
        // settings read from the server and paths read from the project.
        auto say = [&progress, &redact](std::string_view text) {
            progress.print(report::terminal_safe(redact(text)) + '\n');
        };
        deploy::DeployOutput out{
            .progress = say,
            .verbose =
                [&](std::string_view s) {
                    if (args.verbose)
                        say(fmt::format("[VERBOSE] {}", s));
                },
            .notice =
                [&](const ServerError& n) {
                    progress.print(report::notice_text(n, args.verbose, started, redact));
                },
            .unit = [&](size_t k, size_t n) { progress.unit(k, n); },
            .activity =
                [&](std::string_view what) {
                    progress.activity(report::terminal_safe(redact(what)));
                },
            .warning = say,
            .secret = [&redact](const std::string& s) { redact.add_secret(s); },
        };
        ScopedSignalHandlers signals;
        outcome = deploy::run_deploy(options, out);
    }
    write_test_report(outcome.tests, redact);
    if (args.json) {
        std::fputs(report::json_envelope(outcome, redact).c_str(), stdout);
    } else {
        write_stderr(report::summary_line(outcome, term));
    }
    write_stderr(report::error_block(outcome, redact));
    return outcome.exit_code();
}

}  // namespace

void add_deploy_command(CLI::App& app, int& result) {
    auto args = std::make_shared<DeployArgs>();
    CLI::App* cmd = app.add_subcommand("deploy",
                                       "Deploy a project: load its files into a session "
                                       "and run its deploy.sql");
    cmd->footer(
        "\nExamples:\n"
        "  pgmi deploy ./myproject -d app                      # PG* variables, local server\n"
        "  pgmi deploy . --connection postgresql://me@db:5432/postgres -d app\n"
        "  pgmi deploy . -d app --param env=production --params-file prod.env\n"
        "  pgmi deploy ./myproject --ephemeral                 # throwaway local PostgreSQL\n"
        "  pgmi deploy . --azure -h db.postgres.database.azure.com -U me@corp.com -d app\n"
        "  pgmi deploy . --aws --aws-region us-west-2 -h db.xyz.rds.amazonaws.com -U iam -d app\n"
        "  pgmi deploy . --google --google-instance proj:us-central1:db -U sa@proj.iam -d app\n");
    cmd->add_option("project_path", args->project, "Project directory (holds deploy.sql)");
    cmd->add_option("--connection", args->connection,
                    "PostgreSQL connection string (else $PGMI_CONNECTION_STRING, $DATABASE_URL)");
    cmd->add_option("-h,--host", args->host, "Server host or Unix socket directory");
    cmd->add_option("-p,--port", args->port, "Server port");
    cmd->add_option("-U,--username", args->username, "User name");
    cmd->add_option("-d,--database", args->database, "Target database (created when missing)");
    cmd->add_option("--sslmode", args->sslmode,
                    "disable|allow|prefer|require|verify-ca|verify-full");
    cmd->add_option("--sslcert", args->sslcert, "Client certificate file");
    cmd->add_option("--sslkey", args->sslkey, "Client private key file");
    cmd->add_option("--sslrootcert", args->sslrootcert, "CA certificate file");
    cmd->add_flag(
        "--azure", args->cloud.azure,
        "Azure Entra ID: a token from the DefaultAzureCredential chain is the password "
        "(also when $AZURE_TENANT_ID, $AZURE_CLIENT_ID and $AZURE_CLIENT_SECRET are set)");
    cmd->add_option("--azure-tenant-id", args->cloud.azure_tenant_id,
                    "Entra tenant (beats $AZURE_TENANT_ID)");
    cmd->add_option("--azure-client-id", args->cloud.azure_client_id,
                    "Application or user-assigned managed identity (beats $AZURE_CLIENT_ID)");
    cmd->add_flag("--aws", args->cloud.aws,
                  "AWS RDS IAM: a SigV4 token from the default credential chain is the password");
    cmd->add_option("--aws-region", args->cloud.aws_region,
                    "Region of the RDS token (beats $AWS_REGION, $AWS_DEFAULT_REGION)");
    cmd->add_flag("--google", args->cloud.google, "Google Cloud SQL IAM (needs --google-instance)");
    cmd->add_option("--google-instance", args->cloud.google_instance,
                    "Cloud SQL instance connection name project:region:instance");
    cmd->add_option("--google-ip-type", args->cloud.google_ip_type,
                    "Which Cloud SQL address to dial: public (default) or private (VPC)");
    cmd->add_option("--param", args->params, "Parameter key=value (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("--params-file", args->params_files, "KEY=VALUE file (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("--timeout", args->timeout,
                    "Deadline for the whole deploy (default 3m, 0 = none)");
    cmd->add_option("--compat", args->compat, "Session API version (1)");
    cmd->add_flag("--ephemeral", args->ephemeral,
                  "Deploy into a throwaway local PostgreSQL, report, and remove it");
    cmd->add_flag("--overwrite", args->overwrite,
                  "Drop and recreate the target database first (asks for the database name at a "
                  "terminal)");
    cmd->add_flag("--force", args->force,
                  "With --overwrite: no typed confirmation (5 s countdown at a terminal)");
    cmd->add_option("--test-report", args->test_report,
                    "Write the test results to PATH: JUnit XML (.xml) or TAP (.tap), on success "
                    "and on failure");
    cmd->add_flag("-v,--verbose", args->verbose, "Explain every step on stderr");
    cmd->add_flag("--json", args->json,
                  "Print one JSON document describing the outcome on stdout (and nothing else)");
    cmd->callback([args, &result] {
        if (args->project.empty()) {
            throw CLI::ValidationError(
                "usage error: missing required argument: <project_path>\n\nUsage: pgmi deploy "
                "<project_path> [flags]\n\nExample:\n  pgmi deploy . -d mydb");
        }
        try {
            result = run(*args);
        } catch (const std::exception& e) {
            // The root answers the exception (stderr, --json, exit 3); the report promised by
            // --test-report is written here, where its path is known, when memory allows.
            write_test_report({.error = "internal error: " + std::string(e.what())},
                              report::Redactor{});
            throw;
        }
    });
}

}  // namespace pgmi::cli
