#include "deploy/executor.hpp"

#include <fmt/format.h>

#include "deploy/test_macros.hpp"

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
        if (on_unit)
            on_unit(i);
        const script::Unit& unit = units[i];
        auto r = conn.exec(unit.text);
        if (!r) {
            ex.failed_unit = i;
            Error e = r.error();
            // A test positioned inside its own file: name the file, as other test errors do.
            const auto in_test = e.server ? test_file_error(*e.server) : std::nullopt;
            if (in_test)
                e.message = pg::describe(*e.server);
            if (watchdog.fired()) {
                ex.error = watchdog.stop_error(e);
            } else {
                e.kind = ErrorKind::Execution;
                e.message = "execution failed: " + e.message;
                ex.error = e;
            }
            if (in_test) {
                ex.location = in_test->location;
                ex.location_in_file = true;
                ex.failed_file = in_test->path;
            } else if (e.server) {
                if (e.server->position > 0) {
                    const auto byte = script::byte_of_position(unit.text, e.server->position);
                    if (byte) {
                        ex.error_offset = unit.offset + *byte;
                        ex.location = script::locate_offset(script, *ex.error_offset);
                    }
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
