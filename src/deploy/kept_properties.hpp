// What an existing database keeps when --overwrite drops and recreates it: encoding,
// collation/ctype and locale provider, owner, connection limit, tablespace (all in CREATE
// DATABASE), then its settings (database-wide and per role), comment, privileges and the template
// flag (statements run after it). Not kept: the data, of course, and ALLOW_CONNECTIONS false --
// pgmi could not deploy into a database that refuses connections.
//
// Everything here was written by roles that may be far less privileged than the one running
// pgmi (a login role can store its own per-database settings), so no stored value is ever spliced
// into SQL text: names and scalar values are quoted by libpq (pg::Quoter), list-valued settings are
// bound as parameters and stored with SET ... FROM CURRENT, and every statement is its own
// message (a hostile value cannot smuggle in a second statement).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "pg/quote.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

struct KeptProperties {
    std::string encoding, collate, ctype, owner, tablespace, comment;
    std::string provider, icu_locale;  // "" on servers without locale providers
    bool differs_from_template1 = false;
    int connection_limit = -1;
    bool is_template = false;
    struct Setting {
        std::string role;  // "" = every role; else the role's name as stored (unquoted)
        std::string name, value;
    };
    std::vector<Setting> settings;  // database-wide first, then per role, in stored order
    struct Grant {
        std::string grantee;    // "" = PUBLIC; else the role's name as stored (unquoted)
        std::string privilege;  // CREATE, TEMPORARY, CONNECT
        bool grantable = false;
    };
    /// nullopt: the default privileges (datacl IS NULL), which a new database has anyway.
    std::optional<std::vector<Grant>> grants;
};

/// One message to the server: a single statement and its bound values.
struct Statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;
};

/// Statements that belong together: more than one runs as one transaction.
using Step = std::vector<Statement>;

/// Reads them from the maintenance connection. General error (exit 1) naming what failed.
Result<KeptProperties> read_kept_properties(pg::Connection& maint, const std::string& db);

/// Steps to run before DROP DATABASE (a template database cannot be dropped).
Result<std::vector<Step>> before_drop_steps(const pg::Quoter& quote, const std::string& db,
                                            const KeptProperties& k);

/// CREATE DATABASE with what the old one had.
Result<Statement> create_statement(const pg::Quoter& quote, const std::string& db,
                                   const KeptProperties& k);

/// Steps that give the new database the rest: settings, comment, privileges, template flag.
/// Fails (General) when a kept name or value cannot be quoted (a privilege pgmi does not know,
/// text invalid in the connection's encoding).
Result<std::vector<Step>> restore_steps(const pg::Quoter& quote, const std::string& db,
                                        const KeptProperties& k);

/// Runs `steps` in order, one message per statement; `shown` sees each statement before it is
/// sent. A multi-statement step that fails is rolled back. Returns the first error as the server
/// reported it, with `failed` (when given) set to the statement that failed.
Status run_steps(pg::Connection& conn, const std::vector<Step>& steps,
                 const std::function<void(const Statement&)>& shown,
                 const Statement** failed = nullptr);

}  // namespace pgmi::deploy
