// ConnectionConfig: everything needed to open a connection, resolved from flags, environment,
// pgmi.yaml and a connection string. Secrets (password, sslpassword) live only here and in the
// libpq parameters built from it; describe() is the only text rendering and redacts them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pg/connection.hpp"

namespace pgmi::conn {

enum class AuthMethod { Standard, AwsIam, GoogleIam, AzureEntraId };

struct ConnectionConfig {
    std::string host;      // "" = libpq default (Unix socket)
    int port = 0;          // 0 = libpq default
    std::string username;  // "" = libpq default (PGUSER / OS account)
    std::string password;  // secret; "" = libpq default (PGPASSWORD, password file)
    std::string database;  // the database named by the source (not necessarily the target)
    std::string sslmode;   // "" = libpq default
    std::string sslcert, sslkey, sslrootcert;
    std::string sslpassword;  // secret
    std::string app_name = "pgmi";
    int connect_timeout = 0;                               // seconds, 0 = none
    std::map<std::string, std::string> additional_params;  // other libpq keywords, passed through
    AuthMethod auth = AuthMethod::Standard;

    /// libpq keywords/values for a connection to `dbname` (a real password goes only here).
    pg::ConnParams to_params(const std::string& dbname) const;
    /// `host:port` for messages.
    std::string address() const;
};

/// Where the deploy goes: the target, and the maintenance database used to create it.
struct ResolvedConnection {
    ConnectionConfig config;
    std::string target_db;
    std::string maintenance_db;
    std::vector<std::string> sources;  // "field: source" notes for --verbose
};

/// Multi-line description for --verbose: never shows a secret.
std::string describe(const ResolvedConnection& resolved);

const char* auth_method_name(AuthMethod m);

}  // namespace pgmi::conn
