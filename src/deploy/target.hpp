// Reaching the target database (two-database pattern, connections §10).
//
// Without --overwrite: connect to the target; if it does not exist (3D000), connect to the
// maintenance database, CREATE DATABASE, and connect to the target again.
//
// With --overwrite, the seeds' sequence: refuse a target that is the maintenance database or
// template0/template1 (Config, before connecting); connect to the maintenance database; if the
// target exists, ask for approval (ui/approval), read what to keep (encoding, LC_COLLATE/LC_CTYPE
// and locale provider, owner, connection limit, tablespace, database-level settings, comment),
// terminate its other sessions, DROP DATABASE IF EXISTS (WITH (FORCE) on 13+), CREATE DATABASE
// with the kept properties; disconnect; connect to the target. A missing target is simply
// created (no approval needed). The session tables and deploy.sql follow in the deployer.
//
// Locks (deploy/lock.hpp): the existing target's deploy lock is taken before approval and held
// until DROP DATABASE ... WITH (FORCE) ends that connection; creating and recreating happen under
// the maintenance database's lifecycle lock, released only after the new target's deploy lock is
// held by the returned session.
//
// Stops: a Watchdog (deploy/watchdog) guards the maintenance connection, so --timeout and a stop
// signal cancel a statement that waits there (CREATE DATABASE behind a lock on its template,
// say) and a stalled path is given up after the cancel's grace, as during deploy.sql.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "conn/connection_config.hpp"
#include "conn/connector.hpp"
#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace pgmi::deploy {

struct TargetLog {
    std::function<void(std::string_view)> progress;  // always shown
    std::function<void(std::string_view)> verbose;   // --verbose only
    /// Approves dropping an existing target (--overwrite). Unset: ui::approve_overwrite at this
    /// process's terminal, with --force from `resolved.force`.
    std::function<Status(const std::string& database, const Deadline& deadline)> approve;
};

/// Opens the session connection to `resolved.target_db`, holding its deploy lock (deploy/lock):
/// created when missing, dropped and recreated first with `resolved.overwrite`. pgmi's first
/// connection of the run is checked for a transaction-mode pooler (11) before any lock; creating
/// and recreating run under the lifecycle lock (15 when another pgmi holds either).
Result<pg::Connection> open_target(conn::Connector& connector,
                                   const conn::ResolvedConnection& resolved,
                                   const Deadline& deadline, const TargetLog& log);

/// The offline refusals of --overwrite (exit 10): the target is the maintenance database,
/// `postgres` (whatever the maintenance database is), or a template database. Messages start with
/// "overwrite workflow failed: ".
Status check_overwrite_target(const conn::ResolvedConnection& resolved);

/// A name for messages: double-quoted, `"`, `\` and non-printables backslash-escaped.
using util::quote_for_message;

}  // namespace pgmi::deploy
