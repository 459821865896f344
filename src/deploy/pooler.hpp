// Refuses a transaction- or statement-mode connection pooler between pgmi and PostgreSQL
// (connections §11). A deploy needs one server session for its whole run: temp tables, the
// session advisory lock and SET survive transaction ends only on the same backend.
//
// Detection: when the server listens on another port than the one pgmi dialled, something sits
// in between. pgmi then opens a second connection while the session is idle between
// transactions: a direct connection or a session-mode pool always gives it a different backend;
// a transaction- or statement-mode pool hands it the backend the session just released.
#pragma once

#include <string>

#include "conn/connection_config.hpp"
#include "conn/connector.hpp"
#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

/// Connection (11) with advice when `first` (pgmi's first connection of the run, to `db`) goes
/// through a transaction/statement-mode pooler. Runs before any lock is taken: a session lock
/// taken through such a pool would stay behind on a pooled server connection.
Status refuse_transaction_pooler(pg::Connection& first, conn::Connector& connector,
                                 const std::string& db, const conn::ConnectionConfig& config,
                                 const Deadline& deadline);

}  // namespace pgmi::deploy
