#include "deploy/deployer.hpp"

#include <fmt/format.h>

#include <optional>

#include "conn/connector.hpp"
#include "deploy/executor.hpp"
#include "deploy/file_locator.hpp"
#include "deploy/lock.hpp"
#include "deploy/lock_table.hpp"
#include "deploy/target.hpp"
#include "deploy/test_macros.hpp"
#include "deploy/test_recorder.hpp"
#include "deploy/watchdog.hpp"
#include "project/scanner.hpp"
#include "script/splitter.hpp"
#include "session/loader.hpp"

namespace pgmi::deploy {

namespace {

/// The content of the project file or test at `path`, or nullptr.
const std::string* content_of(const project::Project& project, const std::string& path) {
    for (const auto& f : project.files) {
        if (f.path == path)
            return &f.content;
    }
    for (const auto& t : project.tests) {
        if (t.path == path)
            return &t.content;
    }
    return nullptr;
}

/// The deploy from the locked session connection on: prepare, split, execute. The lock is
/// released on every path.
void run_session(pg::Connection& session, const project::Project& project, int api_version,
                 const script::MacroScan& macros, const DeployOptions& options,
                 const DeployOutput& out, const Deadline& deadline, TestRecorder& tests,
                 report::Outcome& outcome) {
    // The server version was checked by the connector's compatibility query on connect.
    Watchdog watchdog(session, deadline);
    auto finish = [&] { release_deploy_lock(session); };

    if (options.verbose) {
        if (auto r = session.exec("SET client_min_messages = 'debug'"); !r) {
            outcome.error = r.error().wrapped("failed to set client_min_messages");
            return finish();
        }
    }
    auto prepared = session::prepare(session, project, options.params, api_version, out.verbose);
    if (!prepared) {
        outcome.error = watchdog.fired() ? watchdog.stop_error(prepared.error()) : prepared.error();
        return finish();
    }
    outcome.files_loaded = prepared->files_loaded;
    out.progress(fmt::format("Loaded {} files", prepared->files_loaded));
    if (prepared->params_loaded > 0) {
        out.progress(fmt::format("Loaded {} parameters", prepared->params_loaded));
    }

    // Without macros deploy.sql runs as read (no copy: it can be large).
    std::optional<script::Expansion> expanded;
    if (!macros.calls.empty()) {
        auto e = expand_test_macros(session, project.deploy_sql, macros);
        if (!e) {
            outcome.error = watchdog.fired() ? watchdog.stop_error(e.error()) : e.error();
            return finish();
        }
        expanded = std::move(e).value();
        out.verbose(fmt::format("Expanded {} test macro(s) in deploy.sql", macros.calls.size()));
        tests.plan(session, macros);
    }
    outcome.test_macros = macros.calls.size();
    outcome.script_expanded = expanded.has_value();

    out.progress("Executing deploy.sql");
    const std::string_view script =
        expanded ? std::string_view(expanded->script) : std::string_view(project.deploy_sql);
    const auto units = script::split(script);
    outcome.execution_units = units.size();
    if (units.size() > 1) {
        out.verbose(
            fmt::format("deploy.sql splits into {} execution units at the first "
                        "top-level transaction terminator",
                        units.size()));
    }
    Execution ex = execute_units(session, script, units, watchdog, [&](size_t i) {
        if (out.unit)
            out.unit(i + 1, units.size());
    });
    outcome.units_committed = ex.committed;
    outcome.failed_unit = ex.failed_unit;
    outcome.location = ex.location;
    outcome.location_in_file = ex.location_in_file;
    if (ex.error_offset && expanded) {
        // Back to deploy.sql as written; text a macro generated points at its CALL.
        outcome.location =
            script::locate_offset(project.deploy_sql, expanded->origin(*ex.error_offset).offset);
    }
    outcome.failed_file = ex.failed_file;
    if (ex.error && ex.error->server && !ex.location_in_file && !ex.error_offset) {
        // The failure happened inside a project file that deploy.sql EXECUTEd: name it.
        if (auto hit = locate_in_files(*ex.error->server, project, ex.failed_file)) {
            outcome.failed_file = hit->path;
            if (hit->location) {
                outcome.location = hit->location;
                outcome.location_in_file = true;
            }
        }
    }
    if (!outcome.failed_file && ex.error && ex.error->server && tests.failed_path() != nullptr) {
        // Nothing in the error points at a file, but a test reported its failure just before:
        // that test is where it happened.
        outcome.failed_file = *tests.failed_path();
    }
    if (!outcome.location && outcome.failed_file && ex.error && ex.error->server) {
        // A runtime error has no position; inside a file's DO block its CONTEXT names the line
        // (for a test, the failure marker kept that CONTEXT).
        const std::string* context = tests.failure_context(*outcome.failed_file);
        if (context == nullptr)
            context = &ex.error->server->context;
        if (const std::string* content = content_of(project, *outcome.failed_file)) {
            if (auto loc = locate_in_do_block(*context, *content)) {
                outcome.location = loc;
                outcome.location_in_file = true;
            }
        }
    }
    if (outcome.location) {
        // The excerpt of the error block: two lines before the failing one, one after.
        std::string_view source = project.deploy_sql;
        if (outcome.location_in_file && outcome.failed_file) {
            if (const std::string* content = content_of(project, *outcome.failed_file))
                source = *content;
        }
        const int line = outcome.location->line;
        outcome.lines_before = script::lines_of(source, line - 2, line - 1);
        outcome.lines_after = script::lines_of(source, line + 1, line + 1);
    }
    if (ex.error)
        outcome.error = ex.error;
    finish();
    // Out of lock table: said in our words, with the server's settings (readable now that
    // finish() rolled the failed transaction back).
    if (outcome.error && outcome.error->server && !watchdog.fired()) {
        if (auto setting = exhausted_lock_setting(*outcome.error->server)) {
            outcome.error->message +=
                explain_lock_table_exhaustion(*setting, read_lock_table_settings(session, *setting),
                                              project, outcome.failed_file);
        }
    }
}

}  // namespace

report::Outcome run_deploy(const DeployOptions& options, const DeployOutput& out) {
    const auto started = std::chrono::steady_clock::now();
    const Deadline deadline = Deadline::after(options.timeout).with_stop(options.stop);
    report::Outcome outcome;
    outcome.service_ran = true;
    outcome.database = options.connection.target_db;
    // The test gate's record, for --test-report: finished on every path, so a deploy that stops
    // before any test (even offline) still says why.
    TestRecorder tests;
    auto done = [&]() -> report::Outcome {
        outcome.tests = tests.finish(outcome.error);
        outcome.duration = std::chrono::steady_clock::now() - started;
        return outcome;
    };

    out.verbose(fmt::format("Deploying to database {}", quote_for_message(outcome.database)));
    out.verbose(fmt::format("Source path: {}", options.project_dir.string()));

    // 1. Offline: the whole project is read and checked before anything is contacted.
    out.verbose(fmt::format("Scanning {}", options.project_dir.string()));
    auto project = project::scan(options.project_dir, {.max_file_size = options.max_file_size});
    if (!project) {
        outcome.error = project.error().wrapped("file scanning failed");
        return done();
    }
    out.verbose(fmt::format("Found {} files to load", project->scanned_files));
    auto api_version = session::resolve_api_version(options.compat);
    if (!api_version) {
        outcome.error = api_version.error();
        return done();
    }
    auto macros = check_test_macros(project->deploy_sql);
    if (!macros) {
        outcome.error = macros.error();
        return done();
    }

    // 2. Reach the target: one session connection holding the deploy lock, checked for a
    //    transaction pooler, the database created (or recreated) first when asked or missing.
    auto connector = conn::make_connector(
        options.connection.config,
        {.verbose = out.verbose, .warning = out.warning, .secret = out.secret});
    if (!connector) {
        outcome.error = connector.error();
        return done();
    }
    auto session =
        open_target(**connector, options.connection, deadline,
                    {.progress = out.progress, .verbose = out.verbose, .approve = out.approve});
    if (!session) {
        outcome.error = session.error();
        return done();
    }
    out.progress("Preparing session: scanning files, loading parameters");
    // The test gate's markers go to the recorder (report and progress line), the rest is shown.
    session->set_notice_handler([&](const ServerError& notice) {
        std::string running;
        if (!tests.observe(notice, &running)) {
            outcome.notices.add(notice);
            out.notice(notice);
        } else if (out.activity) {
            out.activity(running);
        }
    });

    // 3. Prepare the session, run deploy.sql, release the lock.
    run_session(*session, *project, *api_version, *macros, options, out, deadline, tests, outcome);
    session->set_notice_handler(nullptr);
    return done();
}

}  // namespace pgmi::deploy
