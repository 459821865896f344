// What an existing database keeps when --overwrite drops and recreates it (connections §10):
// encoding, collation/ctype and locale provider, owner, connection limit, tablespace (all in
// CREATE DATABASE), then its settings (database-wide and per role), comment, privileges and the
// template flag (statements run after it). Not kept: the data, of course, and ALLOW_CONNECTIONS
// false -- pgmi could not deploy into a database that refuses connections.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

struct KeptProperties {
    std::string encoding, collate, ctype, owner, tablespace, comment;
    std::string provider, icu_locale;  // "" on servers without locale providers
    bool differs_from_template1 = false;
    int connection_limit = -1;
    bool is_template = false;
    struct Setting {
        std::string role;  // "" = every role; else a quoted role name as regrole prints it
        std::string name, value;
    };
    std::vector<Setting> settings;  // in stored order
    struct Grant {
        std::string grantee;    // "PUBLIC" or a quoted role name
        std::string privilege;  // CREATE, TEMPORARY, CONNECT
        bool grantable = false;
    };
    /// nullopt: the default privileges (datacl IS NULL), which a new database has anyway.
    std::optional<std::vector<Grant>> grants;
};

/// Reads them from the maintenance connection. General error (exit 1) naming what failed.
Result<KeptProperties> read_kept_properties(pg::Connection& maint, const std::string& db);

/// Statements to run before DROP DATABASE (a template database cannot be dropped).
std::vector<std::string> before_drop_statements(const std::string& db, const KeptProperties& k);

/// CREATE DATABASE with what the old one had.
std::string create_statement(const std::string& db, const KeptProperties& k);

/// Statements that give the new database the rest: settings, comment, privileges, template.
std::vector<std::string> restore_statements(const std::string& db, const KeptProperties& k);

}  // namespace pgmi::deploy
