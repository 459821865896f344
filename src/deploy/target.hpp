// Reaching the target database (two-database pattern, connections §10.1): connect to the target;
// if it does not exist, connect to the maintenance database, create it, and connect again. The
// first successful connection to the target is the session connection (it is dialled once).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "conn/connection_config.hpp"
#include "conn/connector.hpp"
#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

struct TargetLog {
    std::function<void(std::string_view)> progress;  // always shown
    std::function<void(std::string_view)> verbose;   // --verbose only
};

/// Opens the session connection to `resolved.target_db`, creating the database when missing.
Result<pg::Connection> open_target(conn::Connector& connector,
                                   const conn::ResolvedConnection& resolved,
                                   const Deadline& deadline, const TargetLog& log);

/// `"name"` with embedded quotes doubled: a safe SQL identifier.
std::string quote_ident(std::string_view name);

/// A name for messages: double-quoted, `"`, `\` and non-printables backslash-escaped.
std::string quote_for_message(std::string_view name);

}  // namespace pgmi::deploy
