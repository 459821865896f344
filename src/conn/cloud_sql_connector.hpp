// The Google Cloud SQL IAM connector (connections §7.6, §8.3): each attempt dials the instance
// through CloudSqlDialer (fresh key and ephemeral certificate every time), hands the TLS stream
// to a LocalBridge, and connects libpq to the bridge's private socket with sslmode=disable, no
// password, user = -U when given, else the IAM principal's database user
// (cloud_sql_database_user: a service account's e-mail without ".gserviceaccount.com"). The
// bridge is kept alive by the returned pg::Connection and released after it is closed. Retries,
// the compatibility query and the friendly messages are the standard connector's
// (connect_with_retry); dial failures keep their own messages, which name the instance.
#pragma once

#include <memory>
#include <string>

#include "conn/cloud_sql_dialer.hpp"
#include "conn/connection_config.hpp"
#include "conn/connector.hpp"

namespace pgmi::conn {

struct CloudSqlOptions {
    /// "project:region:instance" (project possibly "domain:project"); validated offline.
    std::string instance;
    CloudSqlIpType ip_type = CloudSqlIpType::Public;
    /// username ("" = the principal's), app_name and connect_timeout are used; host, port,
    /// password, TLS files and pass-through parameters do not apply (the tunnel replaces them).
    ConnectionConfig config;
    /// env (CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN, GOOGLE_APPLICATION_CREDENTIALS, ...),
    /// clock and timeouts of the credential chain; scopes are chosen by the connector.
    cloud::GoogleOptions google;
    std::chrono::milliseconds api_timeout{30000};
    std::chrono::milliseconds dial_timeout{10000};
};

/// Config error (exit 10) for an invalid instance name or endpoint override, or a $PGHOSTADDR
/// (libpq would dial it instead of the bridge); nothing is contacted before the first connect().
Result<std::unique_ptr<Connector>> make_cloud_sql_connector(const CloudSqlOptions& options,
                                                            ConnectorOptions connector = {});

}  // namespace pgmi::conn
