#include "cli/deploy_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/connection_wizard.hpp"
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
#include "ui/wizard.hpp"

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

/// --test-report's file and format, once validated.
struct TestReportTarget {
    std::filesystem::path path;
    report::TestReportFormat format;
};

/// config/ returns bare messages; the CLI names the category, as every configuration error does.
Error as_config_error(Error error) {
    if (error.kind == ErrorKind::Config && error.message.rfind("invalid configuration", 0) != 0) {
        error.message = "invalid configuration: " + error.message;
    }
    return error;
}

/// One `pgmi deploy`, read top to bottom in run(). Per-run state (the redactor, the validated
/// --test-report target, a throwaway server) lives here, and every failure leaves through fail()
/// and the Reporter, so the exit code always comes from the error's kind.
class DeployRun {
  public:
    DeployRun(const DeployArgs& args, const Reporter& reporter)
        : args_(args),
          reporter_(reporter),
          env_(process_env()),
          term_(ui::Terminal::detect(env_)) {}

    int run() {
        if (Status s = check_test_report(); !s)
            return fail(s.error());
        // Offline configuration. Nothing here touches the network.
        auto dotenv = config::load_project_dotenv(args_.project);
        if (!dotenv)
            return fail(as_config_error(dotenv.error()));
        if (!dotenv->warning.empty())
            line(dotenv->warning);
        auto yaml = config::load_project_config(args_.project);
        if (!yaml)
            return fail(as_config_error(yaml.error()));
        learn_environment_secrets(redact_, env_);
        auto resolved = resolve_connection(*yaml, *dotenv);
        if (!resolved)
            return fail(resolved.error());
        auto options = deploy_options(*resolved, *yaml);
        if (!options)
            return fail(options.error());
        if (args_.verbose)
            write_stderr(report::terminal_safe(redact_("[VERBOSE] " + conn::describe(*resolved))));
        return finish(execute(*options));
    }

    /// Writes --test-report (when asked and validated). A report that cannot be written (disk
    /// full, the directory removed meanwhile) is named on stderr and returned for --json, but the
    /// deploy's own outcome and exit code stand: a deploy that committed reports success, so CI
    /// does not run it again as if nothing had happened.
    std::optional<std::string> write_test_report(const report::TestRun& run) const {
        if (!test_report_)
            return std::nullopt;
        Status s =
            report::write_test_report(test_report_->path, test_report_->format, run, redact_);
        if (s)
            return std::nullopt;
        line("WARNING: " + report::terminal_safe(redact_(s.error().message)));
        return s.error().message;
    }

  private:
    int fail(const Error& error) const {
        write_test_report({.error = error.message});
        return reporter_.fail(error, redact_);
    }

    Status check_test_report() {
        if (!args_.test_report)
            return Status::ok();
        auto format = report::test_report_format(*args_.test_report);
        if (!format)
            return format.error();
        if (Status s = report::check_test_report_path(*args_.test_report); !s)
            return s;
        test_report_ = TestReportTarget{*args_.test_report, *format};
        return Status::ok();
    }

    /// Where the deploy goes: a throwaway server (--ephemeral) or the resolved sources; its
    /// secrets are learnt, its warnings shown, and a name PostgreSQL would truncate is refused.
    Result<conn::ResolvedConnection> resolve_connection(const config::ProjectConfig& yaml,
                                                        const config::DotenvLoad& dotenv) {
        conn::ResolvedConnection resolved;
        const conn::CloudFlags& cloud = args_.cloud;
        if (args_.ephemeral && (cloud.azure || cloud.aws || cloud.google)) {
            return make_error(ErrorKind::Config,
                              "--ephemeral deploys into a local server and cannot be combined "
                              "with --azure, --aws or --google: invalid configuration");
        }
        if (args_.ephemeral) {
            line("Starting a throwaway PostgreSQL server (--ephemeral)");
            ephemeral::Options opts;
            opts.tcp = false;
            auto started = ephemeral::Server::start(opts);
            if (!started)
                return started.error().wrapped("--ephemeral");
            server_.emplace(std::move(started).value());
            resolved = ephemeral_connection(*server_, args_.database.value_or("pgmi_ephemeral"));
        } else {
            conn::ConnectionFlags flags{.connection = args_.connection,
                                        .host = args_.host,
                                        .port = args_.port,
                                        .username = args_.username,
                                        .database = args_.database,
                                        .sslmode = args_.sslmode,
                                        .sslcert = args_.sslcert,
                                        .sslkey = args_.sslkey,
                                        .sslrootcert = args_.sslrootcert,
                                        .overwrite = args_.overwrite,
                                        .force = args_.force,
                                        .cloud = args_.cloud};
            config::YamlConnection yaml_connection = yaml.connection;
            std::optional<ConnectionSetup> asked;
            if (term_.interactive && !args_.force &&
                !conn::has_connection_source(flags, env_, yaml.connection)) {
                // connections §2.4: nothing says where to deploy, and a person is at the terminal.
                auto setup = ask_connection(flags);
                if (!setup)
                    return setup.error();
                fill_from_wizard(*setup, flags, yaml_connection);
                asked = std::move(setup).value();
            }
            auto r = conn::resolve(flags, env_, yaml_connection);
            if (!r)
                return r.error();
            resolved = std::move(r).value();
            if (asked) {
                // The wizard's answers travel as flags but are none: say where they came from.
                for (auto& [field, source] : resolved.sources) {
                    for (const std::string_view flag : {"--connection", "--host", "--database"}) {
                        if (const size_t at = source.find(flag); at != std::string::npos)
                            source.replace(at, flag.size(), "the connection wizard");
                    }
                }
                use_wizard_password(*asked, resolved);
            }
        }
        // PostgreSQL truncates longer names to NAMEDATALEN-1 bytes, so a longer -d would deploy
        // into a different database than the one named (and clash with its deploy lock).
        if (constexpr size_t kMaxName = 63; resolved.target_db.size() > kMaxName) {
            return make_error(ErrorKind::Config,
                              fmt::format("database name {} is {} bytes; PostgreSQL names are at "
                                          "most {} bytes: invalid configuration",
                                          deploy::quote_for_message(resolved.target_db),
                                          resolved.target_db.size(), kMaxName));
        }
        for (const auto& secret : resolved.secrets())
            redact_.add_secret(secret);
        mark_dotenv_sources(resolved, dotenv.applied);
        if (auto it = resolved.sources.find("password");
            it != resolved.sources.end() && it->second.find("--connection") != std::string::npos) {
            resolved.notes.emplace_back(
                "the password came in --connection, which other users of this machine can read "
                "in the process list; use $PGMI_CONNECTION_STRING, $PGPASSWORD or ~/.pgpass "
                "instead");
        }
        for (const auto& warning : resolved.warnings)
            line(report::terminal_safe(redact_(warning)));
        return resolved;
    }

    /// The connection wizard, for a deploy that named no connection. Cancelling it denies the
    /// deploy (exit 12), as declining any other question of a deploy does.
    Result<ConnectionSetup> ask_connection(const conn::ConnectionFlags& flags) const {
        std::string granular;
        auto named = [](const std::optional<std::string>& v) { return v && !v->empty(); };
        for (const auto& [given, name] :
             {std::pair{named(flags.host), "-h"}, std::pair{flags.port != 0, "-p"},
              std::pair{named(flags.username), "-U"}}) {
            if (given)
                granular += (granular.empty() ? "" : ", ") + std::string(name);
        }
        ui::Answer<ConnectionSetup> setup;
        {
            ui::Wizard w(term_);  // the terminal is raw only while it asks
            w.note(
                "No connection given (no -d, --connection, PGHOST+PGDATABASE or pgmi.yaml "
                "connection): let's set one up.");
            setup = run_connection_wizard(w, term_, env_,
                                          {.saving = false, .granular_flags = granular});
        }
        if (setup.step != ui::Step::Next)
            return make_error(ErrorKind::Approval, "approval denied: connection setup cancelled");
        std::fputs("\n", stderr);
        return std::move(setup.value);
    }

    /// The wizard's answers fill what the command line left unset.
    static void fill_from_wizard(const ConnectionSetup& setup, conn::ConnectionFlags& flags,
                                 config::YamlConnection& yaml) {
        conn::ConnectionFlags answered = flags_for(setup.answers);
        auto fill = [](std::optional<std::string>& flag, const std::optional<std::string>& v) {
            if (!flag && v)
                flag = v;
        };
        fill(flags.connection, answered.connection);
        fill(flags.host, answered.host);
        fill(flags.username, answered.username);
        fill(flags.database, answered.database);
        fill(flags.sslmode, answered.sslmode);
        if (flags.port == 0)
            flags.port = answered.port;
        flags.cloud.azure = flags.cloud.azure || answered.cloud.azure;
        flags.cloud.aws = flags.cloud.aws || answered.cloud.aws;
        flags.cloud.google = flags.cloud.google || answered.cloud.google;
        fill(flags.cloud.aws_region, answered.cloud.aws_region);
        fill(flags.cloud.google_instance, answered.cloud.google_instance);
        if (!setup.settings.maintenance_database.empty())
            yaml.maintenance_database = setup.settings.maintenance_database;
    }

    /// The password typed into the wizard, when resolution found none ($PGPASSWORD, the
    /// connection string, the password file).
    void use_wizard_password(const ConnectionSetup& setup, conn::ResolvedConnection& r) {
        if (setup.password.empty() || !r.config.password.empty())
            return;
        const conn::ConnectionConfig& c = r.config;
        if (c.password_file) {
            for (const std::string& db : {r.target_db, r.maintenance_db}) {
                if (conn::lookup_pgpass(c.password_file->entries, c.first_host(), c.first_port(),
                                        db, c.username))
                    return;
            }
        }
        r.config.password = setup.password;
        r.sources["password"] = "the connection wizard";
        redact_.add_secret(setup.password);
    }

    /// Parameters, --timeout (else pgmi.yaml, else 3m) and the file size cap.
    Result<deploy::DeployOptions> deploy_options(const conn::ResolvedConnection& resolved,
                                                 const config::ProjectConfig& yaml) const {
        auto params = config::merge_params(
            {.yaml = yaml.params, .files = args_.params_files, .flags = args_.params});
        if (!params)
            return as_config_error(params.error());
        std::chrono::nanoseconds timeout = std::chrono::minutes(3);
        const std::optional<std::string> timeout_text =
            args_.timeout ? args_.timeout : yaml.timeout;
        if (timeout_text) {
            auto t = config::parse_duration(*timeout_text);
            if (!t) {
                return as_config_error(t.error().wrapped(args_.timeout ? "invalid --timeout"
                                                                       : "invalid timeout in "
                                                                         "pgmi.yaml"));
            }
            if (t->count() < 0) {
                return make_error(ErrorKind::Config,
                                  "timeout cannot be negative: invalid configuration");
            }
            timeout = *t;
        }
        size_t max_file_size = size_t{10} * 1024 * 1024;
        if (auto m = non_empty(env_, "PGMI_MAX_FILE_SIZE")) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(m->c_str(), &end, 10);
            if (end != nullptr && *end == '\0' && v > 0)
                max_file_size = v;
        }
        return deploy::DeployOptions{.project_dir = args_.project,
                                     .connection = resolved,
                                     .params = *params,
                                     .compat = args_.compat,
                                     .timeout = timeout,
                                     .verbose = args_.verbose,
                                     .max_file_size = max_file_size};
    }

    /// The deploy sequence, with its progress line, notices and signal handlers.
    report::Outcome execute(const deploy::DeployOptions& options) {
        const auto started = std::chrono::steady_clock::now();
        // The live line only where a person watches: a terminal, not CI.
        report::ProgressLine progress(term_.stderr_tty && !non_empty(env_, "CI"));
        // Redacted as it goes: a token learnt while connecting may come back in a server
        // message, a notice or a verbose line. Then terminal-safe: these lines carry names and
        // settings read from the server and paths read from the project.
        auto say = [&progress, this](std::string_view text) {
            progress.print(report::terminal_safe(redact_(text)) + '\n');
        };
        deploy::DeployOutput out{
            .progress = say,
            .verbose =
                [&](std::string_view s) {
                    if (args_.verbose)
                        say(fmt::format("[VERBOSE] {}", s));
                },
            .notice =
                [&](const ServerError& n) {
                    progress.print(report::notice_text(n, args_.verbose, started, redact_, term_));
                },
            .unit = [&](size_t k, size_t n) { progress.unit(k, n); },
            .activity =
                [&](std::string_view what) {
                    progress.activity(report::terminal_safe(redact_(what)));
                },
            .warning = say,
            .secret = [this](const std::string& s) { redact_.add_secret(s); },
        };
        ScopedSignalHandlers signals;
        return deploy::run_deploy(options, out);
    }

    /// The report of a deploy that ran: --test-report, then the summary or the --json
    /// envelope, then the error block.
    int finish(report::Outcome outcome) const {
        outcome.test_report_error = write_test_report(outcome.tests);
        if (args_.json) {
            std::fputs(report::json_envelope(outcome, redact_).c_str(), stdout);
        } else {
            write_stderr(redact_(report::summary_line(outcome, term_)));
        }
        write_stderr(report::error_block(outcome, redact_, args_.verbose));
        return outcome.exit_code();
    }

    const DeployArgs& args_;
    const Reporter& reporter_;
    EnvLookup env_;
    ui::Terminal term_;
    report::Redactor redact_;
    std::optional<TestReportTarget> test_report_;
    std::optional<ephemeral::Server> server_;  // --ephemeral: lives until the report is written
};

}  // namespace

void learn_environment_secrets(report::Redactor& redact, const EnvLookup& env) {
    for (const char* name :
         {"PGPASSWORD", "PGSSLPASSWORD", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
          "IDENTITY_HEADER", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
        if (auto secret = non_empty(env, name))
            redact.add_secret(*secret);
    }
}

conn::ResolvedConnection ephemeral_connection(const ephemeral::Server& server,
                                              const std::string& database) {
    conn::ResolvedConnection resolved;
    resolved.config.host = server.socket_dir().string();
    resolved.config.port = server.port();
    resolved.config.username = server.superuser();
    resolved.target_db = database;
    resolved.maintenance_db = "postgres";
    resolved.config.database = resolved.target_db;
    return resolved;
}

void add_deploy_command(CLI::App& app, int& result, const Reporter& reporter) {
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
    cmd->callback([args, &result, &reporter] {
        if (args->project.empty()) {
            throw CLI::ValidationError(
                "usage error: missing required argument: <project_path>\n\nUsage: pgmi deploy "
                "<project_path> [flags]\n\nExample:\n  pgmi deploy . -d mydb");
        }
        DeployRun run(*args, reporter);
        try {
            result = run.run();
        } catch (const std::exception& e) {
            // The root answers the exception (stderr, --json, exit 3); the report promised by
            // --test-report is written here, where its path is known, when memory allows.
            run.write_test_report({.error = "internal error: " + std::string(e.what())});
            throw;
        }
    });
}

}  // namespace pgmi::cli
