// The AWS default credential chain's shared parts (internal to cloud/): the Chain whose links are
// defined in aws_credentials.cpp (environment, shared profiles, credential_process), aws_sts.cpp
// (web identity and assume-role through STS) and aws_instance.cpp (container and EC2 instance
// metadata), and the response readers they share.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/aws_credentials.hpp"
#include "cloud/aws_ini.hpp"
#include "cloud/common.hpp"
#include "cloud/http.hpp"

namespace pgmi::cloud::aws_chain {

using detail::env_true;
using detail::expand_home;
using detail::home_directory;
using detail::json_string;
using detail::parse_json_object;
using detail::read_text_file;
using detail::trim;

using Outcome = detail::LinkOutcome;
using Link = detail::ChainLink<AwsCredentials>;

/// `"s"`, for source names in messages.
std::string quoted(const std::string& s);

/// Credentials from a JSON document (container, IMDS, credential_process); `token_key` names the
/// session token's member, `what` the source in messages.
Link credentials_from_json(std::string_view body, const char* token_key, const std::string& source,
                           const std::string& what);

class Chain {
  public:
    explicit Chain(const AwsChainOptions& o) : o_(o) {}

    Result<AwsCredentials> run(std::vector<SourceAttempt>* out);

    Link environment();
    Link web_identity();
    Link profile(const std::string& name, bool explicit_name);
    Link container();
    Link imds();

  private:
    struct Files {
        std::string credentials_path;
        std::string config_path;
        IniFile credentials;
        IniFile config;
    };
    Result<const Files*> files();
    Link resolve_profile(const std::string& name, int depth, std::set<std::string>& seen,
                         bool explicit_name);
    Link assume_role(const IniSection& p, const std::string& name, const AwsCredentials& source);
    Link assume_role_with_web_identity(const std::string& token_file, const std::string& role_arn,
                                       const std::string& session_name, const std::string& region,
                                       const std::string& source);
    Link credential_process(const std::string& command, const std::string& name);
    Result<std::string> sts_endpoint(const std::string& region);
    Link sts_call(const std::string& action, const Headers& form, const AwsCredentials* signer,
                  const std::string& region, const std::string& source,
                  const std::vector<std::string>& secrets);
    std::string session_name() const;

    const AwsChainOptions& o_;
    std::optional<Files> files_;
};

}  // namespace pgmi::cloud::aws_chain
