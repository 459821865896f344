// The AWS default credential chain: its order (run), the environment and shared-profile links,
// credential_process, and the region helpers. STS and instance links: aws_sts.cpp,
// aws_instance.cpp.
#include "cloud/aws_credentials.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include "cloud/aws_chain.hpp"
#include "cloud/aws_ini.hpp"
#include "cloud/common.hpp"
#include "cloud/http.hpp"
#include "cloud/process.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {
namespace aws_chain {

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

/// Credentials from a JSON document (container, IMDS, credential_process).
Link credentials_from_json(std::string_view body, const char* token_key, const std::string& source,
                           const std::string& what) {
    auto j = parse_json_object(body);
    if (!j)
        return Link::failed(what + " did not return a JSON object");
    AwsCredentials c;
    c.access_key_id = json_string(*j, "AccessKeyId").value_or("");
    c.secret_access_key = json_string(*j, "SecretAccessKey").value_or("");
    c.session_token = json_string(*j, token_key).value_or("");
    c.source = source;
    if (c.access_key_id.empty() || c.secret_access_key.empty())
        return Link::failed(what + " returned no AccessKeyId/SecretAccessKey");
    if (auto exp = json_string(*j, "Expiration")) {
        auto t = parse_rfc3339(*exp);
        if (!t)
            return Link::failed(what + " returned an unreadable Expiration");
        c.expires_at = *t;
    }
    return Link::chosen(std::move(c));
}

Result<const Chain::Files*> Chain::files() {
    if (files_)
        return &*files_;
    Files f;
    f.credentials_path = expand_home(
        non_empty(o_.env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), o_.env);
    f.config_path =
        expand_home(non_empty(o_.env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), o_.env);
    for (auto [path, ini, what] :
         {std::tuple{&f.credentials_path, &f.credentials, "AWS shared credentials file"},
          std::tuple{&f.config_path, &f.config, "AWS config file"}}) {
        auto text = read_text_file(*path, what);
        if (!text)
            return std::move(text).error();
        if (!text->has_value())
            continue;
        auto parsed = parse_aws_ini(**text);
        if (!parsed)
            return parsed.error().wrapped(std::string(what) + " " + *path);
        *ini = std::move(*parsed);
    }
    files_ = std::move(f);
    return &*files_;
}

std::string Chain::session_name() const {
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(o_.now().time_since_epoch()).count();
    return "pgmi-" + std::to_string(secs);
}

Link Chain::environment() {
    auto id = non_empty(o_.env, "AWS_ACCESS_KEY_ID");
    if (!id)
        id = non_empty(o_.env, "AWS_ACCESS_KEY");
    auto secret = non_empty(o_.env, "AWS_SECRET_ACCESS_KEY");
    if (!secret)
        secret = non_empty(o_.env, "AWS_SECRET_KEY");
    if (!id && !secret)
        return Link::skipped("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    if (!id)
        return Link::skipped("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (!secret)
        return Link::skipped("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    AwsCredentials c;
    c.access_key_id = *id;
    c.secret_access_key = *secret;
    c.session_token = non_empty(o_.env, "AWS_SESSION_TOKEN").value_or("");
    c.source = "environment";
    return Link::chosen(std::move(c));
}

Link Chain::profile(const std::string& name, bool explicit_name) {
    std::set<std::string> seen;
    return resolve_profile(name, 0, seen, explicit_name);
}

Link Chain::resolve_profile(const std::string& name, int depth, std::set<std::string>& seen,
                            bool explicit_name) {
    auto f = files();
    if (!f)
        return Link::failed(f.error().message, f.error().kind);
    const Files& files = **f;
    const IniSection* cred = find_credentials_profile(files.credentials, name);
    const IniSection* conf = find_config_profile(files.config, name);
    if (cred == nullptr && conf == nullptr) {
        const std::string why = "no profile " + quoted(name) + " in " + files.credentials_path +
                                " or " + files.config_path;
        if (explicit_name || depth > 0)
            return Link::failed(why, ErrorKind::Config);
        return Link::skipped(why);
    }
    if (!seen.insert(name).second || depth > 5)
        return Link::failed("profile " + quoted(name) + " is part of a source_profile loop",
                            ErrorKind::Config);
    IniSection p;
    if (conf != nullptr)
        p = *conf;
    if (cred != nullptr) {
        for (const auto& [k, v] : *cred)
            p[k] = v;  // the credentials file wins per key
    }
    auto get = [&](const char* key) -> std::string {
        auto it = p.find(key);
        return it == p.end() ? std::string() : it->second;
    };
    const std::string source = "shared profile " + quoted(name);
    const std::string role_arn = get("role_arn");
    const bool has_keys =
        !get("aws_access_key_id").empty() && !get("aws_secret_access_key").empty();
    auto static_keys = [&] {
        AwsCredentials c;
        c.access_key_id = get("aws_access_key_id");
        c.secret_access_key = get("aws_secret_access_key");
        c.session_token = get("aws_session_token");
        c.source = source;
        return c;
    };

    if (!role_arn.empty()) {
        if (!get("mfa_serial").empty())
            return Link::failed("profile " + quoted(name) +
                                    " needs an MFA code (mfa_serial), which pgmi cannot prompt "
                                    "for; use temporary credentials instead",
                                ErrorKind::Config);
        const std::string region = get("region").empty() ? o_.region : get("region");
        if (!get("web_identity_token_file").empty()) {
            return assume_role_with_web_identity(
                expand_home(get("web_identity_token_file"), o_.env), role_arn,
                get("role_session_name").empty() ? session_name() : get("role_session_name"),
                region, source);
        }
        const std::string src_profile = get("source_profile");
        const std::string cred_source = get("credential_source");
        if (!src_profile.empty() && !cred_source.empty())
            return Link::failed(
                "profile " + quoted(name) + " sets both source_profile and credential_source",
                ErrorKind::Config);
        Link base;
        if (!src_profile.empty()) {
            if (src_profile == name) {
                if (!has_keys)
                    return Link::failed(
                        "profile " + quoted(name) + " is its own source_profile but has no keys",
                        ErrorKind::Config);
                base = Link::chosen(static_keys());
            } else {
                base = resolve_profile(src_profile, depth + 1, seen, true);
            }
        } else if (cred_source == "Environment") {
            base = environment();
        } else if (cred_source == "Ec2InstanceMetadata") {
            base = imds();
        } else if (cred_source == "EcsContainer") {
            base = container();
        } else if (cred_source.empty()) {
            return Link::failed("profile " + quoted(name) +
                                    " has role_arn but no source_profile, credential_source or "
                                    "web_identity_token_file",
                                ErrorKind::Config);
        } else {
            return Link::failed("profile " + quoted(name) + " has an unknown credential_source " +
                                    "(expected Environment, Ec2InstanceMetadata or EcsContainer)",
                                ErrorKind::Config);
        }
        if (base.outcome != Outcome::Chosen) {
            base.outcome = Outcome::Failed;
            base.reason =
                "source credentials for role_arn of profile " + quoted(name) + ": " + base.reason;
            return base;
        }
        return assume_role(p, name, base.value);
    }
    if (has_keys)
        return Link::chosen(static_keys());
    if (!get("aws_access_key_id").empty() || !get("aws_secret_access_key").empty())
        return Link::failed("profile " + quoted(name) +
                                " has only one of aws_access_key_id and aws_secret_access_key",
                            ErrorKind::Config);
    if (!get("credential_process").empty())
        return credential_process(get("credential_process"), name);
    if (!get("sso_session").empty() || !get("sso_start_url").empty() ||
        !get("sso_account_id").empty())
        return Link::failed("profile " + quoted(name) +
                                " uses IAM Identity Center (SSO), which pgmi does not read; add "
                                "credential_process = aws configure export-credentials --profile " +
                                name + " --format process",
                            ErrorKind::Config);
    const std::string why = "profile " + quoted(name) + " has no credentials";
    if (explicit_name || depth > 0)
        return Link::failed(why, ErrorKind::Config);
    return Link::skipped(why);
}

Link Chain::credential_process(const std::string& command, const std::string& name) {
    // Split like a shell would for plain words and quotes, but run without a shell.
    std::vector<std::string> argv;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (quote != 0) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < command.size() &&
                     (command[i + 1] == '"' || command[i + 1] == '\\'))
                cur += command[++i];
            else
                cur += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word)
                argv.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (quote != 0)
        return Link::failed(
            "credential_process of profile " + quoted(name) + " has an unterminated quote",
            ErrorKind::Config);
    if (in_word)
        argv.push_back(std::move(cur));
    if (argv.empty())
        return Link::failed("credential_process of profile " + quoted(name) + " is empty",
                            ErrorKind::Config);
    argv[0] = expand_home(argv[0], o_.env);
    auto path = find_on_path(argv[0], o_.env);
    if (!path)
        return Link::failed("credential_process of profile " + quoted(name) + ": " + argv[0] +
                                " not found or not executable",
                            ErrorKind::Config);
    const std::string program = argv[0];
    argv[0] = *path;
    auto run = run_process(argv, o_.process_timeout);
    if (!run)
        return Link::failed("credential_process " + program + ": " + run.error().message);
    if (run->timed_out)
        return Link::failed("credential_process " + program + " did not finish within " +
                            describe_duration(o_.process_timeout));
    if (run->exit_code != 0)
        return Link::failed("credential_process " + program + " exited with status " +
                            std::to_string(run->exit_code));
    auto j = parse_json_object(run->out);
    if (!j || !j->contains("Version") || !(*j)["Version"].is_number_integer() ||
        (*j)["Version"].get<long long>() != 1)
        return Link::failed("credential_process " + program +
                            " did not print a JSON object with \"Version\": 1");
    return credentials_from_json(run->out, "SessionToken", "shared profile " + quoted(name),
                                 "credential_process " + program);
}

Result<AwsCredentials> Chain::run(std::vector<SourceAttempt>* out) {
    std::vector<SourceAttempt> attempts;
    auto finish = [&](Link link,
                      const std::string& source) -> std::optional<Result<AwsCredentials>> {
        auto done = detail::settle(link, source, attempts, "AWS credentials");
        if (done && out != nullptr)
            *out = attempts;
        return done;
    };
    const auto explicit_profile = non_empty(o_.env, "AWS_PROFILE");
    if (explicit_profile) {
        if (auto r = finish(profile(*explicit_profile, true),
                            "shared profile " + quoted(*explicit_profile)))
            return std::move(*r);
    }
    if (auto r = finish(environment(), "environment"))
        return std::move(*r);
    if (auto r = finish(web_identity(), "web identity"))
        return std::move(*r);
    if (!explicit_profile) {
        if (auto r = finish(profile("default", false), "shared profile \"default\""))
            return std::move(*r);
    }
    if (auto r = finish(container(), "container"))
        return std::move(*r);
    if (auto r = finish(imds(), "EC2 instance metadata"))
        return std::move(*r);
    if (out != nullptr)
        *out = attempts;
    return make_error(ErrorKind::Connection, "no AWS credentials found (sources tried: " +
                                                 describe_attempts(attempts) + ")");
}

}  // namespace aws_chain

using detail::expand_home;
using detail::read_text_file;

Result<AwsCredentials> resolve_aws_credentials(const AwsChainOptions& options,
                                               std::vector<SourceAttempt>* attempts) {
    aws_chain::Chain chain(options);
    return chain.run(attempts);
}

std::optional<std::string> aws_profile_region(const EnvLookup& env) {
    const std::string path =
        expand_home(non_empty(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
    auto text = read_text_file(path, "AWS config file");
    if (!text || !text->has_value())
        return std::nullopt;
    auto ini = parse_aws_ini(**text);
    if (!ini)
        return std::nullopt;
    const IniSection* p =
        find_config_profile(*ini, non_empty(env, "AWS_PROFILE").value_or("default"));
    if (p == nullptr)
        return std::nullopt;
    auto it = p->find("region");
    if (it == p->end() || it->second.empty())
        return std::nullopt;
    return it->second;
}

std::optional<std::string> aws_region_from_rds_host(std::string_view host) {
    std::string h = util::to_lower(host);
    for (const char* suffix : {".rds.amazonaws.com", ".rds.amazonaws.com.cn"}) {
        const std::string s(suffix);
        if (h.size() <= s.size() || h.compare(h.size() - s.size(), s.size(), s) != 0)
            continue;
        const std::string rest = h.substr(0, h.size() - s.size());
        const size_t dot = rest.rfind('.');
        if (dot == std::string::npos || dot + 1 >= rest.size())
            return std::nullopt;
        const std::string region = rest.substr(dot + 1);
        // a region is letters, digits and dashes, with at least two dashes (us-east-1)
        if (region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
                std::string::npos ||
            std::count(region.begin(), region.end(), '-') < 2)
            return std::nullopt;
        return region;
    }
    return std::nullopt;
}

}  // namespace pgmi::cloud
