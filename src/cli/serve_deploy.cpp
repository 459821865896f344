// The `deploy` tool of `pgmi serve`: a deploy from the call's arguments only (no pgmi.yaml, .env
// or flags; libpq's own defaults such as PGPASSWORD and ~/.pgpass still apply), or into a
// throwaway server with `ephemeral: true`. Notices go to stderr and the last kMaxNotices are
// returned; a client's notifications/cancelled stops it like SIGINT stops the CLI (the
// statement is cancelled, the transaction rolls back; the result, exit code 130, is built but
// mcp::Server does not send it to a client that cancelled).
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli/deploy_command.hpp"
#include "cli/serve_tools.hpp"
#include "config/duration.hpp"
#include "config/params.hpp"
#include "conn/resolver.hpp"
#include "deploy/deployer.hpp"
#include "ephemeral/server.hpp"
#include "report/human.hpp"
#include "report/json.hpp"
#include "ui/terminal.hpp"

namespace pgmi::cli {

namespace {

using mcp::Json;
using mcp::ToolCall;
using mcp::ToolResult;
using serve::bool_arg;
using serve::string_arg;

constexpr size_t kMaxNotices = 200;
constexpr std::string_view kEphemeralDatabase = "pgmi_ephemeral";

struct DeployArguments {
    std::string path, connection, database, confirm, maintenance;
    std::optional<std::string> timeout;
    bool overwrite = false;
    bool ephemeral = false;
    std::vector<std::pair<std::string, std::string>> params;
};

Result<DeployArguments> read_arguments(const Json& args) {
    DeployArguments a;
    auto text = [&](const char* name, std::string& into) -> Status {
        auto v = string_arg(args, name);
        if (!v)
            return v.error();
        into = std::move(v).value();
        return Status::ok();
    };
    for (auto [name, into] : {std::pair{"path", &a.path},
                              {"connection", &a.connection},
                              {"database", &a.database},
                              {"confirmDatabaseName", &a.confirm},
                              {"maintenanceDatabase", &a.maintenance}}) {
        if (Status s = text(name, *into); !s)
            return s.error();
    }
    if (args.contains("timeout") && !args["timeout"].is_null()) {
        std::string t;
        if (Status s = text("timeout", t); !s)
            return s.error();
        a.timeout = t;
    }
    for (auto [name, into] : {std::pair{"overwrite", &a.overwrite}, {"ephemeral", &a.ephemeral}}) {
        auto v = bool_arg(args, name);
        if (!v)
            return v.error();
        *into = *v;
    }
    if (auto p = args.find("params"); p != args.end() && !p->is_null()) {
        if (!p->is_object())
            return make_error(ErrorKind::Usage, "argument params must be an object of strings");
        for (const auto& [key, value] : p->items()) {
            if (!value.is_string()) {
                return make_error(
                    ErrorKind::Usage,
                    fmt::format("params.{} must be a string, not {}", key, value.type_name()));
            }
            a.params.emplace_back(key, value.get<std::string>());
        }
    }
    return a;
}

/// The checks of commands §11 in their order, all before anything connects.
Status check_arguments(DeployArguments& a) {
    if (a.ephemeral && a.database.empty())
        a.database = std::string(kEphemeralDatabase);
    if (a.overwrite) {
        if (a.confirm.empty()) {
            return make_error(ErrorKind::Approval,
                              fmt::format("overwrite=true drops database \"{}\": pass "
                                          "confirmDatabaseName=\"{}\" to confirm",
                                          a.database, a.database));
        }
        if (a.confirm != a.database) {
            return make_error(ErrorKind::Approval,
                              fmt::format("confirmDatabaseName \"{}\" does not match database "
                                          "\"{}\"; nothing was deployed and no database was "
                                          "dropped",
                                          a.confirm, a.database));
        }
    }
    std::vector<std::string> missing;
    if (a.path.empty())
        missing.emplace_back("path is required");
    if (a.database.empty())
        missing.emplace_back("database is required");
    if (a.ephemeral && !a.connection.empty())
        missing.emplace_back("connection and ephemeral exclude each other");
    if (!a.ephemeral && a.connection.empty())
        missing.emplace_back("connection is required (or ephemeral: true)");
    if (!missing.empty()) {
        std::string message;
        for (const std::string& m : missing)
            message += (message.empty() ? "" : "\n") + m + ": invalid configuration";
        return make_error(ErrorKind::Config, message);
    }
    return Status::ok();
}

Result<std::chrono::nanoseconds> timeout_of(const DeployArguments& a) {
    if (!a.timeout)
        return std::chrono::nanoseconds(std::chrono::minutes(3));
    auto t = config::parse_duration(*a.timeout);
    if (!t) {
        Error e = t.error().wrapped("invalid timeout");
        e.kind = ErrorKind::Config;
        return e;
    }
    if (t->count() < 0)
        return make_error(ErrorKind::Config, "timeout cannot be negative: invalid configuration");
    return *t;
}

/// The last kMaxNotices of the notices the deploy recorded (report::Outcome::notices), as
/// "SEVERITY: message", redacted; the rest counted in noticesTruncated.
void add_notices(Json& value, const report::NoticeLog& log, const report::Redactor& redact) {
    const auto& kept = log.kept();
    const size_t skip = kept.size() > kMaxNotices ? kept.size() - kMaxNotices : 0;
    Json list = Json::array();
    for (size_t i = skip; i < kept.size(); ++i)
        list.push_back(redact(kept[i].severity + ": " + kept[i].message));
    value["notices"] = std::move(list);
    value["noticesTruncated"] = log.dropped() + skip;
}

Json tests_json(const report::TestRun& run) {
    Json list = Json::array();
    for (const report::TestCase& c : run.cases) {
        const char* status = c.status == report::TestCase::Status::Passed   ? "passed"
                             : c.status == report::TestCase::Status::Failed ? "failed"
                                                                            : "skipped";
        Json t{{"path", c.path},
               {"fixture", c.fixture},
               {"status", status},
               {"durationMs", static_cast<double>(c.duration.count()) / 1000.0}};
        if (!c.message.empty())
            t["message"] = c.message;
        if (!c.sqlstate.empty())
            t["sqlstate"] = c.sqlstate;
        list.push_back(std::move(t));
    }
    return list;
}

/// The tool's answer for a deploy that ran: the CLI's --json envelope, with MCP's names.
ToolResult answer(const report::Outcome& outcome, const report::Redactor& redact, int stopped_by) {
    const nlohmann::json envelope = report::outcome_json(outcome, redact);
    Json value = Json::object();
    for (const auto& [key, v] : envelope.items())
        value[key] = v;
    add_notices(value, outcome.notices, redact);
    report::TestRun tests = outcome.tests;
    for (report::TestCase& c : tests.cases)
        c.message = redact(c.message);
    value["tests"] = tests_json(tests);
    if (outcome.ok())
        return serve::success(std::move(value));
    std::string message = value["error"].get<std::string>();
    if (stopped_by != 0 && outcome.error->kind == ErrorKind::Interrupted) {
        // The watchdog words it for a signal; here the client asked, or went away.
        const std::string_view signal_words = "interrupted (SIGINT):";
        if (message.rfind(signal_words, 0) == 0) {
            message.replace(0, signal_words.size(),
                            stopped_by == SIGHUP ? "stopped: the client closed the connection;"
                                                 : "cancelled by the client:");
        }
    }
    value.erase("error");
    value.erase("status");
    value["message"] = message;
    std::string text = message;
    if (outcome.failed_file)
        text += fmt::format("\n(in {})", redact(*outcome.failed_file));
    return ToolResult{std::move(value), std::move(text), true};
}

ToolResult run(const Json& json_args, ToolCall& call) {
    auto args = read_arguments(json_args);
    if (!args)
        return serve::failure(args.error());
    if (Status s = check_arguments(*args); !s)
        return serve::failure(s.error());
    auto timeout = timeout_of(*args);
    if (!timeout)
        return serve::failure(timeout.error());
    auto params = config::merge_params({.yaml = args->params});
    if (!params)
        return serve::failure(params.error());

    report::Redactor redact;
    learn_environment_secrets(redact, process_env());
    std::optional<ephemeral::Server> server;
    conn::ResolvedConnection resolved;
    if (args->ephemeral) {
        call.progress("Starting a throwaway PostgreSQL server");
        ephemeral::Options opts;
        opts.tcp = false;
        auto started = ephemeral::Server::start(opts);
        if (!started)
            return serve::failure(started.error().wrapped("ephemeral"));
        server.emplace(std::move(started).value());
        resolved = ephemeral_connection(*server, args->database);
    } else {
        // Only the call's own inputs: no environment lookups of pgmi's own (libpq still
        // applies its defaults when it connects).
        auto r = conn::resolve({.connection = args->connection, .database = args->database},
                               env_from({}), config::YamlConnection{});
        if (!r)
            return serve::failure(r.error());
        resolved = std::move(r).value();
    }
    resolved.maintenance_db = args->maintenance.empty() ? "postgres" : args->maintenance;
    resolved.overwrite = args->overwrite;
    resolved.force = true;
    for (const std::string& secret : resolved.secrets())
        redact.add_secret(secret);

    // Notices are mirrored to stderr as they come; the deploy itself records them in the outcome.
    const auto started = std::chrono::steady_clock::now();
    const ui::Terminal term = ui::Terminal::detect(process_env());
    auto last_unit = std::chrono::steady_clock::time_point{};
    auto progress = [&](std::string_view text) { call.progress(redact(std::string(text))); };
    deploy::DeployOutput out{
        .progress = progress,
        .verbose = [](std::string_view) {},
        .notice =
            [&](const ServerError& n) {
                const std::string shown = report::notice_text(n, false, started, redact, term);
                std::fwrite(shown.data(), 1, shown.size(), stderr);
            },
        .unit =
            [&](size_t k, size_t n) {
                // At most ten a second: a psql-mode tail can have thousands of units.
                const auto now = std::chrono::steady_clock::now();
                if (k == 1 || k == n || now - last_unit > std::chrono::milliseconds(100)) {
                    last_unit = now;
                    call.progress(fmt::format("Executing unit {} of {}", k, n));
                }
            },
        .activity =
            [&](std::string_view what) {
                if (!what.empty())
                    progress(fmt::format("Running {}", what));
            },
        .warning =
            [&](std::string_view text) {
                const std::string line = report::terminal_safe(redact(std::string(text))) + "\n";
                std::fwrite(line.data(), 1, line.size(), stderr);
            },
        .secret = [&](const std::string& s) { redact.add_secret(s); },
        .approve = [](const std::string&, const Deadline&) { return Status::ok(); },
    };
    const deploy::DeployOptions options{.project_dir = args->path,
                                        .connection = resolved,
                                        .params = *params,
                                        .compat = "",
                                        .timeout = *timeout,
                                        .verbose = false,
                                        .max_file_size = size_t{10} * 1024 * 1024,
                                        .stop = call.stop};
    const report::Outcome outcome = deploy::run_deploy(options, out);
    // Who stopped it, when the server's own signal did not.
    const int stopped_by = interrupt_signal().load() == 0 ? call.stop->load() : 0;
    return answer(outcome, redact, stopped_by);
}

}  // namespace

mcp::Tool deploy_tool() {
    using serve::object_schema;
    const Json str = {{"type", "string"}};
    const Json input = object_schema(
        {{"path", {{"type", "string"}, {"description", "Project directory (holds deploy.sql)"}}},
         {"connection",
          {{"type", "string"},
           {"description",
            "Connection string (URI, key=value or ADO.NET) of the server; its "
            "database is the maintenance database unless maintenanceDatabase"}}},
         {"database",
          {{"type", "string"}, {"description", "Target database (created if missing)"}}},
         {"ephemeral",
          {{"type", "boolean"},
           {"description", "Deploy into a throwaway local PostgreSQL instead of a server"}}},
         {"overwrite",
          {{"type", "boolean"},
           {"description", "Drop and recreate the target first; needs confirmDatabaseName"}}},
         {"confirmDatabaseName",
          {{"type", "string"}, {"description", "With overwrite: the database name, echoed"}}},
         {"timeout",
          {{"type", "string"}, {"description", "Deadline, e.g. 90s or 5m (3m; 0 = none)"}}},
         {"maintenanceDatabase",
          {{"type", "string"}, {"description", "Database used to create the target (postgres)"}}},
         {"params",
          {{"type", "object"},
           {"additionalProperties", {{"type", "string"}}},
           {"description", "Session parameters (pgmi_get_param)"}}}},
        {"path"});
    const Json test = object_schema({{"path", str},
                                     {"fixture", {{"type", "boolean"}}},
                                     {"status", {{"enum", {"passed", "failed", "skipped"}}}},
                                     {"durationMs", {{"type", "number"}}},
                                     {"message", str},
                                     {"sqlstate", str}},
                                    {"path", "status"});
    const Json success =
        object_schema({{"status", {{"const", "success"}}},
                       {"exitCode", {{"type", "integer"}}},
                       {"database", str},
                       {"filesLoaded", {{"type", "integer"}}},
                       {"testMacros", {{"type", "integer"}}},
                       {"durationMs", {{"type", "integer"}}},
                       {"executionUnits", {{"type", "integer"}}},
                       {"unitsCommitted", {{"type", "integer"}}},
                       {"notices", {{"type", "array"}, {"items", str}}},
                       {"noticesTruncated", {{"type", "integer"}}},
                       {"tests", {{"type", "array"}, {"items", test}}}},
                      {"status", "database", "filesLoaded", "durationMs", "notices", "tests"});
    return mcp::Tool{
        "deploy",
        "Deploy a project (run its deploy.sql in a session holding every file) to connection + "
        "database, or to a throwaway server with ephemeral=true; overwrite=true drops the "
        "database first and needs confirmDatabaseName equal to database",
        input, serve::output_schema(success), run};
}

}  // namespace pgmi::cli
