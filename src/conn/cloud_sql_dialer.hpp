// The Cloud SQL dialer (connections §8.3): per dial, the instance's connectSettings (cached,
// fetched again after a failed dial), a fresh RSA-2048 key generated in memory, a login token
// (scope sqlservice.login) and generateEphemeralCert for it (IAM database authentication), then
// TLS 1.3 to <address>:3307 presenting that certificate, the server checked against the
// instance's own CA and name (verify_server_identity). The result is a TlsStream that carries
// the PostgreSQL protocol directly (no SSLRequest inside). Secrets (tokens, the key, the
// certificates) never reach a message.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/cloud_sql.hpp"
#include "cloud/google.hpp"
#include "conn/tls_stream.hpp"
#include "util/deadline.hpp"

namespace pgmi::conn {

/// Which of the instance's addresses to dial: PRIMARY (public, the default) or PRIVATE (VPC).
enum class CloudSqlIpType { Public, Private };

/// "public" or "private", any case; Config error naming the valid values otherwise.
Result<CloudSqlIpType> parse_cloud_sql_ip_type(std::string_view text);

/// The address of `type` from connectSettings (PRIMARY for Public, PRIVATE for Private).
/// Connection error naming the instance and the address types it does have.
Result<std::string> select_cloud_sql_address(const cloud::ConnectSettings& settings,
                                             CloudSqlIpType type,
                                             const cloud::InstanceName& instance);

/// Cloud SQL's server identity rule, after the chain was verified against the instance CA: when
/// connectSettings reports a DNS name (trailing dot ignored), a subjectAltName DNS entry matching
/// it identifies the instance; otherwise, and as the fallback for certificates made before the
/// instance had a DNS name, the subject CN must be exactly "<project>:<instance>" (the legacy
/// per-instance CA convention). Connection error naming the instance and what the certificate
/// says otherwise.
Status verify_cloud_sql_server_identity(x509_st* leaf, const cloud::InstanceName& instance,
                                        std::string_view dns_name);

/// The Cloud SQL server-side proxy's port.
inline constexpr int kCloudSqlPort = 3307;

struct CloudSqlDialerOptions {
    cloud::InstanceName instance;
    CloudSqlIpType ip_type = CloudSqlIpType::Public;
    /// Environment (CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN, the credential chain's variables),
    /// clock and HTTP timeouts of the Google credentials; the scopes are the dialer's own.
    cloud::GoogleOptions google;
    std::chrono::milliseconds api_timeout{30000};
    std::chrono::milliseconds dial_timeout{10000};  // TCP connect plus TLS handshake
};

class CloudSqlDialer {
  public:
    /// Config error for a bad CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN.
    static Result<std::unique_ptr<CloudSqlDialer>> create(CloudSqlDialerOptions options);

    /// One dial, bounded by `deadline` as well as the timeouts. `transient` says whether a
    /// failure is worth another attempt (transport trouble), false for API refusals,
    /// configuration and verification failures.
    struct Dialed {
        TlsStream stream;
        /// What the stream was dialled with (certificate, key, CA, identity check): dialling
        /// it again reaches the same instance as the same client, e.g. for a cancel request.
        TlsDialOptions options;
    };
    Result<Dialed> dial(const Deadline& deadline, bool& transient);

    /// The IAM principal whose login token went into the last certificate (needs one dial()).
    Result<std::string> principal();

    /// The address the last dial went to ("" before the first).
    const std::string& last_address() const { return last_address_; }
    const cloud::InstanceName& instance() const { return o_.instance; }

  private:
    CloudSqlDialer(CloudSqlDialerOptions o, std::shared_ptr<cloud::GoogleTokenProvider> admin,
                   std::unique_ptr<cloud::GoogleTokenProvider> login, cloud::SqlAdminClient api)
        : o_(std::move(o)),
          admin_tokens_(std::move(admin)),
          login_tokens_(std::move(login)),
          api_(std::move(api)) {}

    CloudSqlDialerOptions o_;
    std::shared_ptr<cloud::GoogleTokenProvider> admin_tokens_;
    std::unique_ptr<cloud::GoogleTokenProvider> login_tokens_;
    cloud::SqlAdminClient api_;
    std::optional<cloud::ConnectSettings> settings_;
    std::string last_address_;
};

}  // namespace pgmi::conn
