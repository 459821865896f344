// The deploy lock (deploy-execution §3): a session-level advisory lock on the target whose key is
// computed server-side from the database name, with the same expression as the reference
// implementation, so deploys of both exclude each other. Non-blocking: busy means exit 15.
#pragma once

#include <string>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

/// Takes the lock or fails with Lock (15), naming the holder when pg_locks shows it.
Status acquire_deploy_lock(pg::Connection& conn, const std::string& db);

/// Rolls back an open transaction and releases every advisory lock of the session. Errors are
/// ignored: the session is closed right after, which frees the lock anyway.
void release_deploy_lock(pg::Connection& conn);

}  // namespace pgmi::deploy
