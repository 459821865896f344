// The Cloud SQL Admin API calls a Cloud SQL connector needs (connections §8.3): connectSettings
// (addresses, server CA, DNS name) and generateEphemeralCert (a client certificate for a freshly
// generated key, carrying the IAM principal). No TLS dialing here. The base URL follows gcloud's
// CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN (override rule of http.hpp), default
// https://sqladmin.googleapis.com/; paths are "sql/v1beta4/projects/<p>/instances/<i>...".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/crypto.hpp"
#include "cloud/token.hpp"
#include "util/env.hpp"

namespace pgmi::cloud {

/// An instance connection name "project:region:instance", the project possibly domain-scoped
/// ("example.com:project").
struct InstanceName {
    std::string project;  // may contain "domain:"
    std::string region;
    std::string instance;
    std::string to_string() const { return project + ":" + region + ":" + instance; }
};

/// Validates offline. Config error: "invalid instance connection name, expected
/// PROJECT:REGION:INSTANCE" (the value is quoted only when it is name-like).
Result<InstanceName> parse_instance_name(std::string_view text);

/// The database user name Cloud SQL expects for an IAM principal: a service account's e-mail
/// without ".gserviceaccount.com", anything else unchanged.
std::string cloud_sql_database_user(std::string_view principal);

struct IpAddress {
    std::string type;  // "PRIMARY", "PRIVATE", "OUTGOING"
    std::string address;
};

struct ConnectSettings {
    std::string region;
    std::string database_version;  // e.g. "POSTGRES_15"
    std::vector<IpAddress> ip_addresses;
    std::string server_ca_cert;  // PEM
    std::string dns_name;
    std::string server_ca_mode;  // e.g. "GOOGLE_MANAGED_INTERNAL_CA", may be empty
    bool psc_enabled = false;
};

struct EphemeralCert {
    std::string cert_pem;
    TimePoint expires_at;
};

class SqlAdminClient {
  public:
    /// `tokens` gives the Bearer token for the API (scope sqlservice.admin or cloud-platform).
    static Result<SqlAdminClient> create(const EnvLookup& env,
                                         std::shared_ptr<TokenProvider> tokens);

    const std::string& base_url() const { return base_; }

    /// GET .../connectSettings. Checks that the instance's region matches the name and that it
    /// runs PostgreSQL (Config errors); HTTP failures are Connection errors with Google's message.
    Result<ConnectSettings> connect_settings(const InstanceName& instance);

    /// POST ...:generateEphemeralCert with `public_key_pem` and, for IAM database authentication,
    /// the login token (scope sqlservice.login) as "access_token".
    Result<EphemeralCert> generate_ephemeral_cert(const InstanceName& instance,
                                                  const std::string& public_key_pem,
                                                  const std::string& login_token);

    void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

  private:
    SqlAdminClient(std::string base, std::shared_ptr<TokenProvider> tokens)
        : base_(std::move(base)), tokens_(std::move(tokens)) {}
    std::string instance_url(const InstanceName& instance) const;

    std::string base_;
    std::shared_ptr<TokenProvider> tokens_;
    std::chrono::milliseconds timeout_{30000};
};

}  // namespace pgmi::cloud
