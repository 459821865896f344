#include "conn/cloud_sql_connector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "conn/local_bridge.hpp"

namespace pgmi::conn {
namespace {

class CloudSqlConnector : public Connector {
  public:
    CloudSqlConnector(std::unique_ptr<CloudSqlDialer> dialer, ConnectionConfig config,
                      ConnectorOptions options)
        : dialer_(std::move(dialer)), config_(std::move(config)), options_(std::move(options)) {}

    Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) override {
        // How the current attempt failed: in the dialer or bridge (its own message and
        // transience), or in libpq (the standard classification and messages).
        bool own_error = false;
        bool own_transient = false;
        std::string user;
        auto own = [&](Error e, bool transient) {
            own_error = true;
            own_transient = transient;
            return e;
        };

        AttemptHooks hooks;
        hooks.open = [&]() -> Result<pg::Connection> {
            own_error = false;
            bool transient = false;
            auto dialed = dialer_->dial(deadline, transient);
            if (!dialed)
                return own(dialed.error(), transient);
            auto who = database_user();
            if (!who)
                return own(who.error(), false);
            user = *who;
            // A cancel request (PQcancel opens a new connection) goes over a new stream made
            // with the same certificate and key, without another trip to the Admin API.
            TlsDialOptions again = std::move(dialed->options);
            again.timeout = std::chrono::seconds(10);
            auto bridge = LocalBridge::start(std::move(dialed->stream),
                                             [again] { return TlsStream::dial(again); });
            if (!bridge)
                return own(bridge.error(), false);
            verbose(fmt::format(
                "Cloud SQL instance {} at {}:{}: TLS 1.3 with a fresh ephemeral certificate; "
                "libpq connects as \"{}\" through {}",
                dialer_->instance().to_string(), dialer_->last_address(), kCloudSqlPort, user,
                (*bridge)->socket_path()));
            auto conn = pg::Connection::open(params(dbname, user, **bridge, deadline),
                                             [&deadline] { return deadline.stop_signal() != 0; });
            if (!conn) {
                // The instance may have ended the TLS session (e.g. refused the certificate):
                // libpq only saw the socket close, the bridge knows why. When the server itself
                // answered (database "x" does not exist, a password failure), its error is what
                // the user acts on, and pgmi's own handling (create the database) depends on it.
                if (std::string why = (*bridge)->failure(); !why.empty() && !conn.error().server) {
                    return own(make_error(ErrorKind::Connection,
                                          fmt::format("Cloud SQL instance {} at {}:{}: {}",
                                                      dialer_->instance().to_string(),
                                                      dialer_->last_address(), kCloudSqlPort, why)),
                               false);
                }
                return conn.error();
            }
            conn->keep_alive(std::move(*bridge));
            return conn;
        };
        hooks.transient = [&](const Error& e) {
            return own_error ? own_transient : is_transient(e);
        };
        hooks.friendly = [&](const Error& e) {
            if (own_error)
                return e;
            ConnectionConfig shown = config_;
            shown.host = dialer_->last_address();
            shown.port = kCloudSqlPort;
            shown.ports.clear();
            shown.username = user;
            Error out = friendly_connection_error(e, shown, dbname);
            switch (classify_connection_failure(e)) {
                case FailureClass::PasswordFailed:
                case FailureClass::NoPassword:
                case FailureClass::NoHbaEntry:
                    // The pg_hba/password advice does not apply; IAM's own conditions do.
                    out.message +=
                        "\nwith Cloud SQL IAM the user must be the principal's IAM database user "
                        "(gcloud sql users create <user> --type=cloud_iam_service_account or "
                        "cloud_iam_user) and the principal needs the Cloud SQL Instance User role";
                    break;
                default:
                    break;
            }
            return out;
        };
        const std::string address =
            fmt::format("Cloud SQL instance {}", dialer_->instance().to_string());
        return connect_with_retry(dbname, address, deadline, options_, hooks);
    }

  private:
    /// -U when given, else the database user of the principal behind the login token.
    Result<std::string> database_user() {
        if (!config_.username.empty())
            return config_.username;
        if (principal_user_.empty()) {
            auto p = dialer_->principal();
            if (!p)
                return p.error().wrapped("Cloud SQL IAM: no database user given (-U)");
            principal_user_ = cloud::cloud_sql_database_user(*p);
        }
        return principal_user_;
    }

    pg::ConnParams params(const std::string& dbname, const std::string& user,
                          const LocalBridge& bridge, const Deadline& deadline) const {
        pg::ConnParams p = {
            {"host", bridge.directory()},
            {"port", std::to_string(bridge.port())},
            {"dbname", dbname},
            {"user", user},
            // The bridge's stream is the encryption; nothing else may be negotiated inside it.
            {"sslmode", "disable"},
            {"gssencmode", "disable"},
            // No password exists for IAM users: keep libpq from looking one up in ~/.pgpass.
            {"passfile", bridge.directory() + "/no-passfile"},
            {"application_name", config_.app_name.empty() ? "pgmi" : config_.app_name},
        };
        int timeout = config_.connect_timeout;
        if (auto left = deadline.remaining()) {
            const int secs = static_cast<int>(std::max<long long>(2, (left->count() + 999) / 1000));
            if (timeout == 0 || timeout > secs)
                timeout = secs;
        }
        if (timeout > 0)
            p.emplace_back("connect_timeout", std::to_string(timeout));
        return p;
    }

    void verbose(std::string_view line) const {
        if (options_.verbose)
            options_.verbose(line);
    }

    std::unique_ptr<CloudSqlDialer> dialer_;
    ConnectionConfig config_;
    ConnectorOptions options_;
    std::string principal_user_;
};

}  // namespace

Result<std::unique_ptr<Connector>> make_cloud_sql_connector(const CloudSqlOptions& options,
                                                            ConnectorOptions connector) {
    auto name = cloud::parse_instance_name(options.instance);
    if (!name)
        return std::move(name).error();
    // libpq reads this from the process environment, and an empty parameter cannot override it:
    // it would take libpq past the bridge, to a server that is not the instance.
    if (const char* addr = std::getenv("PGHOSTADDR"); addr != nullptr && *addr != '\0')
        return make_error(ErrorKind::Config,
                          "$PGHOSTADDR is set, which would send libpq around the Cloud SQL "
                          "tunnel; unset it for --google");
    CloudSqlDialerOptions d;
    d.instance = *name;
    d.ip_type = options.ip_type;
    d.google = options.google;
    d.api_timeout = options.api_timeout;
    d.dial_timeout = options.dial_timeout;
    auto dialer = CloudSqlDialer::create(std::move(d));
    if (!dialer)
        return std::move(dialer).error();
    return std::unique_ptr<Connector>(std::make_unique<CloudSqlConnector>(
        std::move(*dialer), options.config, std::move(connector)));
}

}  // namespace pgmi::conn
