// The environment of every cloud end-to-end run: loopback only (the HTTP client refuses other
// hosts, EC2 IMDS is off, Azure IMDS points at a loopback fake), no credentials inherited from the
// machine (every cloud variable unset, HOME and PATH private), so a run sees exactly what the test
// sets. Header only; shared by the Azure and AWS tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace pgmi::test {

inline RunOptions cloud_run_options(const std::filesystem::path& home,
                                    const std::filesystem::path& bin,
                                    const std::string& azure_imds_base) {
    RunOptions o;
    for (const char* name : {"AZURE_TENANT_ID",
                             "AZURE_CLIENT_ID",
                             "AZURE_CLIENT_SECRET",
                             "AZURE_CLIENT_CERTIFICATE_PATH",
                             "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                             "AZURE_FEDERATED_TOKEN_FILE",
                             "AZURE_AUTHORITY_HOST",
                             "AZURE_USERNAME",
                             "AZURE_PASSWORD",
                             "IDENTITY_ENDPOINT",
                             "IDENTITY_HEADER",
                             "MSI_ENDPOINT",
                             "AWS_ACCESS_KEY_ID",
                             "AWS_ACCESS_KEY",
                             "AWS_SECRET_ACCESS_KEY",
                             "AWS_SECRET_KEY",
                             "AWS_SESSION_TOKEN",
                             "AWS_PROFILE",
                             "AWS_DEFAULT_PROFILE",
                             "AWS_REGION",
                             "AWS_DEFAULT_REGION",
                             "AWS_SHARED_CREDENTIALS_FILE",
                             "AWS_CONFIG_FILE",
                             "AWS_WEB_IDENTITY_TOKEN_FILE",
                             "AWS_ROLE_ARN",
                             "AWS_ROLE_SESSION_NAME",
                             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                             "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                             "AWS_ENDPOINT_URL",
                             "AWS_ENDPOINT_URL_STS",
                             "GOOGLE_APPLICATION_CREDENTIALS",
                             "CLOUDSDK_CONFIG",
                             "GCE_METADATA_HOST"}) {
        o.env[name] = std::nullopt;
    }
    o.env["PGMI_TEST_LOOPBACK_ONLY"] = "1";
    o.env["AWS_EC2_METADATA_DISABLED"] = "true";
    o.env["PGMI_AZURE_IMDS_ENDPOINT"] = azure_imds_base;
    o.env["HOME"] = home.string();
    o.env["PATH"] = bin.string();
    o.env["PGMI_NON_INTERACTIVE"] = "1";
    return o;
}

/// Everything a run printed, for "never shows X" checks.
inline std::string everything(const RunResult& r) {
    return r.out + "\n" + r.err;
}

}  // namespace pgmi::test
