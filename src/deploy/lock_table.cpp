#include "deploy/lock_table.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "project/plan.hpp"

namespace pgmi::deploy {

std::optional<std::string> exhausted_lock_setting(const ServerError& error) {
    if (error.sqlstate != "53200")
        return std::nullopt;
    // The hint names the setting (it is not localised: a GUC name); the predicate lock table
    // of SERIALIZABLE transactions has its own.
    for (const char* setting : {"max_pred_locks_per_transaction", "max_locks_per_transaction"}) {
        if (error.hint.find(setting) != std::string::npos ||
            error.message.find(setting) != std::string::npos)
            return std::string(setting);
    }
    return std::nullopt;
}

LockTableSettings read_lock_table_settings(pg::Connection& conn, const std::string& setting) {
    LockTableSettings s;
    auto r = conn.exec_params(
        "SELECT current_setting($1), current_setting('max_connections'), "
        "current_setting('max_prepared_transactions')",
        {setting});
    if (!r || r->rows() != 1 || r->columns() != 3)
        return s;
    s.per_transaction = std::string(r->value(0, 0));
    s.max_connections = std::string(r->value(0, 1));
    s.max_prepared_transactions = std::string(r->value(0, 2));
    return s;
}

namespace {

/// How many SQL files come before `path` in pgmi_plan_view order, and how many there are.
std::optional<std::pair<size_t, size_t>> position_in_plan(const project::Project& project,
                                                          const std::string& path) {
    std::optional<size_t> before;
    size_t sql = 0;
    for (const auto& entry : project::build_plan(project.files)) {
        if (!project::is_sql_file_name(entry.path))
            continue;
        if (!before && entry.path == path)
            before = sql;
        ++sql;
    }
    if (!before)
        return std::nullopt;
    return std::make_pair(*before, sql);
}

/// "64 × (100 + 0) = 6400" when all three are numbers, else the settings as read.
std::string capacity(const LockTableSettings& s, const std::string& setting) {
    char* end = nullptr;
    const long per = std::strtol(s.per_transaction.c_str(), &end, 10);
    const bool per_ok = !s.per_transaction.empty() && *end == '\0';
    const long conns = std::strtol(s.max_connections.c_str(), &end, 10);
    const bool conns_ok = !s.max_connections.empty() && *end == '\0';
    const long prepared = std::strtol(s.max_prepared_transactions.c_str(), &end, 10);
    const bool prepared_ok = !s.max_prepared_transactions.empty() && *end == '\0';
    if (!per_ok || !conns_ok || !prepared_ok)
        return "";
    return fmt::format(
        "The server has {} = {} and max_connections = {} (max_prepared_transactions = {}), so "
        "its lock table holds about {} × ({} + {}) = {} locks, shared by all sessions.\n",
        setting, per, conns, prepared, per, conns, prepared, per * (conns + prepared));
}

}  // namespace

std::string explain_lock_table_exhaustion(const std::string& setting,
                                          const LockTableSettings& settings,
                                          const project::Project& project,
                                          const std::optional<std::string>& failed_file) {
    const bool predicate = setting == "max_pred_locks_per_transaction";
    std::string out = predicate ? "\nThe server ran out of room for predicate locks: a "
                                  "SERIALIZABLE transaction keeps one on every table, page or "
                                  "row it reads until it ends.\n"
                                : "\nThe server ran out of room in its lock table: a transaction "
                                  "keeps a lock on every table, index and sequence it creates "
                                  "or touches until it ends.\n";
    if (failed_file) {
        if (auto pos = position_in_plan(project, *failed_file)) {
            out += fmt::format(
                "This transaction had run {} SQL file(s) before {} (file {} of {} in "
                "pgmi_plan_view order), all in one transaction.\n",
                pos->first, *failed_file, pos->first + 1, pos->second);
        } else {
            out += fmt::format("It happened in {}.\n", *failed_file);
        }
    }
    out += capacity(settings, setting);
    out += fmt::format(
        "Two ways out:\n"
        "  1. Raise {0} on the server (postgresql.conf, or ALTER SYSTEM SET {0} = <n> as a "
        "superuser), then restart it.\n"
        "  2. Commit in phases: deploy.sql decides where transactions end, so run the files in "
        "groups, each committed before the next begins, e.g.\n"
        "       BEGIN;\n"
        "       DO $$ DECLARE f record; BEGIN\n"
        "           FOR f IN SELECT path, content FROM pg_temp.pgmi_plan_view\n"
        "                    WHERE path < './migrations/1000' ORDER BY execution_order\n"
        "           LOOP EXECUTE f.content; END LOOP;\n"
        "       END $$;\n"
        "       COMMIT;\n"
        "       BEGIN;  -- the next group: path >= './migrations/1000' ...\n"
        "       ...\n"
        "       COMMIT;\n"
        "     Each COMMIT releases its locks; a later failure keeps the groups committed "
        "before it.",
        setting);
    return out;
}

}  // namespace pgmi::deploy
