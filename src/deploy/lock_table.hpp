// PostgreSQL's shared lock table running out ("out of shared memory", SQLSTATE 53200, hinted
// "You might need to increase max_locks_per_transaction"), said in pgmi's words. A deploy that
// runs thousands of files in one transaction holds a lock on every table, index and sequence it
// creates until COMMIT, so it is the one pgmi user most likely to meet it. The explanation says
// how far the transaction got, the server's settings and the two ways out.
#pragma once

#include <optional>
#include <string>

#include "pg/connection.hpp"
#include "project/scanner.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

/// "max_locks_per_transaction" or "max_pred_locks_per_transaction" when `error` is the server
/// running out of that lock table; nullopt for any other error.
std::optional<std::string> exhausted_lock_setting(const ServerError& error);

/// The server's lock table settings, read with one query on an idle `conn`; empty values when
/// they cannot be read.
struct LockTableSettings {
    std::string per_transaction;  // the value of the exhausted setting
    std::string max_connections;
    std::string max_prepared_transactions;
};
LockTableSettings read_lock_table_settings(pg::Connection& conn, const std::string& setting);

/// The explanation appended to the error message: how many SQL files (in pgmi_plan_view order)
/// came before `failed_file` in this transaction, the settings and their product, and the two
/// ways out (raise the setting; commit in phases, with the deploy.sql pattern).
std::string explain_lock_table_exhaustion(const std::string& setting,
                                          const LockTableSettings& settings,
                                          const project::Project& project,
                                          const std::optional<std::string>& failed_file);

}  // namespace pgmi::deploy
