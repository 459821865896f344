#include "deploy/pooler.hpp"

#include <fmt/format.h>

namespace pgmi::deploy {

namespace {

std::string backend_pid(pg::Connection& c) {
    auto r = c.exec("SELECT pg_backend_pid()");
    return r && r->rows() == 1 ? std::string(r->value(0, 0)) : std::string();
}

}  // namespace

Status refuse_transaction_pooler(pg::Connection& first, conn::Connector& connector,
                                 const std::string& db, const conn::ConnectionConfig& config,
                                 const Deadline& deadline) {
    auto port = first.exec("SELECT current_setting('port')");
    if (!port || port->rows() != 1)
        return Status::ok();
    // libpq's view of the port it actually dialled (defaults and PGPORT included).
    const char* dialled = PQport(first.raw());
    if (dialled != nullptr && port->value(0, 0) == dialled)
        return Status::ok();

    const std::string first_pid = backend_pid(first);
    auto probe = connector.connect(db, deadline);
    if (!probe)
        return Status::ok();  // the first connection works; a failed probe proves nothing
    const std::string second = backend_pid(*probe);
    if (first_pid.empty() || first_pid != second)
        return Status::ok();
    return make_error(
        ErrorKind::Connection,
        fmt::format("a transaction- or statement-mode connection pooler sits between pgmi and "
                    "PostgreSQL at {}: two client connections were served by the same backend "
                    "(pid {})\npgmi keeps one server session for the whole deploy (temp tables, "
                    "the deploy lock, SET), which such a pool cannot guarantee. Connect to "
                    "PostgreSQL directly (its own port, {}), or through a pool in session mode "
                    "(pgbouncer: pool_mode = session)",
                    config.address(), first_pid, std::string(port->value(0, 0))));
}

}  // namespace pgmi::deploy
