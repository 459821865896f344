// ConnectionConfig: everything needed to open a connection, resolved from flags, environment,
// pgmi.yaml, a connection string and a service file. Secrets (password, sslpassword, password-file
// entries) live only here and in the libpq parameters built from it; describe() is the only text
// rendering and never shows them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conn/pgpass.hpp"
#include "pg/connection.hpp"

namespace pgmi::conn {

enum class AuthMethod { Standard, AwsIam, GoogleIam, AzureEntraId };

/// The companion values of the cloud methods (connections §5.8), as resolved offline. None of
/// them is a secret: client secrets and keys stay in the environment, read by cloud/.
struct CloudSettings {
    std::string azure_tenant_id;           // --azure-tenant-id (beats $AZURE_TENANT_ID)
    std::string azure_client_id;           // --azure-client-id (beats $AZURE_CLIENT_ID)
    std::string azure_tenant_id_fallback;  // pgmi.yaml (after the variables)
    std::string azure_client_id_fallback;  // pgmi.yaml
    /// --aws-region > $AWS_REGION > $AWS_DEFAULT_REGION > pgmi.yaml; "" = the provider falls
    /// back to the profile's region, then the RDS host name.
    std::string aws_region;
    std::string
        google_instance;  // --google-instance > pgmi.yaml; validated project:region:instance
    bool google_private_ip = false;  // --google-ip-type private > pgmi.yaml: dial the PRIVATE IP
};

struct ConnectionConfig {
    std::string host;        // "" = libpq default; several hosts comma-separated (libpq syntax)
    int port = 0;            // 0 = libpq default
    std::vector<int> ports;  // several hosts with their own ports (0 = default); else empty
    std::string username;    // "" = libpq default (PGUSER / OS account)
    std::string password;    // secret; "" = none given (password file, then no password)
    std::string database;    // the database named by the source (not necessarily the target)
    std::string sslmode;     // "" = libpq default
    std::string sslcert, sslkey, sslrootcert;
    std::string sslpassword;  // secret
    std::string app_name = "pgmi";
    int connect_timeout = 0;                               // seconds, 0 = none
    std::string service;                                   // service=/PGSERVICE, passed to libpq
    std::map<std::string, std::string> additional_params;  // other libpq keywords, passed through
    /// TCP liveness keywords pgmi adds because the user left them unset (see
    /// tcp_liveness_defaults); passed to libpq after everything else.
    pg::ConnParams liveness;
    AuthMethod auth = AuthMethod::Standard;
    CloudSettings cloud;
    /// The password file as pgmi read it (nullopt: libpq reads it itself, e.g. several hosts).
    /// When present, pgmi looks the password up per connection and keeps libpq from reading the
    /// file a second time.
    std::optional<PasswordFile> password_file;

    /// libpq keywords/values for a connection to `dbname` (a real password goes only here).
    pg::ConnParams to_params(const std::string& dbname) const;
    /// `host:port` for messages (`[v6]:port`, a socket directory as is; several joined by ',').
    std::string address() const;
    /// The first host as libpq would dial it ("localhost" when unset).
    std::string first_host() const;
    int first_port() const;
};

/// Where the deploy goes: the target, and the maintenance database used to create it.
struct ResolvedConnection {
    ConnectionConfig config;
    std::string target_db;
    std::string maintenance_db;
    /// Field → where its value came from ("--host", "$PGUSER", "pgmi.yaml connection.port",
    /// "connection string ($DATABASE_URL)", "default", ...). Keys: host, port, user, password,
    /// target, maintenance, sslmode, sslcert, sslkey, sslrootcert, sslpassword, app_name,
    /// connect_timeout, service, passfile, auth, azure_tenant_id, azure_client_id, aws_region,
    /// google_instance (for the cloud keys the entry is "<value> (<where>)", as some values are
    /// only known from the environment), and the kLivenessKeywords the user set ("<value>
    /// (<where>)": the service file's values are not kept elsewhere).
    std::map<std::string, std::string> sources;
    std::vector<std::string> notes;     // --verbose only
    std::vector<std::string> warnings;  // always shown (stderr)
    bool overwrite = false;             // --overwrite: drop and recreate the target
    bool force = false;                 // --force: no typed confirmation

    /// Every secret value this run knows (for redaction of anything shown).
    std::vector<std::string> secrets() const;
};

/// The TCP liveness keywords, in the order they are shown.
inline constexpr const char* kLivenessKeywords[] = {
    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"};

/// pgmi's values for the TCP liveness keywords the user did not set (`is_set` says which they
/// did), so that a dead network path ends a blocked connection even without --timeout: keepalive
/// probes after 30 s of silence, every 10 s, the connection ends after 3 unanswered; and
/// tcp_user_timeout ends it when sent data stays unacknowledged for 60 s (only when this libpq
/// knows the keyword, libpq >= 12). libpq ignores them on Unix sockets.
pg::ConnParams tcp_liveness_defaults(const std::function<bool(const std::string&)>& is_set);

/// Multi-line description for --verbose (first line "Connection resolved:"), each field with
/// its source; never shows a secret.
std::string describe(const ResolvedConnection& resolved);

const char* auth_method_name(AuthMethod m);

/// True for the sslmodes that may send a password in the clear ("", disable, allow, prefer);
/// token methods raise them to require.
bool weak_sslmode(const std::string& mode);

}  // namespace pgmi::conn
