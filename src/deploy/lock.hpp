// The deploy locks (deploy-execution §3, improved per §8.6): session-level, non-blocking advisory
// locks; busy means exit 15, with the holder named when pg_stat_activity shows it.
//
// - The deploy lock lives in the target database. Its key is computed server-side with the same
//   expression as the reference implementation, so deploys of both exclude each other.
// - The lifecycle lock lives in the maintenance database and is keyed by the target's name. pgmi
//   holds it while it creates or drops and recreates a target (a database that does not exist
//   yet has nowhere to hold the deploy lock), and takes the target's deploy lock before it lets
//   go of it. An --overwrite also holds the old target's deploy lock until DROP DATABASE ends
//   that connection, so it never kills a running deploy.
#pragma once

#include <string>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

/// Takes the deploy lock of the database `conn` is connected to (named `db` in messages), or
/// fails with Lock (15). A failing lock query is General (1).
Status acquire_deploy_lock(pg::Connection& conn, const std::string& db);

/// Takes the lifecycle lock for creating or recreating `target` on the maintenance connection
/// `maint`, or fails with Lock (15).
Status acquire_lifecycle_lock(pg::Connection& maint, const std::string& target);

/// Rolls back an open transaction and releases every advisory lock of the session. Errors are
/// ignored: the session is closed right after, which frees the locks anyway; releasing first
/// means an immediate re-run cannot outrace the server's processing of the disconnect.
void release_deploy_lock(pg::Connection& conn);

/// Releases the session's advisory locks when it goes out of scope (if still connected).
class LockRelease {
  public:
    explicit LockRelease(pg::Connection& conn) : conn_(&conn) {}
    ~LockRelease() {
        if (conn_ != nullptr && conn_->is_open())
            release_deploy_lock(*conn_);
    }
    LockRelease(const LockRelease&) = delete;
    LockRelease& operator=(const LockRelease&) = delete;
    /// Keep the locks: the connection is handed on (or is about to be ended by the server).
    void dismiss() { conn_ = nullptr; }

  private:
    pg::Connection* conn_;
};

}  // namespace pgmi::deploy
