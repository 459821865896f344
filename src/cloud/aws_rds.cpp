#include "cloud/aws_rds.hpp"

namespace pgmi::cloud {
namespace {

constexpr auto kTokenLifetime = std::chrono::minutes(15);
constexpr auto kRefreshMargin = std::chrono::minutes(5);

class RdsTokenProvider final : public TokenProvider {
  public:
    explicit RdsTokenProvider(AwsRdsOptions o) : o_(std::move(o)) {}

    Result<Token> token() override {
        const TimePoint now = o_.now();
        if (!cached_ || (cached_->expires_at && *cached_->expires_at - kRefreshMargin <= now)) {
            AwsChainOptions chain;
            chain.env = o_.env;
            chain.region = o_.region;
            chain.now = o_.now;
            chain.http_timeout = o_.http_timeout;
            chain.metadata_timeout = o_.metadata_timeout;
            attempts_.clear();
            auto creds = resolve_aws_credentials(chain, &attempts_);
            if (!creds)
                return std::move(creds).error();
            cached_ = std::move(*creds);
        }
        Token t;
        t.value = rds_auth_token(o_.host, o_.port, o_.user, o_.region, *cached_, now);
        t.expires_at = now + kTokenLifetime;
        if (cached_->expires_at && *cached_->expires_at < t.expires_at)
            t.expires_at = *cached_->expires_at;
        t.source = cached_->source;
        return t;
    }

    std::string name() const override { return "AWS IAM"; }
    std::vector<SourceAttempt> last_attempts() const override { return attempts_; }

  private:
    AwsRdsOptions o_;
    std::optional<AwsCredentials> cached_;
    std::vector<SourceAttempt> attempts_;
};

Error precondition(const std::string& what) {
    return make_error(ErrorKind::Config, "failed to create AWS IAM token provider: " + what);
}

}  // namespace

Result<std::unique_ptr<TokenProvider>> make_aws_rds_token_provider(AwsRdsOptions options) {
    if (options.host.empty() || options.host.front() == '/' || options.port <= 0 ||
        options.port > 65535)
        return precondition("AWS IAM auth requires endpoint (host:port)");
    if (options.region.empty()) {
        if (auto r = aws_profile_region(options.env))
            options.region = *r;
        else if (auto h = aws_region_from_rds_host(options.host))
            options.region = *h;
    }
    if (options.region.empty())
        return precondition("AWS IAM auth requires region (use --aws-region or $AWS_REGION)");
    if (options.user.empty())
        return precondition("AWS IAM auth requires database username");
    if (!options.env)
        options.env = process_env();
    if (!options.now)
        options.now = system_clock();
    return std::unique_ptr<TokenProvider>(new RdsTokenProvider(std::move(options)));
}

}  // namespace pgmi::cloud
