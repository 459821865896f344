// Resolves where to connect from the command line, the environment and pgmi.yaml
// (connections §5). Offline: never touches the network; every failure is a Config error.
#pragma once

#include <optional>
#include <string>

#include "config/project_config.hpp"
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
};

Result<ResolvedConnection> resolve(const ConnectionFlags& flags, const EnvLookup& env,
                                   const config::YamlConnection& yaml);

/// Parses a connection string (postgresql:// URI or key=value) into `config`, keeping libpq's
/// rules. Errors are Config and never quote a password.
Status parse_connection_string(const std::string& text, ConnectionConfig& config);

}  // namespace pgmi::conn
