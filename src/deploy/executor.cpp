#include "deploy/executor.hpp"

#include <fmt/format.h>

namespace pgmi::deploy {

std::optional<std::string> failed_file_of(const ServerError& error) {
    constexpr std::string_view kMarker = "Failed in ";
    const std::string& m = error.message;
    size_t pos = m.find(kMarker);
    if (pos == std::string::npos)
        return std::nullopt;
    size_t start = pos + kMarker.size();
    size_t end = m.find(": ", start);
    if (end == std::string::npos || end == start)
        return std::nullopt;
    return m.substr(start, end - start);
}

Execution execute_units(pg::Connection& conn, std::string_view script,
                        const std::vector<script::Unit>& units, const Watchdog& watchdog,
                        const std::function<void(size_t)>& on_unit) {
    Execution ex;
    ex.units = units.size();
    for (size_t i = 0; i < units.size(); ++i) {
        if (watchdog.fired()) {
            ex.failed_unit = i;
            ex.error = watchdog.stop_error(make_error(ErrorKind::Execution, "stopped"));
            return ex;
        }
        if (on_unit) on_unit(i);
        const script::Unit& unit = units[i];
        auto r = conn.exec(unit.text);
        if (!r) {
            ex.failed_unit = i;
            Error e = r.error();
            if (watchdog.fired()) {
                ex.error = watchdog.stop_error(e);
            } else {
                e.kind = ErrorKind::Execution;
                e.message = "execution failed: " + e.message;
                ex.error = e;
            }
            if (e.server) {
                if (e.server->position > 0) {
                    ex.location =
                        script::locate(script, unit.offset, unit.text, e.server->position);
                }
                ex.failed_file = failed_file_of(*e.server);
            }
            return ex;
        }
        if (conn.transaction_status() == PQTRANS_IDLE)
            ex.committed = i + 1;
    }
    if (conn.transaction_status() != PQTRANS_IDLE) {
        // A deploy that leaves a transaction open would be rolled back silently at disconnect.
        ex.failed_unit = units.empty() ? 0 : units.size() - 1;
        ex.error = make_error(
            ErrorKind::Execution,
            "execution failed: deploy.sql ended with a transaction still open, so nothing after "
            "its last COMMIT was committed; pgmi rolled it back. End every BEGIN with COMMIT (and "
            "a COMMIT AND CHAIN with a final COMMIT)");
    }
    return ex;
}

}  // namespace pgmi::deploy
