#include "conn/token_connector.hpp"

#include <fmt/format.h>

#include "cloud/aws_rds.hpp"
#include "cloud/azure.hpp"

namespace pgmi::conn {

namespace {

// connections §7.5: a token this close to its expiry may die during the deploy; say so.
constexpr auto kExpiryWarning = std::chrono::minutes(5);

std::string describe_left(std::chrono::seconds left) {
    if (left.count() >= 120)
        return fmt::format("{} min", left.count() / 60);
    return fmt::format("{} s", std::max<long long>(0, left.count()));
}

class TokenConnector : public Connector {
  public:
    TokenConnector(ConnectionConfig config, std::unique_ptr<cloud::TokenProvider> provider,
                   ConnectorOptions options)
        : config_(std::move(config)), provider_(std::move(provider)), options_(std::move(options)) {
        // The resolver raised and announced it; this keeps the rule even for other callers.
        if (weak_sslmode(config_.sslmode))
            config_.sslmode = "require";
        // The token replaces any password, so libpq must not look one up either.
        config_.password_file.reset();
    }

    Result<pg::Connection> connect(const std::string& dbname, const Deadline& deadline) override {
        return connect_with_retries(
            config_, options_, dbname, deadline,
            [this](const ConnectionConfig& cfg, const std::string& db,
                   int attempt) -> Result<pg::ConnParams> {
                auto token = provider_->token();
                if (!token) {
                    Error e = token.error();
                    if (e.kind != ErrorKind::Config)
                        e.kind = ErrorKind::Connection;
                    return e.wrapped(fmt::format("failed to acquire {} token", provider_->name()));
                }
                if (options_.secret)
                    options_.secret(token->value);
                report(*token, db, attempt);
                ConnectionConfig with_token = cfg;
                with_token.password = std::move(token->value);
                return with_token.to_params(db);
            });
    }

  private:
    void report(const cloud::Token& token, const std::string& db, int attempt) const {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(
            token.expires_at - std::chrono::system_clock::now());
        if (options_.verbose) {
            std::string tried = cloud::describe_attempts(provider_->last_attempts());
            options_.verbose(
                fmt::format("{} token from {} for attempt {} to database \"{}\" (expires in {}){}",
                            provider_->name(), token.source, attempt, db, describe_left(left),
                            tried.empty() ? "" : "; sources: " + tried));
        }
        if (left < kExpiryWarning && options_.warning) {
            options_.warning(fmt::format("Warning: {} token expires in {}", provider_->name(),
                                         describe_left(left)));
        }
    }

    ConnectionConfig config_;
    std::unique_ptr<cloud::TokenProvider> provider_;
    ConnectorOptions options_;
};

}  // namespace

Result<std::unique_ptr<cloud::TokenProvider>> make_token_provider(const ConnectionConfig& config) {
    if (config.auth == AuthMethod::AzureEntraId) {
        cloud::AzureOptions o;
        o.tenant_id = config.cloud.azure_tenant_id;
        o.client_id = config.cloud.azure_client_id;
        o.tenant_id_fallback = config.cloud.azure_tenant_id_fallback;
        o.client_id_fallback = config.cloud.azure_client_id_fallback;
        return cloud::make_azure_token_provider(std::move(o));
    }
    if (config.auth == AuthMethod::AwsIam) {
        if (config.host.find(',') != std::string::npos) {
            return make_error(ErrorKind::Config,
                              "failed to create AWS IAM token provider: AWS IAM auth signs its "
                              "token for one host:port, and several hosts were given: invalid "
                              "configuration");
        }
        cloud::AwsRdsOptions o;
        o.host = config.first_host();
        o.port = config.first_port();
        o.user = config.username;
        o.region = config.cloud.aws_region;
        auto provider = cloud::make_aws_rds_token_provider(std::move(o));
        if (!provider) {
            Error e = provider.error();
            if (e.kind == ErrorKind::Config &&
                e.message.find("invalid configuration") == std::string::npos)
                e.message += ": invalid configuration";
            return e;
        }
        return provider;
    }
    return make_error(ErrorKind::Config,
                      fmt::format("{} is not a token method: invalid configuration",
                                  auth_method_name(config.auth)));
}

std::unique_ptr<Connector> make_token_connector(ConnectionConfig config,
                                                std::unique_ptr<cloud::TokenProvider> provider,
                                                ConnectorOptions options) {
    return std::make_unique<TokenConnector>(std::move(config), std::move(provider),
                                            std::move(options));
}

}  // namespace pgmi::conn
