#include "conn/connector.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csignal>
#include <mutex>
#include <random>
#include <thread>

#include "conn/cloud_sql_connector.hpp"
#include "conn/token_connector.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

namespace {

// The compatibility query of the seeds, column for column.
constexpr const char* kCompatibilityQuery =
    "SELECT version(), current_database(), current_user, pg_backend_pid(), "
    "inet_server_addr(), inet_server_port(), current_setting('server_version_num')::int";

constexpr const char* kNotSupportedHint =
    "pgmi needs PostgreSQL 11 or newer, or a service that is PostgreSQL underneath (RDS, Aurora "
    "PostgreSQL, Azure, Cloud SQL, AlloyDB, Citus, TimescaleDB, Neon, Supabase); CockroachDB, "
    "YugabyteDB and Aurora DSQL are not supported";

bool contains(const std::string& haystack, const char* needle) {
    return haystack.find(needle) != std::string::npos;
}

/// The server's own words from a libpq startup failure ("FATAL:  <msg>"), else the whole text.
std::string server_reason(const Error& raw) {
    if (raw.server && !raw.server->message.empty())
        return raw.server->message;
    const std::string& text = raw.message;
    auto pos = text.find("FATAL:");
    std::string s = pos == std::string::npos ? text : text.substr(pos + 6);
    s.erase(0, s.find_first_not_of(' '));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

/// libpq must never ask for a key passphrase on the terminal: without sslpassword the key simply
/// fails to load, and the error says how to provide it.
void install_key_passphrase_hook() {
    static std::once_flag once;
    std::call_once(once, [] { PQsetSSLKeyPassHook_OpenSSL(&PQdefaultSSLKeyPassHook_OpenSSL); });
}

/// A connect given up because the deploy must stop; worded as the watchdog words its stops.
Error stopped_while_connecting(int sig) {
    return sig == SIGTERM ? make_error(ErrorKind::Terminated,
                                       "terminated (SIGTERM): pgmi stopped while connecting")
                          : make_error(ErrorKind::Interrupted,
                                       "interrupted (SIGINT): pgmi stopped while connecting");
}

/// Waits `delay`, checking signals and the deadline every 10 ms.
Status wait(std::chrono::milliseconds delay, const Deadline& deadline) {
    auto until = Deadline::Clock::now() + delay;
    for (;;) {
        if (int sig = deadline.stop_signal())
            return stopped_while_connecting(sig);
        if (deadline.expired()) {
            return make_error(ErrorKind::Timeout,
                              "timeout: --timeout expired while retrying the connection");
        }
        if (Deadline::Clock::now() >= until)
            return Status::ok();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

class StandardConnector : public Connector {
  public:
    StandardConnector(ConnectionConfig config, ConnectorOptions options)
        : config_(std::move(config)), options_(std::move(options)) {}

    Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) override {
        return connect_with_retries(
            config_, options_, dbname, deadline,
            [](const ConnectionConfig& cfg, const std::string& db, int) -> Result<pg::ConnParams> {
                return cfg.to_params(db);
            });
    }

  private:
    ConnectionConfig config_;
    ConnectorOptions options_;
};

}  // namespace

Result<pg::Connection> connect_with_retry(const std::string& dbname, const std::string& address,
                                          const Deadline& deadline, const ConnectorOptions& options,
                                          const AttemptHooks& hooks) {
    install_key_passphrase_hook();
    auto verbose = [&](std::string_view line) {
        if (options.verbose)
            options.verbose(line);
    };
    std::mt19937 rng(std::random_device{}());
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const int attempts = std::max(1, options.retry.attempts);
    for (int attempt = 1;; ++attempt) {
        Error err;
        auto conn = hooks.open();
        if (conn) {
            auto identity = check_compatibility(*conn, address);
            if (identity) {
                verbose(describe(*identity));
                return std::move(conn).value();
            }
            if (identity.error().kind != ErrorKind::Connection)
                return identity.error();
            err = identity.error();
        } else {
            err = conn.error();
        }
        if (int sig = deadline.stop_signal())
            return stopped_while_connecting(sig);
        if (attempt >= attempts || !hooks.transient(err)) {
            if (attempt > 1) {
                verbose(fmt::format("Connection attempt {} of {} failed; giving up", attempt,
                                    attempts));
            }
            Error friendly = hooks.friendly(err);
            if (deadline.expired() && hooks.transient(err)) {
                // The deploy's deadline ran out during the dial: that is the timeout (16), with
                // what the dial last saw as its cause.
                Error timeout =
                    make_error(ErrorKind::Timeout, "timeout: --timeout expired while connecting: " +
                                                       first_line(friendly.message));
                timeout.server = friendly.server;
                return timeout;
            }
            return friendly;
        }
        auto delay = backoff_delay(options.retry, attempt, uniform(rng));
        verbose(
            fmt::format("Connection attempt {} of {} to database \"{}\" failed ({}); "
                        "retrying in {} ms",
                        attempt, attempts, dbname, first_line(err.message), delay.count()));
        if (Status s = wait(delay, deadline); !s)
            return s.error();
    }
}

Result<pg::Connection> connect_with_retries(const ConnectionConfig& config,
                                            const ConnectorOptions& options,
                                            const std::string& dbname, const Deadline& deadline,
                                            const AttemptParams& params) {
    int attempt = 0;
    std::optional<Error> params_failed;  // ends the loop and is returned as it is
    AttemptHooks hooks;
    hooks.open = [&]() -> Result<pg::Connection> {
        ++attempt;
        ConnectionConfig cfg = config;
        // A single attempt never outlives the deploy deadline.
        if (auto left = deadline.remaining()) {
            int secs = static_cast<int>(std::max<long long>(2, (left->count() + 999) / 1000));
            if (cfg.connect_timeout == 0 || cfg.connect_timeout > secs)
                cfg.connect_timeout = secs;
        }
        auto p = params(cfg, dbname, attempt);
        if (!p) {
            params_failed = p.error();
            return std::move(p).error();
        }
        return pg::Connection::open(*p, [&deadline] { return deadline.stop_signal() != 0; });
    };
    hooks.transient = [&](const Error& e) { return !params_failed && is_transient(e); };
    hooks.friendly = [&](const Error& e) {
        return params_failed ? *params_failed : friendly_connection_error(e, config, dbname);
    };
    return connect_with_retry(dbname, config.address(), deadline, options, hooks);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int failed, double r) {
    double ms = static_cast<double>(policy.base.count()) * std::pow(2.0, std::max(0, failed - 1));
    ms = std::min(ms, static_cast<double>(policy.cap.count()));
    ms *= 1.0 + policy.jitter * (2.0 * r - 1.0);
    return std::chrono::milliseconds(static_cast<long long>(ms));
}

Result<ServerIdentity> check_compatibility(pg::Connection& conn, const std::string& address) {
    auto r = conn.exec(kCompatibilityQuery);
    if (!r) {
        const Error& e = r.error();
        if (!e.server || e.server->sqlstate.empty() || is_transient(e)) {
            // The connection broke or the server is going away: not an answer about what it is.
            Error broken = make_error(ErrorKind::Connection, e.message);
            broken.server = e.server;
            return broken;
        }
        return make_error(
            ErrorKind::Config,
            fmt::format("invalid configuration: the server at {} failed pgmi's PostgreSQL "
                        "compatibility query: {}\n{}",
                        address, pg::describe(*e.server), kNotSupportedHint));
    }
    if (r->rows() != 1 || r->columns() != 7) {
        return make_error(ErrorKind::Config,
                          fmt::format("invalid configuration: the server at {} answered pgmi's "
                                      "PostgreSQL compatibility query with {} rows of {} "
                                      "columns instead of one row of 7\n{}",
                                      address, r->rows(), r->columns(), kNotSupportedHint));
    }
    ServerIdentity id;
    auto text = [&](int col) {
        return r->is_null(0, col) ? std::string() : std::string(r->value(0, col));
    };
    id.version = text(0);
    id.database = text(1);
    id.user = text(2);
    id.backend_pid = std::atoi(text(3).c_str());
    id.server_addr = text(4);
    id.server_port = std::atoi(text(5).c_str());
    id.version_num = std::atoi(text(6).c_str());

    std::string shown = id.version.substr(0, 100);
    if (id.version.rfind("PostgreSQL ", 0) != 0 || contains(id.version, "-YB-")) {
        return make_error(ErrorKind::Config,
                          fmt::format("invalid configuration: the server at {} is not "
                                      "PostgreSQL: version() reports \"{}\"\n{}",
                                      address, shown, kNotSupportedHint));
    }
    if (id.version_num < 110000) {
        // "PostgreSQL 10.23 on x86_64-pc-linux-gnu, ..." → "10.23"
        std::string number = id.version.substr(11);
        number = number.substr(0, number.find_first_of(" ,"));
        return make_error(ErrorKind::Config,
                          fmt::format("invalid configuration: this server reports PostgreSQL {}, "
                                      "and pgmi requires 11 or newer",
                                      number));
    }
    return id;
}

std::string describe(const ServerIdentity& id) {
    std::string where = id.server_addr.empty()
                            ? std::string("Unix socket")
                            : fmt::format("{}:{}", id.server_addr, id.server_port);
    return fmt::format(
        "Connected: {}; database \"{}\" as \"{}\", backend pid {}, server {}, "
        "server_version_num {}",
        id.version, id.database, id.user, id.backend_pid, where, id.version_num);
}

FailureClass classify_connection_failure(const std::string& libpq_message) {
    const std::string m = util::to_lower(libpq_message);
    if (contains(m, "password authentication failed"))
        return FailureClass::PasswordFailed;
    if (contains(m, "no password supplied"))
        return FailureClass::NoPassword;
    if (contains(m, "no pg_hba.conf entry") || contains(m, "pg_hba.conf rejects"))
        return FailureClass::NoHbaEntry;
    if (contains(m, "database \"") && contains(m, "does not exist"))
        return FailureClass::NoSuchDatabase;
    if (contains(m, "permission denied"))
        return FailureClass::PermissionDenied;
    if (contains(m, "too many clients") || contains(m, "too many connections") ||
        contains(m, "remaining connection slots")) {
        return FailureClass::TooManyConnections;
    }
    if (contains(m, "starting up") || contains(m, "shutting down") ||
        contains(m, "in recovery mode") || contains(m, "not yet accepting connections")) {
        return FailureClass::StartingUp;
    }
    if (contains(m, "certificate") || contains(m, "private key") || contains(m, "ssl") ||
        contains(m, "tls") || contains(m, "bad decrypt")) {
        return FailureClass::Tls;
    }
    if (contains(m, "connection refused") || contains(m, "actively refused") ||
        (contains(m, "socket") && contains(m, "no such file or directory")) ||
        contains(m, "server closed the connection") || contains(m, "connection reset") ||
        contains(m, "network is unreachable") || contains(m, "no route to host") ||
        contains(m, "broken pipe") || contains(m, "unexpected eof")) {
        return FailureClass::Refused;
    }
    if (contains(m, "could not translate host name") || contains(m, "name or service not known") ||
        contains(m, "no such host") || contains(m, "name resolution")) {
        return FailureClass::NoSuchHost;
    }
    if (contains(m, "timeout expired") || contains(m, "timed out"))
        return FailureClass::Timeout;
    return FailureClass::Other;
}

namespace {

/// pgbouncer relays a server's "database ... does not exist" as a protocol violation (08P01),
/// which would otherwise read as a transient connection failure and be retried.
bool pooler_relayed_missing_database(const Error& error) {
    if (!error.server || error.server->sqlstate != "08P01")
        return false;
    const std::string m = util::to_lower(error.server->message);
    return contains(m, "database \"") && contains(m, "does not exist");
}

}  // namespace

FailureClass classify_connection_failure(const Error& error) {
    if (pooler_relayed_missing_database(error))
        return FailureClass::NoSuchDatabase;
    if (error.server && !error.server->sqlstate.empty()) {
        const std::string& code = error.server->sqlstate;
        if (code == "28P01")
            return FailureClass::PasswordFailed;
        if (code == "28000")
            return FailureClass::NoHbaEntry;
        if (code == "3D000")
            return FailureClass::NoSuchDatabase;
        if (code == "42501")
            return FailureClass::PermissionDenied;
        if (code == "53300")
            return FailureClass::TooManyConnections;
        if (code == "57P03")
            return FailureClass::StartingUp;
        return FailureClass::ServerRefused;
    }
    return classify_connection_failure(error.message);
}

bool is_transient(const Error& error) {
    if (pooler_relayed_missing_database(error))
        return false;
    if (error.server && error.server->sqlstate.size() == 5) {
        const std::string& code = error.server->sqlstate;
        const std::string cls = code.substr(0, 2);
        if (cls == "08" || cls == "53")
            return true;
        if (cls == "57")
            return code != "57014" && code != "57P04";
        return code == "40001" || code == "40P01" || code == "55P03";
    }
    switch (classify_connection_failure(error.message)) {
        case FailureClass::Refused:
        case FailureClass::TooManyConnections:
        case FailureClass::StartingUp:
        case FailureClass::Timeout:
            return true;
        case FailureClass::NoSuchHost:
            // Only a resolver that could not answer (not "no such name") is worth another try.
            return contains(util::to_lower(error.message), "temporary failure");
        default:
            return false;
    }
}

bool is_missing_database(const Error& error) {
    if (pooler_relayed_missing_database(error))
        return true;
    if (error.server && !error.server->sqlstate.empty())
        return error.server->sqlstate == "3D000";
    return classify_connection_failure(error.message) == FailureClass::NoSuchDatabase;
}

Error friendly_connection_error(const Error& raw, const ConnectionConfig& config,
                                const std::string& dbname) {
    const std::string user = config.username.empty() ? "(default user)" : config.username;
    const std::string addr = config.address();
    const std::string lowered = util::to_lower(raw.message);
    std::string msg;
    switch (classify_connection_failure(raw)) {
        case FailureClass::PasswordFailed:
            if (config.auth != AuthMethod::Standard) {
                // The password was a token pgmi fetched: the password hints would mislead.
                msg = fmt::format(
                    "password authentication failed for user \"{}\" on database \"{}\" with an "
                    "{} token\ncheck that the role exists for this identity and may log in with "
                    "it (Azure: the Entra principal name; AWS: GRANT rds_iam)",
                    user, dbname, auth_method_name(config.auth));
                break;
            }
            msg = fmt::format(
                "password authentication failed for user \"{}\" on database \"{}\"\n"
                "check $PGPASSWORD, ~/.pgpass, or the connection string",
                user, dbname);
            break;
        case FailureClass::NoPassword:
            msg = fmt::format(
                "password required for user \"{}\" on database \"{}\", and none was given\n"
                "set $PGPASSWORD, add a line to ~/.pgpass (mode 0600), or put it in the "
                "connection string",
                user, dbname);
            break;
        case FailureClass::NoHbaEntry:
            msg = fmt::format(
                "authentication rejected for user \"{}\" on database \"{}\": {}\n"
                "no pg_hba.conf entry matches this host, user, and method",
                user, dbname, server_reason(raw));
            if (contains(lowered, "no encryption")) {
                msg +=
                    "\nthe server accepts this user only over TLS: use --sslmode require (or "
                    "verify-ca / verify-full)";
            }
            break;
        case FailureClass::NoSuchDatabase:
            msg = fmt::format(
                "database \"{}\" does not exist\ncreate it with `createdb {}` or pass "
                "--overwrite to let pgmi create it",
                dbname, dbname);
            break;
        case FailureClass::PermissionDenied:
            msg = fmt::format("{}\ngrant access with: GRANT CONNECT ON DATABASE {} TO {}",
                              server_reason(raw), dbname, user);
            break;
        case FailureClass::TooManyConnections:
            msg = fmt::format(
                "too many connections to database \"{}\"\nserver is at max_connections; close "
                "idle backends or wait",
                dbname);
            break;
        case FailureClass::StartingUp:
            msg = fmt::format(
                "server at {} is not accepting connections: {}\nit is starting up "
                "or recovering; retry shortly",
                addr, server_reason(raw));
            break;
        case FailureClass::ServerRefused:
            msg = fmt::format("server at {} refused the connection: {} (SQLSTATE {})", addr,
                              server_reason(raw), raw.server->sqlstate);
            break;
        case FailureClass::Refused:
            msg = fmt::format(
                "connection refused to {}\nis PostgreSQL running? check: pg_isready -h {} -p {}",
                addr, config.first_host(), config.first_port());
            break;
        case FailureClass::NoSuchHost:
            msg =
                fmt::format("cannot resolve host \"{}\"\ncheck hostname spelling, DNS, and $PGHOST",
                            config.host);
            break;
        case FailureClass::Timeout:
            msg = fmt::format(
                "connection timed out to {}\ncheck network reachability and server load; raise "
                "--timeout if needed",
                addr);
            break;
        case FailureClass::Tls:
            msg = fmt::format(
                "SSL/TLS connection error: {}\ncheck --sslmode, --sslcert, --sslkey, --sslrootcert",
                server_reason(raw));
            if (contains(lowered, "not private key file") ||
                (contains(lowered, "private key file") && contains(lowered, "no such file"))) {
                // libpq's words for a --sslkey that does not exist: no passphrase would help.
                msg +=
                    "\nthe client key file does not exist: check --sslkey (or sslkey in the "
                    "connection string, $PGSSLKEY; default ~/.postgresql/postgresql.key)";
            } else if (contains(lowered, "group or world access")) {
                msg += "\nthe client key file must be readable by you only: chmod 600 it";
            } else if (contains(lowered, "bad decrypt") || contains(lowered, "password") ||
                       contains(lowered, "could not load private key")) {
                msg += "\nan encrypted client key needs its passphrase in $PGSSLPASSWORD";
            } else if (contains(lowered, "does not match host name")) {
                msg +=
                    "\nverify-full needs the host you connect to to be named in the server "
                    "certificate (subjectAltName or CN)";
            } else if (contains(lowered, "certificate verify failed")) {
                msg += "\nthe server certificate is not signed by the CA in --sslrootcert";
            } else if (contains(lowered, "does not support ssl")) {
                msg += "\nthe server has TLS turned off: use --sslmode prefer or disable";
            }
            break;
        case FailureClass::Other:
            msg = fmt::format("failed to connect to database: {}", server_reason(raw));
            break;
    }
    Error e = make_error(ErrorKind::Connection, msg);
    e.server = raw.server;
    return e;
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectionConfig& config,
                                                  ConnectorOptions options) {
    switch (config.auth) {
        case AuthMethod::Standard:
            return std::unique_ptr<Connector>(
                std::make_unique<StandardConnector>(config, std::move(options)));
        case AuthMethod::AwsIam:
        case AuthMethod::AzureEntraId: {
            auto provider = make_token_provider(config);
            if (!provider)
                return std::move(provider).error();
            return make_token_connector(config, std::move(provider).value(), std::move(options));
        }
        case AuthMethod::GoogleIam: {
            CloudSqlOptions cloud_sql;
            cloud_sql.instance = config.cloud.google_instance;
            cloud_sql.ip_type =
                config.cloud.google_private_ip ? CloudSqlIpType::Private : CloudSqlIpType::Public;
            cloud_sql.config = config;
            return make_cloud_sql_connector(cloud_sql, std::move(options));
        }
    }
    return make_error(ErrorKind::Unexpected, "unknown authentication method");
}

}  // namespace pgmi::conn
