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

/// Connection (11) with advice when `session` goes through a transaction/statement-mode pooler.
Status refuse_transaction_pooler(pg::Connection& session, conn::Connector& connector,
                                 const conn::ResolvedConnection& resolved,
                                 const Deadline& deadline);

}  // namespace pgmi::deploy
