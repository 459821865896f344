// Runs deploy.sql's execution units in order on the session connection (deploy-execution §5):
// each unit is one simple-query message, sent after the previous one finished, except that the
// head's transaction terminator is held back until every statement before it succeeded (one more
// round trip), so a pgmi that dies mid-head never commits. Tracks which units really committed,
// locates a failing statement in the script, and refuses to end with a transaction still open.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/watchdog.hpp"
#include "pg/connection.hpp"
#include "script/location.hpp"
#include "script/splitter.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

struct Execution {
    size_t units = 0;
    size_t committed = 0;               // units whose effects are committed for sure
    std::optional<size_t> failed_unit;  // 0-based
    std::optional<Error> error;
    std::optional<script::Location> location;  // in deploy.sql, when the server gave a position
    std::optional<std::string> failed_file;    // project file named by the error
    bool location_in_file = false;             // location is inside failed_file (a test file)
    std::optional<size_t> error_offset;        // byte of `script` the server's position names
};

/// `on_unit(k)` is called with the 0-based index of each unit just before it is sent.
Execution execute_units(pg::Connection& conn, std::string_view script, const script::Units& units,
                        const Watchdog& watchdog, const std::function<void(size_t)>& on_unit = {});

/// The project file an error names through the `Failed in <path>:` convention (any extension).
std::optional<std::string> failed_file_of(const ServerError& error);

}  // namespace pgmi::deploy
