#include "deploy/lock.hpp"

#include <fmt/format.h>

#include <vector>

#include "deploy/target.hpp"

namespace pgmi::deploy {

namespace {

// The reference's key, evaluated in the target database itself.
constexpr const char* kDeployKey = "hashtextextended('pgmi.deploy.' || current_database(), 0)";
// Ours alone, evaluated in the maintenance database: $1 is the target's name.
constexpr const char* kLifecycleKey = "hashtextextended('pgmi.lifecycle.' || $1, 0)";

/// Tries the lock; true when taken. `params` are the key expression's parameters.
Result<bool> try_lock(pg::Connection& conn, const std::string& key,
                      const std::vector<std::optional<std::string>>& params) {
    auto r = conn.exec_params(fmt::format("SELECT pg_try_advisory_lock({})", key), params);
    if (!r) {
        Error e = r.error().wrapped("failed to check deployment advisory lock");
        e.kind = ErrorKind::General;
        return e;
    }
    return r->rows() == 1 && r->value(0, 0) == "t";
}

/// "\nheld by pid N (...)" when this role may see the holder (pg_stat_activity hides other
/// roles' details), else "".
std::string holder(pg::Connection& conn, const std::string& key,
                   const std::vector<std::optional<std::string>>& params) {
    auto who = conn.exec_params(
        fmt::format(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
            "coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = {} LIMIT 1",
            key),
        params);
    if (!who || who->rows() != 1)
        return "";
    return fmt::format("\nheld by pid {} (application \"{}\", user \"{}\", connected since {})",
                       who->value(0, 0), who->value(0, 1), who->value(0, 2), who->value(0, 3));
}

}  // namespace

namespace {

/// Takes the lock under `key`, or fails with Lock: `busy` plus who holds it, when visible.
Status acquire(pg::Connection& conn, const std::string& key,
               const std::vector<std::optional<std::string>>& params, const std::string& busy) {
    auto taken = try_lock(conn, key, params);
    if (!taken)
        return taken.error();
    if (*taken)
        return Status::ok();
    return make_error(ErrorKind::Lock,
                      "concurrent deployment in progress: " + busy + holder(conn, key, params));
}

}  // namespace

Status acquire_deploy_lock(pg::Connection& conn, const std::string& db) {
    return acquire(conn, kDeployKey, {},
                   "another pgmi deployment is already running against " + quote_for_message(db));
}

Status acquire_lifecycle_lock(pg::Connection& maint, const std::string& target) {
    return acquire(
        maint, kLifecycleKey, {target},
        "another pgmi deployment is creating or recreating " + quote_for_message(target));
}

void release_deploy_lock(pg::Connection& conn) {
    if (conn.transaction_status() != PQTRANS_IDLE) {
        (void)conn.exec("ROLLBACK");
    }
    (void)conn.exec("SELECT pg_advisory_unlock_all()");
}

}  // namespace pgmi::deploy
