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

namespace {

/// The part of a unit whose message failed: its place in the script and the text the server saw.
struct Failure {
    Error error;
    size_t offset;
    std::string_view text;
    Watchdog::At at = Watchdog::At::Statement;  // what was under way, should the watchdog fire
};

/// Sends one unit. A head ending in a transaction terminator goes as two messages: the body
/// (inside an explicit block, opened first when the body does not open one), then — only once
/// the body has succeeded and nothing asked pgmi to stop — the terminator. So the server never
/// commits work its client did not see succeed: a pgmi killed mid-head leaves an open block that
/// the server rolls back when the connection goes.
std::optional<Failure> run_unit(pg::Connection& conn, const script::Unit& unit,
                                const Watchdog& watchdog) {
    if (!unit.has_terminator()) {
        auto r = conn.exec(unit.text);
        if (!r)
            return Failure{r.error(), unit.offset, unit.text};
        return std::nullopt;
    }
    if (!unit.body_begins) {
        // Without this the server would commit the body's implicit transaction at the end of
        // its message, before pgmi saw the result.
        if (auto r = conn.exec("BEGIN"); !r)
            return Failure{r.error(), unit.offset, unit.body()};
    }
    if (auto r = conn.exec(unit.body()); !r)
        return Failure{r.error(), unit.offset, unit.body()};
    const size_t term_offset = unit.offset + unit.terminator_at;
    if (watchdog.fired()) {
        return Failure{make_error(ErrorKind::Execution, "stopped before the head's COMMIT"),
                       term_offset, unit.terminator(), Watchdog::At::BeforeCommit};
    }
    if (auto r = conn.exec(unit.terminator()); !r)
        return Failure{r.error(), term_offset, unit.terminator()};
    return std::nullopt;
}

}  // namespace

Execution execute_units(pg::Connection& conn, std::string_view script, const script::Units& units,
                        const Watchdog& watchdog, const std::function<void(size_t)>& on_unit) {
    Execution ex;
    ex.units = units.size();
    for (size_t i = 0; i < units.size(); ++i) {
        if (watchdog.fired()) {
            ex.failed_unit = i;
            ex.error = watchdog.stop_error(make_error(ErrorKind::Execution, "stopped"),
                                           Watchdog::At::BetweenUnits);
            return ex;
        }
        if (on_unit)
            on_unit(i);
        auto failure = run_unit(conn, units[i], watchdog);
        if (failure) {
            ex.failed_unit = i;
            Error e = std::move(failure->error);
            // A test positioned inside its own file: name the file, as other test errors do.
            const auto in_test = e.server ? test_file_error(*e.server) : std::nullopt;
            if (in_test)
                e.message = pg::describe(*e.server);
            if (watchdog.fired()) {
                ex.error = watchdog.stop_error(e, failure->at);
            } else {
                e.kind = ErrorKind::Execution;
                e.message = "execution failed: " + e.message;
                if (!conn.is_open()) {
                    // A FATAL such as 57P01 reads like any error; say that the session is gone.
                    e.message +=
                        "\npgmi lost its connection to the server (the server shut down or "
                        "restarted, or something ended this session)";
                }
                ex.error = e;
            }
            if (in_test) {
                ex.location = in_test->location;
                ex.location_in_file = true;
                ex.failed_file = in_test->path;
            } else if (e.server) {
                if (e.server->position > 0) {
                    const auto byte = script::byte_of_position(failure->text, e.server->position);
                    if (byte) {
                        ex.error_offset = failure->offset + *byte;
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
        ex.failed_unit = units.size() - 1;  // never empty
        ex.error = make_error(
            ErrorKind::Execution,
            "execution failed: deploy.sql ended with a transaction still open, so nothing after "
            "its last COMMIT was committed; pgmi rolled it back. End every BEGIN with COMMIT (and "
            "a COMMIT AND CHAIN with a final COMMIT)");
    }
    return ex;
}

}  // namespace pgmi::deploy
