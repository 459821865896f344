// Connectors open validated connections for a resolved config (connections §7):
// ConnectionConfig → make_connector (the provider factory, by auth method) → Connector.
//
// Every connection a connector returns has passed the compatibility query (version(),
// current_database(), current_user, pg_backend_pid(), inet_server_addr(), inet_server_port(),
// server_version_num): a target that is not PostgreSQL, or older than 11, fails there with a
// Config error (exit 10) before pgmi creates anything.
//
// The standard connector makes 3 attempts in all, waiting ≈0.5 s and then ≈1 s (±10 % jitter)
// between them, and retries only transient failures (nothing listening yet, server starting up,
// too many connections, network trouble, a connection lost during the check). Authentication,
// missing databases, TLS and configuration problems fail at once. Failures become the messages
// of connections §7.4 (exit 11), which never contain a secret.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "conn/connection_config.hpp"
#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

class Connector {
  public:
    virtual ~Connector() = default;
    /// Opens a connection to `dbname`, runs the compatibility query, and returns it; errors are
    /// Connection (11), Config (10: not PostgreSQL / too old), Timeout (16) or
    /// Interrupted/Terminated when the deadline or a signal stopped the retries.
    virtual Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) = 0;
};

/// How many times to try and how long to wait in between.
struct RetryPolicy {
    int attempts = 3;                      // in all (the first one included)
    std::chrono::milliseconds base{500};   // wait after the first failure
    std::chrono::milliseconds cap{60000};  // longest wait
    double jitter = 0.1;                   // ± fraction of each wait
};

/// The wait after `failed` failed attempts (1-based), for a uniform `r` in [0, 1):
/// base·2^(failed−1), capped, times (1 + jitter·(2r − 1)).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int failed, double r);

/// Where a connector reports (all optional). Lines carry no prefix.
struct ConnectorOptions {
    std::function<void(std::string_view)> verbose;  // --verbose: attempts, the server's answer
    std::function<void(std::string_view)> warning;  // always shown: a token about to expire
    /// Every secret a connector obtains (a cloud token), before it is used: the caller's
    /// redactor must learn it before anything the connection produces is shown.
    std::function<void(const std::string&)> secret;
    RetryPolicy retry;
};

/// The provider factory: the connector for `config.auth`. Standard → the standard connector;
/// Azure, AWS → the token connector (token_connector.hpp); Google → the Cloud SQL connector
/// (cloud_sql_connector.hpp).
Result<std::unique_ptr<Connector>> make_connector(const ConnectionConfig& config,
                                                  ConnectorOptions options = {});

/// The libpq parameters of one attempt (1-based) to `dbname`, for `attempt_config` (the
/// connector's config with connect_timeout capped by the deadline). An error ends the retries
/// at once and is returned as it is.
using AttemptParams = std::function<Result<pg::ConnParams>(const ConnectionConfig& attempt_config,
                                                           const std::string& dbname, int attempt)>;

/// The retry loop every connector shares: open, run the compatibility query, retry transient
/// failures per `options.retry` within `deadline`, and turn the last failure into the friendly
/// message of connections §7.4.
Result<pg::Connection> connect_with_retries(const ConnectionConfig& config,
                                            const ConnectorOptions& options,
                                            const std::string& dbname, const Deadline& deadline,
                                            const AttemptParams& params);

/// The answer to the compatibility query.
struct ServerIdentity {
    std::string version;  // version()
    std::string database;
    std::string user;
    int backend_pid = 0;
    std::string server_addr;  // "" over a Unix socket
    int server_port = 0;      // 0 over a Unix socket
    int version_num = 0;      // server_version_num
};

/// Runs the compatibility query on a fresh connection. Config error when the server is not
/// PostgreSQL (the query fails, or version() names another product) or is older than 11;
/// Connection error when the connection broke (transient).
Result<ServerIdentity> check_compatibility(pg::Connection& conn, const std::string& address);

/// One line for --verbose: `Connected: PostgreSQL 15.4 ..., database "d" as "u", backend pid
/// 123, server 127.0.0.1:5432, server_version_num 150004`.
std::string describe(const ServerIdentity& identity);

/// True when a connection failure is worth retrying (transport trouble, server starting up, too
/// many connections), false for permanent ones (authentication, missing database, TLS, config).
/// The server's SQLSTATE decides when there is one, else libpq's text.
bool is_transient(const Error& error);

/// The parts of one connector's attempts that differ between connectors (standard, token, Cloud
/// SQL); connect_with_retry() supplies the rest.
struct AttemptHooks {
    /// One attempt: a fresh connection, without the compatibility query.
    std::function<Result<pg::Connection>()> open;
    /// Whether a failed attempt (of open() or of the compatibility query) is worth another try.
    std::function<bool(const Error&)> transient = [](const Error& e) { return is_transient(e); };
    /// The user-facing form of the final failure (e.g. friendly_connection_error).
    std::function<Error(const Error&)> friendly;
};

/// The standard connector's loop, shared: up to `options.retry.attempts` attempts, each opening a
/// connection and running the compatibility query (whose answer --verbose prints); transient
/// failures wait backoff_delay() and try again; `address` names the server in messages. A Config
/// answer of the compatibility query is returned as is, a signal or the deadline during a wait
/// ends the loop with Interrupted/Terminated/Timeout.
Result<pg::Connection> connect_with_retry(const std::string& dbname, const std::string& address,
                                          const Deadline& deadline, const ConnectorOptions& options,
                                          const AttemptHooks& hooks);

/// Rewrites a raw libpq connection failure into the user-facing message of connections §7.4.
Error friendly_connection_error(const Error& raw, const ConnectionConfig& config,
                                const std::string& dbname);

/// True when the (raw or friendly) connection error says the database does not exist (3D000).
bool is_missing_database(const Error& error);

/// What a libpq connection failure means: by SQLSTATE when the server sent one, else by the
/// text of libpq's message (startup failures of old servers and transport errors have no code).
enum class FailureClass {
    Refused,             // nothing listening (TCP refused, socket file missing), connection lost
    NoSuchHost,          // name resolution failed
    PasswordFailed,      // 28P01
    NoPassword,          // the server wants a password and none was found
    NoHbaEntry,          // 28000
    NoSuchDatabase,      // 3D000
    PermissionDenied,    // 42501
    TooManyConnections,  // 53300
    StartingUp,          // 57P03
    ServerRefused,       // any other SQLSTATE from the server
    Timeout,             // connect_timeout expired
    Tls,                 // TLS negotiation, certificate or key failure
    Other,
};

FailureClass classify_connection_failure(const std::string& libpq_message);
FailureClass classify_connection_failure(const Error& error);

}  // namespace pgmi::conn
