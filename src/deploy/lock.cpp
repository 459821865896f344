#include "deploy/lock.hpp"

#include <fmt/format.h>

#include "deploy/target.hpp"

namespace pgmi::deploy {

namespace {
constexpr const char* kLockKey = "hashtextextended('pgmi.deploy.' || current_database(), 0)";
}

Status acquire_deploy_lock(pg::Connection& conn, const std::string& db) {
    auto r = conn.exec(fmt::format("SELECT pg_try_advisory_lock({})", kLockKey));
    if (!r) {
        Error e = r.error().wrapped("failed to check deployment advisory lock");
        e.kind = ErrorKind::General;
        return e;
    }
    if (r->rows() == 1 && r->value(0, 0) == "t")
        return Status::ok();

    std::string msg = fmt::format(
        "concurrent deployment in progress: another pgmi deployment is already running against {}",
        quote_for_message(db));
    // Name the holder when this role may see it (pg_stat_activity hides other roles' details).
    auto who = conn.exec(fmt::format(
        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
        "coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = {} LIMIT 1",
        kLockKey));
    if (who && who->rows() == 1) {
        msg += fmt::format("\nheld by pid {} (application \"{}\", user \"{}\", connected since {})",
                           who->value(0, 0), who->value(0, 1), who->value(0, 2), who->value(0, 3));
    }
    return make_error(ErrorKind::Lock, msg);
}

void release_deploy_lock(pg::Connection& conn) {
    if (conn.transaction_status() != PQTRANS_IDLE) {
        (void)conn.exec("ROLLBACK");
    }
    (void)conn.exec("SELECT pg_advisory_unlock_all()");
}

}  // namespace pgmi::deploy
