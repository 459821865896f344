// Resolves where to connect from the command line, the environment, pgmi.yaml, a connection
// string and a service file (connections §5). Offline: never touches the network (it reads the
// password and service files); every failure is a Config error (exit 10).
//
// Precedence, per field (first that says something wins):
//   connection string: --connection > $PGMI_CONNECTION_STRING > $DATABASE_URL. With -h/-p/-U,
//     --connection is a conflict (error); a string from the environment is ignored (warning).
//   string path:   host, port, database: string > service > default (localhost, 5432, postgres);
//                  user: string > service > $PGUSER > OS user; password: string > $PGPASSWORD >
//                  password file; sslmode: --sslmode > string > service > $PGSSLMODE > prefer.
//   granular path: flag > service ($PGSERVICE) > PG* variable > pgmi.yaml > default, for host,
//                  port, user (then $USER, $USERNAME, OS user), database, sslmode; password:
//                  $PGPASSWORD > password file.
//   TLS files:     --sslcert/--sslkey/--sslrootcert > $PGSSLCERT/... > pgmi.yaml > string >
//                  service; sslpassword: $PGSSLPASSWORD > string (no flag, no yaml key).
//   both paths:    application_name: string > service > $PGAPPNAME > pgmi; connect_timeout:
//                  string > service > $PGCONNECT_TIMEOUT > none; password file: string passfile
//                  > service > $PGPASSFILE > ~/.pgpass.
//   cloud:         the method and its companion values, see cloud_auth.hpp.
#pragma once

#include <optional>
#include <string>

#include "config/project_config.hpp"
#include "conn/cloud_auth.hpp"
#include "conn/connection_config.hpp"
#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

/// The connection-related command-line flags as given (nullopt / 0 = not given).
struct ConnectionFlags {
    std::optional<std::string> connection;
    std::optional<std::string> host;
    int port = 0;
    std::optional<std::string> username;
    std::optional<std::string> database;
    std::optional<std::string> sslmode;
    std::optional<std::string> sslcert, sslkey, sslrootcert;
    bool overwrite = false;
    bool force = false;
    CloudFlags cloud;  // --azure, --aws, --google and their companions
};

/// Whether anything says where to deploy (connections §2.4): --connection, --host, -d,
/// $PGMI_CONNECTION_STRING, $DATABASE_URL, $PGHOST together with $PGDATABASE, $PGSERVICE, a cloud
/// flag, or pgmi.yaml's connection.host, .database or .google_instance. Without any, a deploy at
/// a terminal asks with the connection wizard.
bool has_connection_source(const ConnectionFlags& flags, const EnvLookup& env,
                           const config::YamlConnection& yaml);

Result<ResolvedConnection> resolve(const ConnectionFlags& flags, const EnvLookup& env,
                                   const config::YamlConnection& yaml);

}  // namespace pgmi::conn
