#include "conn/cloud_auth.hpp"

#include <fmt/format.h>

#include <vector>

#include "cloud/cloud_sql.hpp"
#include "conn/cloud_sql_dialer.hpp"

namespace pgmi::conn {

namespace {

Error config_error(const std::string& message) {
    return make_error(ErrorKind::Config, message + ": invalid configuration");
}

std::optional<std::string> given(const std::optional<std::string>& v) {
    return v && !v->empty() ? v : std::nullopt;
}

/// The flags that point at one method: the method's own flag first, then its companions.
struct MethodFlags {
    AuthMethod method;
    const char* yaml_name;
    std::vector<std::string> named;  // flags given, e.g. {"--aws", "--aws-region"}
    bool enabled = false;            // the method's own flag was given
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::optional<AuthMethod> yaml_method(const std::optional<std::string>& value) {
    if (value == "azure")
        return AuthMethod::AzureEntraId;
    if (value == "aws")
        return AuthMethod::AwsIam;
    if (value == "google")
        return AuthMethod::GoogleIam;
    return std::nullopt;
}

/// `<value> (<where>)` for the first candidate that says something; nothing when none does.
void record(ResolvedConnection& r, const char* key,
            std::initializer_list<std::pair<std::optional<std::string>, const char*>> candidates) {
    for (const auto& [value, where] : candidates) {
        if (value && !value->empty()) {
            r.sources[key] = fmt::format("{} ({})", *value, where);
            return;
        }
    }
}

void raise_sslmode(ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    if (!weak_sslmode(c.sslmode))
        return;
    const std::string was = c.sslmode.empty() ? "(libpq default)" : c.sslmode;
    const std::string from = r.sources.count("sslmode") ? r.sources["sslmode"] : "default";
    const std::string why = fmt::format(
        "sslmode {} ({}) raised to require: {} sends its token as the password, which must not "
        "travel unencrypted",
        was, from, auth_method_name(c.auth));
    if (from == "default")
        r.notes.push_back(why);
    else
        r.warnings.push_back("Warning: " + why);
    c.sslmode = "require";
    r.sources["sslmode"] = fmt::format("raised from {} for {}", was, auth_method_name(c.auth));
}

/// Which method this run uses: the flags of one method, pgmi.yaml's auth_method, or the three
/// AZURE_* variables; conflicts are Config errors. Sets r.config.auth and r.sources["auth"].
Status choose_method(const CloudFlags& flags, const EnvLookup& env,
                     const config::YamlConnection& yaml, ResolvedConnection& r) {
    MethodFlags azure{AuthMethod::AzureEntraId, "azure", {}, flags.azure};
    MethodFlags aws{AuthMethod::AwsIam, "aws", {}, flags.aws};
    MethodFlags google{AuthMethod::GoogleIam, "google", {}, flags.google};
    auto note_flag = [](MethodFlags& m, bool present, const char* name) {
        if (present)
            m.named.emplace_back(name);
    };
    note_flag(azure, flags.azure, "--azure");
    note_flag(azure, given(flags.azure_tenant_id).has_value(), "--azure-tenant-id");
    note_flag(azure, given(flags.azure_client_id).has_value(), "--azure-client-id");
    note_flag(aws, flags.aws, "--aws");
    note_flag(aws, given(flags.aws_region).has_value(), "--aws-region");
    note_flag(google, flags.google, "--google");
    note_flag(google, given(flags.google_instance).has_value(), "--google-instance");
    note_flag(google, given(flags.google_ip_type).has_value(), "--google-ip-type");

    std::vector<MethodFlags*> flagged;
    for (MethodFlags* m : {&azure, &aws, &google}) {
        if (!m->named.empty())
            flagged.push_back(m);
    }
    if (flagged.size() > 1) {
        std::vector<std::string> all;
        for (const MethodFlags* m : flagged)
            all.insert(all.end(), m->named.begin(), m->named.end());
        return config_error(fmt::format(
            "only one cloud authentication method can be used, but flags of several were given "
            "({})",
            join(all)));
    }

    if (yaml.auth_method && !yaml.auth_method->empty() && *yaml.auth_method != "password" &&
        !yaml_method(yaml.auth_method)) {
        return config_error(
            fmt::format("pgmi.yaml connection.auth_method \"{}\" is not one of azure, aws, google "
                        "(or password)",
                        *yaml.auth_method));
    }
    const std::optional<AuthMethod> from_yaml = yaml_method(yaml.auth_method);
    MethodFlags* by_flag = flagged.empty() ? nullptr : flagged.front();
    if (by_flag && from_yaml && by_flag->method != *from_yaml) {
        return config_error(
            fmt::format("{} conflicts with pgmi.yaml connection.auth_method: {} (use one method)",
                        join(by_flag->named), *yaml.auth_method));
    }

    ConnectionConfig& c = r.config;
    c.auth = AuthMethod::Standard;
    if (by_flag && by_flag->enabled) {
        c.auth = by_flag->method;
        r.sources["auth"] = by_flag->named.front();
    } else if (from_yaml) {
        c.auth = *from_yaml;
        r.sources["auth"] = "pgmi.yaml connection.auth_method";
    } else if ((!by_flag || by_flag == &azure) && non_empty(env, "AZURE_TENANT_ID") &&
               non_empty(env, "AZURE_CLIENT_ID") && non_empty(env, "AZURE_CLIENT_SECRET")) {
        c.auth = AuthMethod::AzureEntraId;
        r.sources["auth"] = "$AZURE_TENANT_ID, $AZURE_CLIENT_ID and $AZURE_CLIENT_SECRET are set";
    }
    if (by_flag && c.auth != by_flag->method) {
        r.warnings.push_back(fmt::format("Warning: {} has no effect without --{}",
                                         join(by_flag->named), by_flag->yaml_name));
    }
    return Status::ok();
}

/// Azure: tenant and client from the flags, then (at token time) the environment, then pgmi.yaml.
void resolve_azure(const CloudFlags& flags, const EnvLookup& env,
                   const config::YamlConnection& yaml, ResolvedConnection& r) {
    CloudSettings& cloud = r.config.cloud;
    cloud.azure_tenant_id = given(flags.azure_tenant_id).value_or("");
    cloud.azure_client_id = given(flags.azure_client_id).value_or("");
    cloud.azure_tenant_id_fallback = given(yaml.azure_tenant_id).value_or("");
    cloud.azure_client_id_fallback = given(yaml.azure_client_id).value_or("");
    record(r, "azure_tenant_id",
           {{given(flags.azure_tenant_id), "--azure-tenant-id"},
            {non_empty(env, "AZURE_TENANT_ID"), "$AZURE_TENANT_ID"},
            {given(yaml.azure_tenant_id), "pgmi.yaml connection.azure_tenant_id"}});
    record(r, "azure_client_id",
           {{given(flags.azure_client_id), "--azure-client-id"},
            {non_empty(env, "AZURE_CLIENT_ID"), "$AZURE_CLIENT_ID"},
            {given(yaml.azure_client_id), "pgmi.yaml connection.azure_client_id"}});
}

/// AWS: the region from the flag, $AWS_REGION, $AWS_DEFAULT_REGION or pgmi.yaml (else the
/// profile's, then the RDS host name's, decided by cloud/ at connect time).
void resolve_aws(const CloudFlags& flags, const EnvLookup& env, const config::YamlConnection& yaml,
                 ResolvedConnection& r) {
    CloudSettings& cloud = r.config.cloud;
    const std::pair<std::optional<std::string>, const char*> candidates[] = {
        {given(flags.aws_region), "--aws-region"},
        {non_empty(env, "AWS_REGION"), "$AWS_REGION"},
        {non_empty(env, "AWS_DEFAULT_REGION"), "$AWS_DEFAULT_REGION"},
        {given(yaml.aws_region), "pgmi.yaml connection.aws_region"}};
    for (const auto& [value, where] : candidates) {
        if (value) {
            cloud.aws_region = *value;
            r.sources["aws_region"] = fmt::format("{} ({})", *value, where);
            break;
        }
    }
    if (cloud.aws_region.empty())
        r.sources["aws_region"] = "unset (the profile's region, then the RDS host name)";
}

/// Google: the instance (required) and its IP type; the principal's user unless one was
/// named.
Status resolve_google(const CloudFlags& flags, const config::YamlConnection& yaml,
                      ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    CloudSettings& cloud = c.cloud;
    auto instance = given(flags.google_instance);
    const char* where = "--google-instance";
    if (!instance) {
        instance = given(yaml.google_instance);
        where = "pgmi.yaml connection.google_instance";
    }
    if (!instance) {
        return config_error(
            "Google Cloud SQL IAM auth requires --google-instance "
            "(project:region:instance)");
    }
    auto parsed = cloud::parse_instance_name(*instance);
    if (!parsed) {
        return config_error(fmt::format("invalid {}: {}", where, parsed.error().message));
    }
    cloud.google_instance = parsed->to_string();
    r.sources["google_instance"] = fmt::format("{} ({})", cloud.google_instance, where);
    auto ip_type = given(flags.google_ip_type);
    const char* ip_where = "--google-ip-type";
    if (!ip_type) {
        ip_type = given(yaml.google_ip_type);
        ip_where = "pgmi.yaml connection.google_ip_type";
    }
    if (ip_type) {
        auto t = parse_cloud_sql_ip_type(*ip_type);
        if (!t)
            return config_error(fmt::format("invalid {}: {}", ip_where, t.error().message));
        cloud.google_private_ip = *t == CloudSqlIpType::Private;
        r.sources["google_ip_type"] =
            fmt::format("{} ({})", cloud.google_private_ip ? "private" : "public", ip_where);
    }
    // Cloud SQL IAM logs in as the principal's database user: a user someone named
    // (-U, the connection string, a service, $PGUSER, pgmi.yaml) replaces it, the
    // resolver's last resort (the OS account) does not. Empty = the principal's.
    if (auto from = r.sources.find("user");
        from != r.sources.end() &&
        (from->second == "$USER" || from->second == "$USERNAME" || from->second == "OS user")) {
        from->second = fmt::format("the Google principal's IAM database user, not {} {}",
                                   from->second, c.username);
        c.username.clear();
    }
    return Status::ok();
}

}  // namespace

Status resolve_cloud(const CloudFlags& flags, const EnvLookup& env,
                     const config::YamlConnection& yaml, ResolvedConnection& r) {
    if (Status s = choose_method(flags, env, yaml, r); !s)
        return s;
    switch (r.config.auth) {
        case AuthMethod::Standard:
            return Status::ok();
        case AuthMethod::AzureEntraId:
            resolve_azure(flags, env, yaml, r);
            raise_sslmode(r);
            return Status::ok();
        case AuthMethod::AwsIam:
            resolve_aws(flags, env, yaml, r);
            raise_sslmode(r);
            return Status::ok();
        case AuthMethod::GoogleIam:
            return resolve_google(flags, yaml, r);
    }
    return Status::ok();
}

}  // namespace pgmi::conn
