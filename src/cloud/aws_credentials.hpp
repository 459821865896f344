// The AWS default credential chain (connections §8.1), without an SDK. Links, in order:
//   1. shared profile named by AWS_PROFILE, when set (it beats environment keys)
//   2. environment: AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) + AWS_SECRET_ACCESS_KEY (or
//      AWS_SECRET_KEY) [+ AWS_SESSION_TOKEN]
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] ->
//      STS AssumeRoleWithWebIdentity
//   4. shared profile "default" (when AWS_PROFILE is unset), from AWS_SHARED_CREDENTIALS_FILE
//      (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config): static keys, credential_process,
//      role_arn with source_profile / credential_source / web_identity_token_file -> STS
//   5. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2<uri>) or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, Authorization from
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN
//   6. EC2 IMDSv2 unless AWS_EC2_METADATA_DISABLED=true (AWS_EC2_METADATA_SERVICE_ENDPOINT,
//      AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE); IMDSv1 only after a 403/404/405 on the token PUT
//      and unless AWS_EC2_METADATA_V1_DISABLED=true
// A link that is not configured is skipped with its reason and the next one tried; a link that
// is configured but fails stops the chain. STS endpoints: AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL
// > https://sts.<region>.amazonaws.com/ (global endpoint without a region).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cloud/aws_sigv4.hpp"
#include "cloud/token.hpp"
#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::cloud {

struct AwsChainOptions {
    EnvLookup env = process_env();
    std::string region;  // for STS (and as the profile region fallback); may be empty
    Clock now = system_clock();
    std::chrono::milliseconds http_timeout{10000};     // STS and container endpoints
    std::chrono::milliseconds metadata_timeout{1000};  // EC2 instance metadata
    std::chrono::milliseconds process_timeout{60000};  // credential_process
};

/// Walks the chain. `attempts` (optional) receives every link tried, in order. Errors: Config for
/// a malformed shared file, an unknown explicit profile or a bad override URL; Connection when no
/// link produced credentials ("no AWS credentials found; sources tried: ...") or a configured
/// link failed. No message contains a key, token or secret.
Result<AwsCredentials> resolve_aws_credentials(const AwsChainOptions& options,
                                               std::vector<SourceAttempt>* attempts = nullptr);

/// The `region` of the active profile (AWS_PROFILE or "default") in the config file, if any.
std::optional<std::string> aws_profile_region(const EnvLookup& env);

/// The region label of an RDS endpoint "<name>.<id>.<region>.rds.amazonaws.com[.cn]".
std::optional<std::string> aws_region_from_rds_host(std::string_view host);

}  // namespace pgmi::cloud
