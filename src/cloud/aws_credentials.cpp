#include "cloud/aws_credentials.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include "cloud/aws_ini.hpp"
#include "cloud/common.hpp"
#include "cloud/http.hpp"
#include "cloud/process.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {
namespace {

using detail::env_true;
using detail::expand_home;
using detail::home_directory;
using detail::json_string;
using detail::parse_json_object;
using detail::read_text_file;
using detail::trim;

using Outcome = detail::LinkOutcome;
using Link = detail::ChainLink<AwsCredentials>;

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

const std::vector<std::string> kContainerHosts = {"169.254.170.2", "169.254.170.23",
                                                  "fd00:ec2::23"};
const std::vector<std::string> kImdsHosts = {"169.254.169.254", "fd00:ec2::254"};

// ---- responses ------------------------------------------------------------------------------

/// The text of the first <tag>...</tag> in `xml`, entities decoded.
std::optional<std::string> xml_text(std::string_view xml, const std::string& tag) {
    const std::string open = "<" + tag + ">";
    const std::string close = "</" + tag + ">";
    const size_t a = xml.find(open);
    if (a == std::string_view::npos)
        return std::nullopt;
    const size_t b = xml.find(close, a + open.size());
    if (b == std::string_view::npos)
        return std::nullopt;
    std::string_view raw = xml.substr(a + open.size(), b - a - open.size());
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out += raw[i];
            continue;
        }
        static const std::pair<const char*, char> entities[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (const auto& [name, ch] : entities) {
            if (raw.substr(i, std::strlen(name)) == name) {
                out += ch;
                i += std::strlen(name) - 1;
                done = true;
                break;
            }
        }
        if (!done)
            out += '&';
    }
    return trim(out);
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

// ---- context shared by the links --------------------------------------------------------------

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

Link Chain::web_identity() {
    auto file = non_empty(o_.env, "AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role = non_empty(o_.env, "AWS_ROLE_ARN");
    if (!file && !role)
        return Link::skipped("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
    if (!file)
        return Link::skipped("AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
    if (!role)
        return Link::skipped("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    return assume_role_with_web_identity(
        expand_home(*file, o_.env), *role,
        non_empty(o_.env, "AWS_ROLE_SESSION_NAME").value_or(session_name()), o_.region,
        "web identity");
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

Result<std::string> Chain::sts_endpoint(const std::string& region) {
    for (const char* var : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}) {
        if (auto v = non_empty(o_.env, var))
            return validate_override_url(var, *v);
    }
    if (region.empty())
        return std::string("https://sts.amazonaws.com/");
    const bool china = region.rfind("cn-", 0) == 0;
    return "https://sts." + region + ".amazonaws.com" + (china ? ".cn" : "") + "/";
}

Link Chain::sts_call(const std::string& action, const Headers& form, const AwsCredentials* signer,
                     const std::string& region, const std::string& source,
                     const std::vector<std::string>& secrets) {
    auto endpoint = sts_endpoint(region);
    if (!endpoint)
        return Link::failed(endpoint.error().message, endpoint.error().kind);
    HttpRequest req;
    req.method = "POST";
    req.url = *endpoint;
    req.timeout = o_.http_timeout;
    Headers fields = {{"Action", action}, {"Version", "2011-06-15"}};
    fields.insert(fields.end(), form.begin(), form.end());
    req.body = form_encode(fields);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                   {"Accept", "application/xml"}};
    if (signer != nullptr)
        sigv4_sign_request(req, *signer, region.empty() ? "us-east-1" : region, "sts", o_.now());
    auto resp = http_send(req);
    if (!resp)
        return Link::failed("STS " + action + ": " + resp.error().message, resp.error().kind);
    if (resp->status != 200) {
        std::string detail;
        if (auto code = xml_text(resp->body, "Code"))
            detail = *code;
        if (auto msg = xml_text(resp->body, "Message"))
            detail += (detail.empty() ? "" : ": ") + *msg;
        return Link::failed("STS " + action + " returned HTTP " + std::to_string(resp->status) +
                            (detail.empty() ? "" : " (" + excerpt(scrub(detail, secrets)) + ")"));
    }
    AwsCredentials c;
    c.access_key_id = xml_text(resp->body, "AccessKeyId").value_or("");
    c.secret_access_key = xml_text(resp->body, "SecretAccessKey").value_or("");
    c.session_token = xml_text(resp->body, "SessionToken").value_or("");
    c.source = source;
    if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty())
        return Link::failed("STS " + action + " returned no credentials");
    if (auto exp = xml_text(resp->body, "Expiration")) {
        if (auto t = parse_rfc3339(*exp))
            c.expires_at = *t;
    }
    return Link::chosen(std::move(c));
}

Link Chain::assume_role_with_web_identity(const std::string& token_file,
                                          const std::string& role_arn, const std::string& session,
                                          const std::string& region, const std::string& source) {
    auto text = read_text_file(token_file, "web identity token file", 64U << 10);
    if (!text)
        return Link::failed(text.error().message, ErrorKind::Config);
    if (!text->has_value())
        return Link::failed("web identity token file " + token_file + " does not exist",
                            ErrorKind::Config);
    const std::string token = trim(**text);
    if (token.empty())
        return Link::failed("web identity token file " + token_file + " is empty",
                            ErrorKind::Config);
    return sts_call(
        "AssumeRoleWithWebIdentity",
        {{"RoleArn", role_arn}, {"RoleSessionName", session}, {"WebIdentityToken", token}}, nullptr,
        region, source, {token});
}

Link Chain::assume_role(const IniSection& p, const std::string& name, const AwsCredentials& base) {
    auto get = [&](const char* key) -> std::string {
        auto it = p.find(key);
        return it == p.end() ? std::string() : it->second;
    };
    Headers form = {{"RoleArn", get("role_arn")},
                    {"RoleSessionName",
                     get("role_session_name").empty() ? session_name() : get("role_session_name")}};
    if (!get("external_id").empty())
        form.emplace_back("ExternalId", get("external_id"));
    if (!get("duration_seconds").empty())
        form.emplace_back("DurationSeconds", get("duration_seconds"));
    const std::string region = get("region").empty() ? o_.region : get("region");
    return sts_call("AssumeRole", form, &base, region, "shared profile " + quoted(name),
                    {base.secret_access_key, base.session_token});
}

Link Chain::container() {
    std::string url;
    if (auto rel = non_empty(o_.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        if (rel->front() != '/')
            return Link::failed("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'",
                                ErrorKind::Config);
        url = "http://169.254.170.2" + *rel;
    } else if (auto full = non_empty(o_.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        auto ok =
            validate_override_url("AWS_CONTAINER_CREDENTIALS_FULL_URI", *full, kContainerHosts);
        if (!ok)
            return Link::failed(ok.error().message, ErrorKind::Config);
        url = *ok;
    } else {
        return Link::skipped(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are "
            "not set");
    }
    HttpRequest req;
    req.url = url;
    req.timeout = o_.http_timeout;
    std::string auth;
    if (auto file = non_empty(o_.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        auto text = read_text_file(*file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", 16U << 10);
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::failed(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file + " does not exist",
                ErrorKind::Config);
        auth = trim(**text);
    } else if (auto tok = non_empty(o_.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        auth = *tok;
    }
    if (auth.find_first_of("\r\n") != std::string::npos)
        return Link::failed("the container authorization token contains a line break",
                            ErrorKind::Config);
    if (!auth.empty())
        req.headers.emplace_back("Authorization", auth);
    req.headers.emplace_back("Accept", "application/json");
    auto resp = http_send(req);
    if (!resp)
        return Link::failed("container credentials endpoint " + resp.error().message,
                            resp.error().kind);
    if (resp->status != 200)
        return Link::failed("container credentials endpoint returned HTTP " +
                            std::to_string(resp->status));
    return credentials_from_json(resp->body, "Token", "container",
                                 "container credentials endpoint");
}

Link Chain::imds() {
    if (env_true(o_.env, "AWS_EC2_METADATA_DISABLED"))
        return Link::skipped("AWS_EC2_METADATA_DISABLED=true");
    std::string base;
    if (auto ep = non_empty(o_.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
        auto ok = validate_override_url("AWS_EC2_METADATA_SERVICE_ENDPOINT", *ep, kImdsHosts);
        if (!ok)
            return Link::failed(ok.error().message, ErrorKind::Config);
        base = *ok;
    } else {
        const std::string mode = util::to_lower(
            non_empty(o_.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("ipv4"));
        if (mode == "ipv6")
            base = "http://[fd00:ec2::254]";
        else if (mode == "ipv4")
            base = "http://169.254.169.254";
        else
            return Link::failed("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6",
                                ErrorKind::Config);
    }
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    auto send = [&](const std::string& method, const std::string& path, const Headers& headers) {
        HttpRequest req;
        req.method = method;
        req.url = base + path;
        req.headers = headers;
        req.connect_timeout = o_.metadata_timeout;
        req.timeout = o_.metadata_timeout * 2;
        return http_send(req);
    };
    auto token =
        send("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    if (!token)
        return Link::skipped("no instance metadata service answered (" + token.error().message +
                             ")");
    Headers auth;
    if (token->status == 200) {
        auth.emplace_back("X-aws-ec2-metadata-token", trim(token->body));
    } else if (token->status == 403 || token->status == 404 || token->status == 405) {
        if (env_true(o_.env, "AWS_EC2_METADATA_V1_DISABLED"))
            return Link::failed("the instance metadata service refused an IMDSv2 token (HTTP " +
                                std::to_string(token->status) +
                                ") and AWS_EC2_METADATA_V1_DISABLED=true");
    } else {
        return Link::failed("instance metadata token request returned HTTP " +
                            std::to_string(token->status));
    }
    const std::string prefix = "/latest/meta-data/iam/security-credentials/";
    auto role = send("GET", prefix, auth);
    if (!role)
        return Link::failed("instance metadata: " + role.error().message, role.error().kind);
    if (role->status == 404)
        return Link::skipped("no IAM role is attached to this instance");
    if (role->status != 200)
        return Link::failed("instance metadata role request returned HTTP " +
                            std::to_string(role->status));
    std::string name = trim(role->body.substr(0, role->body.find('\n')));
    if (name.empty() || name.find_first_of("/?#%") != std::string::npos)
        return Link::failed("instance metadata returned no usable role name");
    auto creds = send("GET", prefix + name, auth);
    if (!creds)
        return Link::failed("instance metadata: " + creds.error().message, creds.error().kind);
    if (creds->status != 200)
        return Link::failed("instance metadata credentials request returned HTTP " +
                            std::to_string(creds->status));
    if (auto j = parse_json_object(creds->body)) {
        auto code = json_string(*j, "Code");
        if (code && *code != "Success")
            return Link::failed("instance metadata credentials have Code " + excerpt(*code, 40));
    }
    return credentials_from_json(creds->body, "Token", "EC2 instance metadata",
                                 "instance metadata");
}

Result<AwsCredentials> Chain::run(std::vector<SourceAttempt>* out) {
    std::vector<SourceAttempt> attempts;
    auto finish = [&](Link link,
                      const std::string& source) -> std::optional<Result<AwsCredentials>> {
        switch (link.outcome) {
            case Outcome::Chosen:
                attempts.push_back({source, "chosen"});
                if (out != nullptr)
                    *out = attempts;
                return Result<AwsCredentials>(std::move(link.value));
            case Outcome::Skipped:
                attempts.push_back({source, "skipped: " + link.reason});
                return std::nullopt;
            case Outcome::Failed:
                attempts.push_back({source, "failed: " + link.reason});
                if (out != nullptr)
                    *out = attempts;
                return Result<AwsCredentials>(make_error(
                    link.kind, "AWS credentials from " + source + " failed: " + link.reason +
                                   " (sources tried: " + describe_attempts(attempts) + ")"));
        }
        return std::nullopt;
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

}  // namespace

Result<AwsCredentials> resolve_aws_credentials(const AwsChainOptions& options,
                                               std::vector<SourceAttempt>* attempts) {
    Chain chain(options);
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
