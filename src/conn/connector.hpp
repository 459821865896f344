// Connectors open validated connections for a resolved config (connections §7). The provider
// factory picks one by auth method; the standard connector retries transient failures (1 attempt
// + 3 retries, exponential backoff with jitter) and turns failures into messages a user can act
// on (exit 11).
#pragma once

#include <memory>
#include <string>

#include "conn/connection_config.hpp"
#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

class Connector {
  public:
    virtual ~Connector() = default;
    /// Opens a connection to `dbname`, pings it, and returns it; errors are Connection (11),
    /// Timeout (16) or Interrupted/Terminated when the deadline or a signal stopped the retries.
    virtual Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) = 0;
};

/// The connector for `config.auth` (Standard only until cloud auth lands; others are Config
/// errors naming the method).
Result<std::unique_ptr<Connector>> make_connector(const ConnectionConfig& config);

/// True when a connection failure is worth retrying (transport trouble, server starting up, too
/// many connections), false for permanent ones (authentication, missing database, TLS, config).
bool is_transient(const Error& error);

/// Rewrites a raw libpq connection failure into the user-facing message of connections §7.4.
Error friendly_connection_error(const Error& raw, const ConnectionConfig& config,
                                const std::string& dbname);

}  // namespace pgmi::conn

namespace pgmi::conn {

/// What a libpq connection failure means. libpq reports startup failures only as text (no
/// SQLSTATE), so the server's FATAL message and the transport errors are recognised here, once.
enum class FailureClass {
    Refused,             // nothing listening (TCP refused, socket file missing)
    NoSuchHost,          // name resolution failed
    PasswordFailed,      // 28P01
    NoHbaEntry,          // 28000
    NoSuchDatabase,      // 3D000
    PermissionDenied,    // 42501
    TooManyConnections,  // 53300
    StartingUp,          // 57P03
    Timeout,             // connect_timeout expired
    Tls,                 // TLS negotiation or certificate failure
    Other,
};

FailureClass classify_connection_failure(const std::string& libpq_message);

}  // namespace pgmi::conn
