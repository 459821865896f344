// The AWS RDS IAM token provider (connections §7.5, §8.1): a SigV4-presigned `connect` URL for
// host:port and the database user, used as the password; valid 15 minutes.
#pragma once

#include <memory>
#include <string>

#include "cloud/aws_credentials.hpp"
#include "cloud/token.hpp"
#include "util/env.hpp"

namespace pgmi::cloud {

struct AwsRdsOptions {
    std::string host;  // the RDS/Aurora endpoint (or proxy) the client connects to
    int port = 5432;
    std::string user;    // DBUser
    std::string region;  // resolved by the caller: --aws-region > AWS_REGION > AWS_DEFAULT_REGION
                         // > yaml; when empty: the profile's region, then the host's label
    EnvLookup env = process_env();
    Clock now = system_clock();
    std::chrono::milliseconds http_timeout{10000};
    std::chrono::milliseconds metadata_timeout{1000};
};

/// Validates the options offline; Config errors prefixed "failed to create AWS IAM token
/// provider: " (endpoint, region, user missing). Credentials are resolved on each token() call
/// (and reused until five minutes before they expire).
Result<std::unique_ptr<TokenProvider>> make_aws_rds_token_provider(AwsRdsOptions options);

}  // namespace pgmi::cloud
