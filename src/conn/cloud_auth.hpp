// Which cloud identity a deploy uses and its companion values (connections §5.8), decided
// offline from the flags, the environment and pgmi.yaml. Every failure is a Config error (10).
//
//   method:  --azure / --aws / --google, else pgmi.yaml connection.auth_method (azure|aws|google;
//            "" or "password" = password auth), else Azure when $AZURE_TENANT_ID,
//            $AZURE_CLIENT_ID and $AZURE_CLIENT_SECRET are all set (the seeds' auto-detection).
//   conflicts: flags of two methods (companion flags count: --aws-region is AWS), or a flag whose
//            method differs from pgmi.yaml's, fail before anything connects.
//   companions: see CloudSettings; a companion flag without its method changes nothing (warning).
//   TLS:     Azure and AWS send the token as a password, so an sslmode weaker than require is
//            raised to require (a warning when it was chosen explicitly, a note when defaulted).
//            Google's tunnel brings its own TLS; its sslmode is left to the Cloud SQL connector.
//   user:    Google logs in as the principal's IAM database user, so a user the resolver only
//            defaulted ($USER, $USERNAME, the OS user) is cleared ("" = the principal's); a user
//            someone named (-U, connection string, service, $PGUSER, pgmi.yaml) is kept.
#pragma once

#include <optional>
#include <string>

#include "config/project_config.hpp"
#include "conn/connection_config.hpp"
#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

/// The cloud flags as given (false / nullopt = not given).
struct CloudFlags {
    bool azure = false, aws = false, google = false;
    std::optional<std::string> azure_tenant_id, azure_client_id, aws_region, google_instance,
        google_ip_type;
};

/// Sets r.config.auth, r.config.cloud, their sources, notes and warnings, and the sslmode floor;
/// for Google, clears a defaulted user. Runs after the user and sslmode are resolved and before
/// the password file is read.
Status resolve_cloud(const CloudFlags& flags, const EnvLookup& env,
                     const config::YamlConnection& yaml, ResolvedConnection& r);

}  // namespace pgmi::conn
