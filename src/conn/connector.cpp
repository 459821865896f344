#include "conn/connector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <random>
#include <thread>

namespace pgmi::conn {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

bool contains(const std::string& haystack, const char* needle) {
    return haystack.find(needle) != std::string::npos;
}

/// The server's own words from a libpq startup failure ("FATAL:  <msg>"), else the whole text.
std::string server_reason(const std::string& raw) {
    auto pos = raw.find("FATAL:");
    std::string s = pos == std::string::npos ? raw : raw.substr(pos + 6);
    s.erase(0, s.find_first_not_of(' '));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

class StandardConnector : public Connector {
  public:
    explicit StandardConnector(ConnectionConfig config) : config_(std::move(config)) {}

    Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) override {
        constexpr int kAttempts = 4;  // 1 + 3 retries
        std::mt19937 rng(std::random_device{}());
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        for (int attempt = 0;; ++attempt) {
            ConnectionConfig cfg = config_;
            // A single attempt never outlives the deploy deadline.
            if (auto left = deadline.remaining()) {
                int secs = static_cast<int>(std::max<long long>(2, (left->count() + 999) / 1000));
                if (cfg.connect_timeout == 0 || cfg.connect_timeout > secs) {
                    cfg.connect_timeout = secs;
                }
            }
            auto conn = pg::Connection::open(cfg.to_params(dbname));
            if (conn) {
                // The handshake alone does not prove a usable session (poolers, proxies).
                auto ping = conn->exec("SELECT 1");
                if (ping)
                    return conn;
                return friendly_connection_error(ping.error(), config_, dbname);
            }
            Error err = conn.error();
            if (attempt + 1 >= kAttempts || !is_transient(err)) {
                return friendly_connection_error(err, config_, dbname);
            }
            auto delay = std::chrono::milliseconds(
                static_cast<long long>((100 << attempt) * (1.0 + 0.1 * (2 * jitter(rng) - 1))));
            auto until = Deadline::Clock::now() + delay;
            while (Deadline::Clock::now() < until) {
                if (int sig = interrupt_signal().load()) {
                    return make_error(
                        sig == SIGTERM ? ErrorKind::Terminated : ErrorKind::Interrupted,
                        "interrupted while connecting");
                }
                if (deadline.expired()) {
                    return make_error(ErrorKind::Timeout,
                                      "timeout: --timeout expired while retrying the connection");
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    }

  private:
    ConnectionConfig config_;
};

}  // namespace

FailureClass classify_connection_failure(const std::string& libpq_message) {
    const std::string m = lower(libpq_message);
    if (contains(m, "password authentication failed"))
        return FailureClass::PasswordFailed;
    if (contains(m, "no pg_hba.conf entry"))
        return FailureClass::NoHbaEntry;
    if (contains(m, "database \"") && contains(m, "does not exist")) {
        return FailureClass::NoSuchDatabase;
    }
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
    if (contains(m, "connection refused") || contains(m, "no such file or directory") ||
        contains(m, "server closed the connection") || contains(m, "connection reset")) {
        return FailureClass::Refused;
    }
    if (contains(m, "could not translate host name") || contains(m, "name or service not known")) {
        return FailureClass::NoSuchHost;
    }
    if (contains(m, "timeout expired") || contains(m, "timed out"))
        return FailureClass::Timeout;
    if (contains(m, "ssl") || contains(m, "tls") || contains(m, "certificate")) {
        return FailureClass::Tls;
    }
    return FailureClass::Other;
}

bool is_transient(const Error& error) {
    switch (classify_connection_failure(error.message)) {
        case FailureClass::Refused:
        case FailureClass::TooManyConnections:
        case FailureClass::StartingUp:
        case FailureClass::Timeout:
            return true;
        default:
            return false;
    }
}

Error friendly_connection_error(const Error& raw, const ConnectionConfig& config,
                                const std::string& dbname) {
    const std::string user = config.username.empty() ? "(default user)" : config.username;
    const std::string addr = config.address();
    std::string msg;
    switch (classify_connection_failure(raw.message)) {
        case FailureClass::PasswordFailed:
            msg = fmt::format(
                "password authentication failed for user \"{}\" on database \"{}\"\n"
                "check $PGPASSWORD, ~/.pgpass, or the connection string",
                user, dbname);
            break;
        case FailureClass::NoHbaEntry:
            msg = fmt::format(
                "authentication rejected for user \"{}\" on database \"{}\": {}\n"
                "no pg_hba.conf entry matches this host, user, and method",
                user, dbname, server_reason(raw.message));
            break;
        case FailureClass::NoSuchDatabase:
            msg = fmt::format(
                "database \"{}\" does not exist\ncreate it with `createdb {}` or let pgmi create "
                "it by connecting with a role that has CREATEDB",
                dbname, dbname);
            break;
        case FailureClass::PermissionDenied:
            msg = fmt::format("{}\ngrant access with: GRANT CONNECT ON DATABASE {} TO {}",
                              server_reason(raw.message), dbname, user);
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
                addr, server_reason(raw.message));
            break;
        case FailureClass::Refused:
            msg = fmt::format(
                "connection refused to {}\nis PostgreSQL running? check: pg_isready -h {} -p {}",
                addr, config.host.empty() ? "localhost" : config.host,
                config.port > 0 ? config.port : 5432);
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
                server_reason(raw.message));
            break;
        case FailureClass::Other:
            msg = fmt::format("failed to connect to database: {}", server_reason(raw.message));
            break;
    }
    Error e = make_error(ErrorKind::Connection, msg);
    e.server = raw.server;
    return e;
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectionConfig& config) {
    if (config.auth != AuthMethod::Standard) {
        return make_error(ErrorKind::Config,
                          fmt::format("unsupported auth method {}: unsupported authentication "
                                      "method (cloud authentication is not available yet)",
                                      auth_method_name(config.auth)));
    }
    return std::unique_ptr<Connector>(std::make_unique<StandardConnector>(config));
}

}  // namespace pgmi::conn
