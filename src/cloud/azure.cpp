#include "cloud/azure.hpp"

#include <cstdio>
#include <ctime>

#include "cloud/common.hpp"
#include "cloud/crypto.hpp"
#include "cloud/http.hpp"
#include "cloud/jwt.hpp"
#include "cloud/oauth.hpp"
#include "cloud/process.hpp"

namespace pgmi::cloud {
namespace {

using detail::json_integer;
using detail::json_string;
using detail::parse_json_object;
using detail::read_text_file;
using detail::trim;

using Outcome = detail::LinkOutcome;
using Link = detail::ChainLink<Token>;

constexpr const char* kAzureAssetTag = "7783-7084-3265-9085";
constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Tenant ids are GUIDs or domain names; anything else would change the URL path or act as a
/// command-line option.
bool valid_tenant(const std::string& t) {
    return !t.empty() && t.front() != '-' && t.size() <= 128 &&
           t.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
               std::string::npos;
}

std::string join_missing(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0)
            out += i + 1 == names.size() ? " and " : ", ";
        out += names[i];
    }
    return out + (names.size() == 1 ? " is not set" : " are not set");
}

/// "error: error_description" of an OAuth error body, scrubbed and shortened.
class AzureChain final : public TokenProvider {
  public:
    explicit AzureChain(AzureOptions o) : o_(std::move(o)) {
        if (!o_.env)
            o_.env = process_env();
        if (!o_.now)
            o_.now = system_clock();
        tenant_ = !o_.tenant_id.empty()
                      ? o_.tenant_id
                      : non_empty(o_.env, "AZURE_TENANT_ID").value_or(o_.tenant_id_fallback);
        client_ = !o_.client_id.empty()
                      ? o_.client_id
                      : non_empty(o_.env, "AZURE_CLIENT_ID").value_or(o_.client_id_fallback);
        resource_ = o_.scope;
        const std::string suffix = "/.default";
        if (resource_.size() > suffix.size() &&
            resource_.compare(resource_.size() - suffix.size(), suffix.size(), suffix) == 0)
            resource_.resize(resource_.size() - suffix.size());
    }

    std::string name() const override { return "Azure"; }
    std::vector<SourceAttempt> last_attempts() const override { return attempts_; }

    Result<Token> token() override {
        attempts_.clear();
        if (!tenant_.empty() && !valid_tenant(tenant_))
            return make_error(ErrorKind::Config,
                              "Azure tenant id must be a GUID or a domain name (letters, digits, "
                              "'.' and '-')");
        const std::pair<const char*, Link (AzureChain::*)()> links[] = {
            {"environment", &AzureChain::environment},
            {"workload identity", &AzureChain::workload_identity},
            {"managed identity", &AzureChain::managed_identity},
            {"Azure CLI", &AzureChain::azure_cli},
            {"Azure Developer CLI", &AzureChain::azure_developer_cli},
        };
        for (const auto& [source, fn] : links) {
            Link l = (this->*fn)();
            if (auto done = detail::settle(l, source, attempts_, "Azure credential"))
                return std::move(*done);
        }
        return make_error(ErrorKind::Connection, "no Azure credential available (sources tried: " +
                                                     describe_attempts(attempts_) + ")");
    }

  private:
    Result<std::string> token_url() const {
        std::string authority = "https://login.microsoftonline.com/";
        if (auto host = non_empty(o_.env, "AZURE_AUTHORITY_HOST")) {
            auto ok = validate_override_url("AZURE_AUTHORITY_HOST", *host);
            if (!ok)
                return std::move(ok).error();
            authority = *ok;
        }
        if (authority.back() != '/')
            authority += '/';
        return authority + tenant_ + "/oauth2/v2.0/token";
    }

    /// POST to the tenant's token endpoint with client_id, scope and `fields`.
    Link request_token(const Headers& fields, const std::string& source,
                       const std::vector<std::string>& secrets) {
        auto url = token_url();
        if (!url)
            return Link::failed(url.error().message, url.error().kind);
        return post_token(*url, fields, source, secrets);
    }

    Link post_token(const std::string& url, const Headers& fields, const std::string& source,
                    const std::vector<std::string>& secrets) {
        Headers form = {{"client_id", client_}, {"scope", o_.scope}};
        form.insert(form.end(), fields.begin(), fields.end());
        auto body = post_token_form(url, form, o_.http_timeout, secrets);
        if (!body)
            return Link::failed(body.error().message, body.error().kind);
        auto t = parse_azure_token_response(*body, o_.now());
        if (!t)
            return Link::failed(t.error().message);
        t->source = source;
        return Link::chosen(std::move(*t));
    }

    Link environment() {
        const auto secret = non_empty(o_.env, "AZURE_CLIENT_SECRET");
        const auto cert = non_empty(o_.env, "AZURE_CLIENT_CERTIFICATE_PATH");
        std::vector<std::string> missing;
        if (tenant_.empty())
            missing.emplace_back("AZURE_TENANT_ID");
        if (client_.empty())
            missing.emplace_back("AZURE_CLIENT_ID");
        if (!secret && !cert)
            missing.emplace_back("AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)");
        if (!missing.empty())
            return Link::skipped(join_missing(missing));
        if (secret) {
            return request_token({{"client_secret", *secret}, {"grant_type", "client_credentials"}},
                                 "environment (client secret)", {*secret});
        }
        return client_certificate(*cert);
    }

    Link client_certificate(const std::string& path) {
        if (non_empty(o_.env, "AZURE_CLIENT_CERTIFICATE_PASSWORD"))
            return Link::failed(
                "password-protected client certificates are not supported; "
                "use an unencrypted PEM in AZURE_CLIENT_CERTIFICATE_PATH",
                ErrorKind::Config);
        auto text = read_text_file(path, "AZURE_CLIENT_CERTIFICATE_PATH");
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::failed("AZURE_CLIENT_CERTIFICATE_PATH " + path + " does not exist",
                                ErrorKind::Config);
        auto thumb = certificate_sha1_thumbprint(**text);
        auto key = PrivateKey::from_pem(**text);
        if (!thumb || !key)
            return Link::failed("AZURE_CLIENT_CERTIFICATE_PATH " + path +
                                    " must be a PEM file holding the certificate and its "
                                    "unencrypted private key",
                                ErrorKind::Config);
        auto url = token_url();
        if (!url)
            return Link::failed(url.error().message, url.error().kind);
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(o_.now().time_since_epoch()).count();
        nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", *thumb}};
        if (!key->is_rsa())
            header["alg"] = "ES256";
        const nlohmann::json claims = {{"aud", *url},    {"iss", client_},
                                       {"sub", client_}, {"jti", random_hex(16)},
                                       {"nbf", now},     {"exp", now + 600}};
        auto jwt = sign_jwt(header, claims, *key);
        if (!jwt)
            return Link::failed(jwt.error().message);
        return post_token(*url,
                          {{"client_assertion_type", kJwtBearer},
                           {"client_assertion", *jwt},
                           {"grant_type", "client_credentials"}},
                          "environment (client certificate)", {*jwt});
    }

    Link workload_identity() {
        const auto file = non_empty(o_.env, "AZURE_FEDERATED_TOKEN_FILE");
        std::vector<std::string> missing;
        if (!file)
            missing.emplace_back("AZURE_FEDERATED_TOKEN_FILE");
        if (tenant_.empty())
            missing.emplace_back("AZURE_TENANT_ID");
        if (client_.empty())
            missing.emplace_back("AZURE_CLIENT_ID");
        if (!missing.empty())
            return Link::skipped(join_missing(missing));
        auto text = read_text_file(*file, "AZURE_FEDERATED_TOKEN_FILE", 64U << 10);
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::failed("AZURE_FEDERATED_TOKEN_FILE " + *file + " does not exist",
                                ErrorKind::Config);
        const std::string assertion = trim(**text);
        if (assertion.empty())
            return Link::failed("AZURE_FEDERATED_TOKEN_FILE " + *file + " is empty",
                                ErrorKind::Config);
        return request_token({{"client_assertion_type", kJwtBearer},
                              {"client_assertion", assertion},
                              {"grant_type", "client_credentials"}},
                             "workload identity", {assertion});
    }

    Link managed_identity() {
        const auto endpoint = non_empty(o_.env, "IDENTITY_ENDPOINT");
        const auto header = non_empty(o_.env, "IDENTITY_HEADER");
        if (endpoint && header)
            return app_service(*endpoint, *header);
        std::string why_not_app_service =
            endpoint ? "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not"
                     : "IDENTITY_ENDPOINT and IDENTITY_HEADER are not set";
        return imds(why_not_app_service);
    }

    Link app_service(const std::string& endpoint, const std::string& header) {
        auto ok = validate_override_url("IDENTITY_ENDPOINT", endpoint);
        if (!ok)
            return Link::failed(ok.error().message, ErrorKind::Config);
        if (header.find_first_of("\r\n") != std::string::npos)
            return Link::failed("IDENTITY_HEADER contains a line break", ErrorKind::Config);
        HttpRequest req;
        req.url = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") +
                  "api-version=2019-08-01&resource=" + util::percent_encode(resource_);
        if (!client_.empty())
            req.url += "&client_id=" + util::percent_encode(client_);
        req.headers = {{"X-IDENTITY-HEADER", header}, {"Accept", "application/json"}};
        req.timeout = o_.http_timeout;
        auto resp = http_send(req);
        if (!resp)
            return Link::failed("App Service identity endpoint " + resp.error().message,
                                resp.error().kind);
        if (resp->status != 200) {
            const std::string why = oauth_error(resp->body, {header});
            return Link::failed("App Service identity endpoint returned HTTP " +
                                std::to_string(resp->status) +
                                (why.empty() ? "" : " (" + why + ")"));
        }
        auto t = parse_azure_token_response(resp->body, o_.now());
        if (!t)
            return Link::failed(t.error().message);
        t->source = "managed identity (App Service)";
        return Link::chosen(std::move(*t));
    }

    Link imds(const std::string& why_not_app_service) {
        std::string base;
        if (auto ep = non_empty(o_.env, "PGMI_AZURE_IMDS_ENDPOINT")) {
            auto ok = validate_override_url("PGMI_AZURE_IMDS_ENDPOINT", *ep, {"169.254.169.254"});
            if (!ok)
                return Link::failed(ok.error().message, ErrorKind::Config);
            base = *ok;
        } else {
            auto tag = read_text_file(o_.dmi_asset_tag_path, "DMI asset tag", 4096);
            if (!tag || !tag->has_value() || trim(**tag) != kAzureAssetTag)
                return Link::skipped(why_not_app_service +
                                     ", and this is not an Azure VM (its DMI chassis asset tag is "
                                     "not Azure's), so IMDS was not asked; set "
                                     "PGMI_AZURE_IMDS_ENDPOINT to ask an IMDS anyway");
            base = "http://169.254.169.254";
        }
        while (!base.empty() && base.back() == '/')
            base.pop_back();
        HttpRequest req;
        req.url = base + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                  util::percent_encode(resource_);
        if (!client_.empty())
            req.url += "&client_id=" + util::percent_encode(client_);
        req.headers = {{"Metadata", "true"}, {"Accept", "application/json"}};
        req.connect_timeout = o_.imds_timeout;
        req.timeout = o_.http_timeout;
        auto resp = http_send(req);
        if (!resp)
            return Link::skipped(why_not_app_service + ", and no IMDS answered (" +
                                 resp.error().message + ")");
        if (resp->status == 400)
            return Link::skipped("IMDS has no managed identity for this VM (HTTP 400" + [&] {
                const std::string w = oauth_error(resp->body, {});
                return w.empty() ? std::string() : ": " + w;
            }() + ")");
        if (resp->status != 200) {
            const std::string why = oauth_error(resp->body, {});
            return Link::failed("IMDS returned HTTP " + std::to_string(resp->status) +
                                (why.empty() ? "" : " (" + why + ")"));
        }
        auto t = parse_azure_token_response(resp->body, o_.now());
        if (!t)
            return Link::failed(t.error().message);
        t->source = "managed identity (IMDS)";
        return Link::chosen(std::move(*t));
    }

    Link run_cli(const std::string& program, std::vector<std::string> args,
                 const std::string& login_hint, const std::string& source,
                 Result<Token> (*parse)(std::string_view)) {
        auto path = find_on_path(program, o_.env);
        if (!path)
            return Link::skipped(program + " is not on PATH");
        args.insert(args.begin(), *path);
        auto run = run_process(args, o_.cli_timeout);
        if (!run)
            return Link::failed(run.error().message);
        if (run->timed_out)
            return Link::failed(program + " did not answer within " +
                                describe_duration(o_.cli_timeout));
        if (run->exit_code != 0) {
            if (run->err.find(login_hint) != std::string::npos)
                return Link::skipped(program + " is not logged in (run `" + login_hint + "`)");
            const std::string first = run->err.substr(0, run->err.find('\n'));
            return Link::failed(program + " exited with status " + std::to_string(run->exit_code) +
                                (first.empty() ? "" : ": " + excerpt(first)));
        }
        auto t = parse(run->out);
        if (!t)
            return Link::failed(program + ": " + t.error().message);
        t->source = source;
        return Link::chosen(std::move(*t));
    }

    Link azure_cli() {
        std::vector<std::string> args = {"account", "get-access-token", "--output",
                                         "json",    "--resource",       resource_};
        if (!tenant_.empty()) {
            args.emplace_back("--tenant");
            args.push_back(tenant_);
        }
        return run_cli("az", args, "az login", "Azure CLI", &parse_azure_cli_token);
    }

    Link azure_developer_cli() {
        std::vector<std::string> args = {"auth",        "token",   "--output", "json",
                                         "--no-prompt", "--scope", o_.scope};
        if (!tenant_.empty()) {
            args.emplace_back("--tenant-id");
            args.push_back(tenant_);
        }
        return run_cli("azd", args, "azd auth login", "Azure Developer CLI", &parse_azd_token);
    }

    AzureOptions o_;
    std::string tenant_;
    std::string client_;
    std::string resource_;
    std::vector<SourceAttempt> attempts_;
};

Error bad_response(const std::string& what) {
    return make_error(ErrorKind::Connection, what);
}

}  // namespace

std::unique_ptr<TokenProvider> make_azure_token_provider(AzureOptions options) {
    return std::make_unique<AzureChain>(std::move(options));
}

// Expiry times pgmi accepts: up to 2100 (and lifetimes up to ten years, expiry_after). Larger
// values (from a hostile or broken helper) would overflow the clock's nanosecond count.
constexpr long long kLatestEpoch = 4102444800;  // 2100-01-01T00:00:00Z

Result<Token> parse_azure_token_response(std::string_view body, TimePoint now) {
    auto j = parse_json_object(body);
    if (!j)
        return bad_response("token response is not a JSON object");
    auto value = json_string(*j, "access_token");
    if (!value || value->empty())
        return bad_response("token response has no access_token");
    Token t;
    t.value = std::move(*value);
    const auto in = json_integer(*j, "expires_in");
    const auto after = in ? expiry_after(now, *in) : std::nullopt;
    if (auto on = json_integer(*j, "expires_on"); on && *on > 0 && *on < kLatestEpoch) {
        t.expires_at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(*on));
    } else if (after) {
        t.expires_at = *after;
    } else {
        return bad_response("token response has no expires_in or expires_on");
    }
    return t;
}

Result<Token> parse_azure_cli_token(std::string_view body) {
    auto j = parse_json_object(body);
    if (!j)
        return bad_response("output is not a JSON object");
    auto value = json_string(*j, "accessToken");
    if (!value || value->empty())
        return bad_response("output has no accessToken");
    Token t;
    t.value = std::move(*value);
    if (auto on = json_integer(*j, "expires_on"); on && *on > 0 && *on < kLatestEpoch) {
        t.expires_at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(*on));
        return t;
    }
    auto local = json_string(*j, "expiresOn");
    std::tm tm{};
    int fields = 0;
    if (local) {
        fields = std::sscanf(local->c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                             &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    }
    if (fields != 6 || tm.tm_year < 1970 || tm.tm_year >= 2100 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
        tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return bad_response("output has no readable expires_on or expiresOn");
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;  // az prints local time
    const std::time_t when = std::mktime(&tm);
    if (when == static_cast<std::time_t>(-1))
        return bad_response("output has no readable expires_on or expiresOn");
    t.expires_at = std::chrono::system_clock::from_time_t(when);
    return t;
}

Result<Token> parse_azd_token(std::string_view body) {
    auto j = parse_json_object(body);
    if (!j)
        return bad_response("output is not a JSON object");
    auto value = json_string(*j, "token");
    if (!value || value->empty())
        return bad_response("output has no token");
    auto on = json_string(*j, "expiresOn");
    auto when = on ? parse_rfc3339(*on) : std::nullopt;
    if (!when)
        return bad_response("output has no readable expiresOn");
    Token t;
    t.value = std::move(*value);
    t.expires_at = *when;
    return t;
}

}  // namespace pgmi::cloud
