#include "deploy/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "deploy/kept_properties.hpp"
#include "deploy/lock.hpp"
#include "deploy/pooler.hpp"
#include "deploy/watchdog.hpp"
#include "pg/quote.hpp"
#include "ui/approval.hpp"
#include "util/strings.hpp"

namespace pgmi::deploy {

namespace {

/// A failed DDL/lookup statement of the lifecycle: its own text, exit 1.
Error ddl_error(const Error& cause, const std::string& what) {
    Error e = cause.wrapped(what);
    e.kind = ErrorKind::General;
    return e;
}

/// CREATE DATABASE refused for want of the CREATEDB privilege: the target cannot be reached as
/// configured (11), with the two ways to fix it.
Error create_error(pg::Connection& maint, const Error& cause, const std::string& db) {
    if (!cause.server || cause.server->sqlstate != "42501")
        return ddl_error(cause, fmt::format("failed to create database {}", quote_for_message(db)));
    const char* user = PQuser(maint.raw());
    const std::string role = user != nullptr ? user : "";
    auto as_identifier = [&maint](const std::string& name) {
        auto quoted = pg::Quoter(maint).identifier(name);
        return quoted ? *quoted : name;
    };
    Error e = cause;
    e.kind = ErrorKind::Connection;
    e.message = fmt::format(
        "cannot create database {}: user {} may not create databases ({})\n"
        "either grant it the privilege (as a superuser: ALTER ROLE {} CREATEDB), or create the "
        "database first (CREATE DATABASE {};) and deploy into it",
        quote_for_message(db), quote_for_message(role), cause.server->message, as_identifier(role),
        as_identifier(db));
    return e;
}

/// A failed connection to the target, named as what it is: a problem found while connecting
/// that is the user's configuration (a cloud credentials file that does not exist) says so,
/// matching its exit code (10), instead of "database connection failed".
/// A connect given up on a stop signal: its message leads with the signal, as every stop's does
/// (serve rewrites that prefix for a cancelled call), and names the database.
std::optional<Error> stopped_connecting(const Error& e, const std::string& db) {
    if (e.kind != ErrorKind::Interrupted && e.kind != ErrorKind::Terminated)
        return std::nullopt;
    Error stopped = e;
    stopped.message += " to database " + quote_for_message(db);
    return stopped;
}

Error connect_failure(const Error& e, const std::string& db) {
    if (auto stopped = stopped_connecting(e, db))
        return *stopped;
    if (e.kind == ErrorKind::Config) {
        return e.message.rfind("invalid configuration", 0) == 0
                   ? e
                   : e.wrapped("invalid configuration");
    }
    return e.wrapped(fmt::format("database connection failed: failed to connect to database {}",
                                 quote_for_message(db)));
}

bool race_lost(const Error& e) {
    return e.server && (e.server->sqlstate == "42P04" || e.server->sqlstate == "23505");
}

Error race_error() {
    return make_error(ErrorKind::Lock,
                      "concurrent deployment in progress: the database was created by another "
                      "deploy while this one was starting");
}

Result<bool> database_exists(pg::Connection& maint, const std::string& db) {
    auto r = maint.exec_params("SELECT EXISTS(SELECT 1 FROM pg_database WHERE datname = $1)", {db});
    if (!r) {
        return ddl_error(r.error(), fmt::format("failed to check existence of database {}",
                                                quote_for_message(db)));
    }
    return r->value(0, 0) == "t";
}

Status create_plain(pg::Connection& maint, const std::string& db, const TargetLog& log) {
    log.progress(fmt::format("Database {} does not exist; creating", quote_for_message(db)));
    auto name = pg::Quoter(maint).identifier(db);
    if (!name)
        return ddl_error(name.error(),
                         fmt::format("failed to create database {}", quote_for_message(db)));
    auto created = maint.exec_params("CREATE DATABASE " + *name, {});
    if (!created) {
        if (race_lost(created.error()))
            return race_error();
        return create_error(maint, created.error(), db);
    }
    log.verbose(fmt::format("Created database {}", quote_for_message(db)));
    return Status::ok();
}

/// DROP DATABASE IF EXISTS; on 13+ WITH (FORCE) also ends sessions that connected after the
/// terminate step. Older servers get a few tries while terminated backends exit (55006).
Status drop_database(pg::Connection& maint, const std::string& db, const Deadline& deadline) {
    auto name = pg::Quoter(maint).identifier(db);
    if (!name)
        return ddl_error(name.error(),
                         fmt::format("failed to drop database {}", quote_for_message(db)));
    std::string sql = "DROP DATABASE IF EXISTS " + *name;
    if (maint.server_version() >= 130000)
        sql += " WITH (FORCE)";
    for (int attempt = 1;; ++attempt) {
        auto dropped = maint.exec_params(sql, {});
        if (dropped)
            return Status::ok();
        const auto& server = dropped.error().server;
        bool busy = server && server->sqlstate == "55006";
        if (!busy || attempt >= 20 || deadline.expired()) {
            return ddl_error(dropped.error(),
                             fmt::format("failed to drop database {}", quote_for_message(db)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

/// Connects to `db` for the deploy and takes its deploy lock (the last step of every path).
Result<pg::Connection> locked_session(conn::Connector& connector, const std::string& db,
                                      const Deadline& deadline, const TargetLog& log) {
    log.verbose(fmt::format("Connecting to database {}", quote_for_message(db)));
    auto session = connector.connect(db, deadline);
    if (!session)
        return connect_failure(session.error(), db);
    if (Status s = acquire_deploy_lock(*session, db); !s)
        return s.error();
    return session;
}

/// The maintenance connection for creating or recreating the target: pgmi's first connection of
/// the run, so it is checked for a pooler, and it holds the lifecycle lock. `context` prefixes
/// connection failures.
Result<pg::Connection> lifecycle_connection(conn::Connector& connector,
                                            const conn::ResolvedConnection& resolved,
                                            const Deadline& deadline, const TargetLog& log,
                                            const std::string& context) {
    log.verbose(fmt::format("Connecting to maintenance database {}",
                            quote_for_message(resolved.maintenance_db)));
    auto maint = connector.connect(resolved.maintenance_db, deadline);
    if (!maint && conn::is_missing_database(maint.error())) {
        // The connector's advice ("createdb it, or pass --overwrite") is for a missing target.
        const auto source = resolved.sources.find("maintenance");
        Error e = maint.error();
        e.message = fmt::format(
            "{}: maintenance database {} does not exist{}\n"
            "pgmi connects to the maintenance database to create or drop {}: name one that "
            "exists (usually postgres) as the database of the connection string, or as "
            "connection.maintenance_database in pgmi.yaml",
            context, quote_for_message(resolved.maintenance_db),
            source != resolved.sources.end() && !source->second.empty()
                ? " (from " + source->second + ")"
                : "",
            quote_for_message(resolved.target_db));
        return e;
    }
    if (!maint) {
        if (auto stopped = stopped_connecting(maint.error(), resolved.maintenance_db))
            return *stopped;
        return maint.error().wrapped(context + ": failed to connect to maintenance database");
    }
    if (Status s = refuse_transaction_pooler(*maint, connector, resolved.maintenance_db,
                                             resolved.config, deadline);
        !s) {
        return s.error();
    }
    if (Status s = acquire_lifecycle_lock(*maint, resolved.target_db); !s)
        return s.error();
    return maint;
}

/// Drops the existing target and creates it again with what it had, from `maint`. `guard` (when
/// pgmi could connect) is a connection to the target holding its deploy lock: it stays open
/// until DROP DATABASE ... WITH (FORCE) ends it, so no deploy can start on the old database.
Status recreate(pg::Connection& maint, std::optional<pg::Connection>& guard, const std::string& db,
                const Deadline& deadline, const TargetLog& log) {
    auto kept = read_kept_properties(maint, db);
    if (!kept)
        return kept.error();
    // Every step is shown with --verbose and runs as its own message; see kept_properties.hpp.
    auto run = [&](const Result<std::vector<Step>>& steps) -> Status {
        if (!steps)
            return ddl_error(steps.error(),
                             fmt::format("failed to restore database {}", quote_for_message(db)));
        const Statement* failed = nullptr;
        Status s = run_steps(
            maint, *steps, [&](const Statement& st) { log.verbose(st.sql); }, &failed);
        if (!s) {
            return ddl_error(s.error(),
                             fmt::format("failed to restore database {}: {}", quote_for_message(db),
                                         failed != nullptr ? failed->sql : ""));
        }
        return Status::ok();
    };
    // Terminate the other sessions on the target (not the guard).
    auto terminated = maint.exec_params(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2",
        {db, std::to_string(guard ? guard->backend_pid() : 0)});
    if (!terminated) {
        return ddl_error(terminated.error(), fmt::format("failed to terminate connections to "
                                                         "database {}",
                                                         quote_for_message(db)));
    }
    log.verbose(fmt::format("Terminated {} other session(s) on database {}",
                            terminated->value(0, 0), quote_for_message(db)));
    if (Status s = run(before_drop_steps(pg::Quoter(maint), db, *kept)); !s)
        return s;
    if (maint.server_version() < 130000) {
        // No WITH (FORCE) before 13: the guard must go first, leaving a short window.
        guard.reset();
    }
    if (Status s = drop_database(maint, db, deadline); !s)
        return s;
    log.verbose(fmt::format("Dropped database {}", quote_for_message(db)));
    auto create = create_statement(pg::Quoter(maint), db, *kept);
    if (!create) {
        return ddl_error(create.error(),
                         fmt::format("failed to create database {}", quote_for_message(db)));
    }
    log.verbose(create->sql);
    if (auto created = maint.exec_params(create->sql, {}); !created) {
        if (race_lost(created.error()))
            return race_error();
        return create_error(maint, created.error(), db);
    }
    if (Status s = run(restore_steps(pg::Quoter(maint), db, *kept)); !s)
        return s;
    log.progress(fmt::format("Recreated database {}", quote_for_message(db)));
    return Status::ok();
}

Result<pg::Connection> overwrite_target(conn::Connector& connector,
                                        const conn::ResolvedConnection& resolved,
                                        const Deadline& deadline, const TargetLog& log) {
    const std::string prefix = "overwrite workflow failed";
    const std::string& db = resolved.target_db;
    if (Status s = check_overwrite_target(resolved); !s)
        return s.error();
    auto wrap = [&](const Error& e) { return e.kind == ErrorKind::Lock ? e : e.wrapped(prefix); };

    // 1. The maintenance database, where every DDL runs, under the lifecycle lock.
    auto maint = lifecycle_connection(connector, resolved, deadline, log, prefix);
    if (!maint)
        return maint.error();  // already says "overwrite workflow failed"
    // Declared before the lock's release, so it still bounds that last query on a stalled path.
    Watchdog watchdog(*maint, deadline);
    auto stop_or_wrap = [&](const Error& e) {
        return watchdog.fired() ? watchdog.stop_error(e) : wrap(e);
    };
    LockRelease release_lifecycle(*maint);
    auto exists = database_exists(*maint, db);
    if (!exists)
        return stop_or_wrap(exists.error());
    if (!*exists) {
        if (Status s = create_plain(*maint, db, log); !s)
            return stop_or_wrap(s.error());
        return locked_session(connector, db, deadline, log);
    }

    // 2. The old target's deploy lock, before anything is asked or dropped: a deploy running
    //    there is reported (15), not killed.
    log.verbose(
        fmt::format("Connecting to database {} to take its deploy lock", quote_for_message(db)));
    std::optional<pg::Connection> guard;
    if (auto g = connector.connect(db, deadline); g) {
        guard.emplace(std::move(g).value());
    } else if (g.error().kind == ErrorKind::Connection) {
        // No connection to it for us (datallowconn, CONNECT privilege): none for a pgmi deploy
        // with our credentials either, so recreating cannot kill one.
        log.verbose(fmt::format("Could not connect to database {} to take its deploy lock: {}",
                                quote_for_message(db), g.error().message));
    } else {
        return g.error();  // timeout, interrupt, not PostgreSQL
    }
    std::optional<LockRelease> release_guard;
    if (guard) {
        if (Status s = acquire_deploy_lock(*guard, db); !s)
            return s.error();
        release_guard.emplace(*guard);
    }

    // 3. Approval.
    Status approved =
        log.approve
            ? log.approve(db, deadline)
            : ui::approve_overwrite(
                  db, ui::OverwriteApproval::detect(process_env(), resolved.force), deadline);
    if (!approved) {
        const Error& e = approved.error();
        return e.kind == ErrorKind::Approval ? e.wrapped(prefix) : e;
    }

    // 4. Drop and create with what it had; DROP ... WITH (FORCE) ends the guard's session.
    if (release_guard)
        release_guard->dismiss();
    if (Status s = recreate(*maint, guard, db, deadline, log); !s)
        return stop_or_wrap(s.error());

    // 5. The session connection to the new target; the lifecycle lock goes with `maint`.
    return locked_session(connector, db, deadline, log);
}

}  // namespace

Status check_overwrite_target(const conn::ResolvedConnection& resolved) {
    const std::string& db = resolved.target_db;
    if (util::to_lower(db) == util::to_lower(resolved.maintenance_db)) {
        return make_error(ErrorKind::Config,
                          fmt::format("overwrite workflow failed: cannot overwrite maintenance "
                                      "database {}\npgmi connects to it for CREATE/DROP "
                                      "DATABASE; pick a different target with -d: invalid "
                                      "configuration",
                                      quote_for_message(db)));
    }
    if (util::to_lower(db) == "postgres") {
        // The default maintenance database of every cluster, and other tools' (even when this
        // run uses another one): recreating it would strand whatever they keep there.
        return make_error(ErrorKind::Config,
                          fmt::format("overwrite workflow failed: refusing to drop and recreate {}"
                                      "\nit is the cluster's default maintenance database; pick a "
                                      "different target with -d: invalid configuration",
                                      quote_for_message(db)));
    }
    if (util::to_lower(db) == "template0" || util::to_lower(db) == "template1") {
        return make_error(ErrorKind::Config,
                          fmt::format("overwrite workflow failed: cannot drop template database "
                                      "{} (template0/template1 are protected by PostgreSQL): "
                                      "invalid configuration",
                                      quote_for_message(db)));
    }
    return Status::ok();
}

Result<pg::Connection> open_target(conn::Connector& connector,
                                   const conn::ResolvedConnection& resolved,
                                   const Deadline& deadline, const TargetLog& log) {
    if (resolved.overwrite)
        return overwrite_target(connector, resolved, deadline, log);

    const std::string& db = resolved.target_db;
    log.verbose(fmt::format("Connecting to database {}", quote_for_message(db)));
    auto session = connector.connect(db, deadline);
    if (session) {
        if (Status s =
                refuse_transaction_pooler(*session, connector, db, resolved.config, deadline);
            !s) {
            return s.error();
        }
        if (Status s = acquire_deploy_lock(*session, db); !s)
            return s.error();
        return session;
    }
    if (session.error().kind != ErrorKind::Connection ||
        !conn::is_missing_database(session.error())) {
        return connect_failure(session.error(), db);
    }

    // Missing: create it from the maintenance database under the lifecycle lock, and take the
    // new target's deploy lock before letting go of it.
    log.verbose(fmt::format("Database {} not found; using the maintenance database to create it",
                            quote_for_message(db)));
    const std::string context = "failed to ensure database exists";
    auto maint = lifecycle_connection(connector, resolved, deadline, log, context);
    if (!maint)
        return maint.error();
    Watchdog watchdog(*maint, deadline);  // before the release: see overwrite_target
    LockRelease release_lifecycle(*maint);
    if (Status s = create_plain(*maint, db, log); !s) {
        if (watchdog.fired())
            return watchdog.stop_error(s.error());
        return s.error().kind == ErrorKind::Lock ? s.error() : s.error().wrapped(context);
    }
    return locked_session(connector, db, deadline, log);
}

}  // namespace pgmi::deploy
