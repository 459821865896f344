#include "cloud/google.hpp"

#include <tuple>

#include "cloud/common.hpp"
#include "cloud/crypto.hpp"
#include "cloud/http.hpp"
#include "cloud/jwt.hpp"
#include "cloud/oauth.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud {
namespace {

using detail::expand_home;
using detail::home_directory;
using detail::json_integer;
using detail::json_string;
using detail::parse_json_object;
using detail::read_text_file;
using detail::trim;

using Outcome = detail::LinkOutcome;
using Link = detail::ChainLink<Token>;

Error field_error(const std::string& what) {
    return make_error(ErrorKind::Config, "credentials file " + what);
}

Result<std::string> required(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end())
        return field_error("has no \"" + std::string(key) + "\"");
    if (!it->is_string())
        return field_error("field \"" + std::string(key) + "\" is not a string");
    if (it->get_ref<const std::string&>().empty())
        return field_error("field \"" + std::string(key) + "\" is empty");
    return it->get<std::string>();
}

Result<std::string> optional_string(const nlohmann::json& j, const char* key,
                                    const std::string& fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        return field_error("field \"" + std::string(key) + "\" is not a string");
    return it->get_ref<const std::string&>().empty() ? fallback : it->get<std::string>();
}

class GoogleChain final : public GoogleTokenProvider {
  public:
    explicit GoogleChain(GoogleOptions o) : o_(std::move(o)) {
        if (!o_.env)
            o_.env = process_env();
        if (!o_.now)
            o_.now = system_clock();
    }

    std::string name() const override { return "Google"; }
    std::vector<SourceAttempt> last_attempts() const override { return attempts_; }

    Result<Token> token() override {
        attempts_.clear();
        chosen_ = Principal{};
        const std::pair<const char*, Link (GoogleChain::*)()> links[] = {
            {"GOOGLE_APPLICATION_CREDENTIALS", &GoogleChain::explicit_file},
            {"gcloud application default credentials", &GoogleChain::well_known_file},
            {"metadata server", &GoogleChain::metadata_server},
        };
        for (const auto& [source, fn] : links) {
            Link l = (this->*fn)();
            if (l.outcome == Outcome::Chosen)
                chosen_.token = l.value.value;
            if (auto done = detail::settle(l, source, attempts_, "Google credentials"))
                return std::move(*done);
        }
        return make_error(ErrorKind::Connection, "no Google credentials found (sources tried: " +
                                                     describe_attempts(attempts_) + ")");
    }

    Result<std::string> principal() override {
        if (chosen_.token.empty())
            return make_error(ErrorKind::Unexpected,
                              "the Google principal is known only after a token was issued");
        if (!chosen_.email.empty())
            return chosen_.email;
        HttpRequest req;
        req.timeout = o_.http_timeout;
        std::string what;
        if (!chosen_.metadata_base.empty()) {
            what = "the metadata server's default service account";
            req.url = chosen_.metadata_base +
                      "/computeMetadata/v1/instance/service-accounts/default/email";
            req.headers = {{"Metadata-Flavor", "Google"}};
            req.connect_timeout = o_.metadata_timeout;
        } else {
            what = "the authorized user's token info";
            req.method = "POST";
            req.url = chosen_.tokeninfo_url;
            req.body = form_encode({{"access_token", chosen_.token}});
            req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Accept", "application/json"}};
        }
        const std::string hint =
            "; pass the database user with -U (the account's e-mail; a service account's "
            "without .gserviceaccount.com)";
        auto resp = http_send(req);
        if (!resp)
            return make_error(ErrorKind::Connection,
                              "could not ask " + what + " for its e-mail: " +
                                  scrub(resp.error().message, {chosen_.token}) + hint);
        std::string email;
        if (resp->status == 200 && !chosen_.metadata_base.empty()) {
            email = trim(resp->body);
        } else if (resp->status == 200) {
            if (auto j = parse_json_object(resp->body))
                email = json_string(*j, "email").value_or("");
        }
        if (email.empty() || email.find_first_of(" \t\r\n\"") != std::string::npos)
            return make_error(ErrorKind::Connection,
                              "could not learn the Google principal's e-mail from " + what +
                                  " (HTTP " + std::to_string(resp->status) + ")" + hint);
        chosen_.email = email;
        return email;
    }

  private:
    /// What principal() needs to know about the source the last token() chose.
    struct Principal {
        std::string token;  // secret; the chosen token (for the token info request)
        std::string email;  // known from the credentials file
        std::string tokeninfo_url;
        std::string metadata_base;
    };

    Link explicit_file() {
        auto path = non_empty(o_.env, "GOOGLE_APPLICATION_CREDENTIALS");
        if (!path)
            return Link::skipped("GOOGLE_APPLICATION_CREDENTIALS is not set");
        const std::string p = expand_home(*path, o_.env);
        auto text = read_text_file(p, "GOOGLE_APPLICATION_CREDENTIALS");
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::failed("GOOGLE_APPLICATION_CREDENTIALS " + p + " does not exist",
                                ErrorKind::Config);
        return from_file(**text, p);
    }

    Link well_known_file() {
        std::string dir;
        if (auto c = non_empty(o_.env, "CLOUDSDK_CONFIG"))
            dir = expand_home(*c, o_.env);
        else
            dir = home_directory(o_.env) + "/.config/gcloud";
        const std::string p = dir + "/application_default_credentials.json";
        auto text = read_text_file(p, "gcloud credentials file");
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::skipped(p + " does not exist");
        return from_file(**text, p);
    }

    Link from_file(const std::string& text, const std::string& path) {
        auto creds = parse_google_credentials(text);
        if (!creds)
            return Link::failed(path + ": " + creds.error().message, ErrorKind::Config);
        if (auto* sa = std::get_if<GoogleServiceAccount>(&*creds))
            return service_account(*sa, path);
        return authorized_user(std::get<GoogleAuthorizedUser>(*creds), path);
    }

    Link service_account(const GoogleServiceAccount& sa, const std::string& path) {
        auto uri = validate_override_url("token_uri in " + path, sa.token_uri);
        if (!uri)
            return Link::failed(uri.error().message, ErrorKind::Config);
        auto key = PrivateKey::from_pem(sa.private_key);
        if (!key)
            return Link::failed(path + ": private_key: " + key.error().message, ErrorKind::Config);
        const auto iat =
            std::chrono::duration_cast<std::chrono::seconds>(o_.now().time_since_epoch()).count();
        std::string scope;
        for (const auto& s : o_.scopes)
            scope += (scope.empty() ? "" : " ") + s;
        nlohmann::json header = nlohmann::json::object();
        if (!sa.private_key_id.empty())
            header["kid"] = sa.private_key_id;
        const nlohmann::json claims = {{"iss", sa.client_email},
                                       {"scope", scope},
                                       {"aud", sa.token_uri},
                                       {"iat", iat},
                                       {"exp", iat + 3600}};
        auto jwt = sign_jwt(header, claims, *key);
        if (!jwt)
            return Link::failed(jwt.error().message);
        chosen_.email = sa.client_email;
        return post(
            sa.token_uri,
            {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", *jwt}},
            "service account " + sa.client_email, {*jwt});
    }

    Link authorized_user(const GoogleAuthorizedUser& u, const std::string& path) {
        auto uri = validate_override_url("token_uri in " + path, u.token_uri);
        if (!uri)
            return Link::failed(uri.error().message, ErrorKind::Config);
        if (auto parts = parse_url(u.token_uri))
            chosen_.tokeninfo_url = url_origin(*parts) + "/tokeninfo";
        return post(u.token_uri,
                    {{"grant_type", "refresh_token"},
                     {"client_id", u.client_id},
                     {"client_secret", u.client_secret},
                     {"refresh_token", u.refresh_token}},
                    "authorized user", {u.client_secret, u.refresh_token});
    }

    Link post(const std::string& url, const Headers& form, const std::string& source,
              const std::vector<std::string>& secrets) {
        auto body = post_token_form(url, form, o_.http_timeout, secrets);
        if (!body)
            return Link::failed(body.error().message, body.error().kind);
        auto t = parse_google_token_response(*body, o_.now());
        if (!t)
            return Link::failed(t.error().message);
        t->source = source;
        return Link::chosen(std::move(*t));
    }

    Link metadata_server() {
        std::string base;
        if (auto host = non_empty(o_.env, "GCE_METADATA_HOST")) {
            auto parts = host->find_first_of("/@?#\\ ") == std::string::npos
                             ? parse_url("http://" + *host)
                             : std::nullopt;
            if (!parts)
                return Link::failed("GCE_METADATA_HOST must be host[:port]", ErrorKind::Config);
            const std::string h = util::to_lower(parts->host);
            if (!is_loopback_host(h) && h != "metadata.google.internal" && h != "169.254.169.254")
                return Link::failed(
                    "GCE_METADATA_HOST must be a loopback host (127.0.0.0/8, "
                    "::1, localhost) or the metadata server "
                    "(metadata.google.internal, 169.254.169.254), got " +
                        parts->host,
                    ErrorKind::Config);
            base = url_origin(*parts);
        } else {
            auto product = read_text_file(o_.dmi_product_name_path, "DMI product name", 4096);
            bool on_google =
                product && product->has_value() && (**product).find("Google") != std::string::npos;
            for (const char* runtime :
                 {"K_SERVICE", "CLOUD_RUN_JOB", "GAE_SERVICE", "FUNCTION_TARGET"})
                on_google = on_google || non_empty(o_.env, runtime).has_value();
            if (!on_google)
                return Link::skipped(
                    "GCE_METADATA_HOST is not set and this is not a Google "
                    "Cloud machine (DMI product name, serverless variables), "
                    "so the metadata server was not asked");
            base = "http://169.254.169.254";
        }
        std::string scopes;
        for (const auto& s : o_.scopes)
            scopes += (scopes.empty() ? "" : ",") + util::percent_encode(s);
        HttpRequest req;
        req.url =
            base + "/computeMetadata/v1/instance/service-accounts/default/token?scopes=" + scopes;
        req.headers = {{"Metadata-Flavor", "Google"}};
        req.connect_timeout = o_.metadata_timeout;
        req.timeout = o_.http_timeout;
        auto resp = http_send(req);
        if (!resp)
            return Link::skipped("no metadata server answered (" + resp.error().message + ")");
        if (resp->header("metadata-flavor").value_or("") != "Google")
            return Link::failed("the metadata server at " + base +
                                " did not answer with Metadata-Flavor: Google");
        if (resp->status == 404)
            return Link::skipped("the metadata server has no default service account (HTTP 404)");
        if (resp->status != 200)
            return Link::failed("the metadata server returned HTTP " +
                                std::to_string(resp->status));
        auto t = parse_google_token_response(resp->body, o_.now());
        if (!t)
            return Link::failed(t.error().message);
        chosen_.metadata_base = base;
        t->source = "metadata server";
        return Link::chosen(std::move(*t));
    }

    GoogleOptions o_;
    std::vector<SourceAttempt> attempts_;
    Principal chosen_;
};

}  // namespace

std::unique_ptr<GoogleTokenProvider> make_google_token_provider(GoogleOptions options) {
    return std::make_unique<GoogleChain>(std::move(options));
}

Result<GoogleCredentialsFile> parse_google_credentials(std::string_view json) {
    auto j = parse_json_object(json);
    if (!j)
        return field_error("is not a JSON object");
    auto type = required(*j, "type");
    if (!type)
        return std::move(type).error();
    if (*type == "service_account") {
        GoogleServiceAccount sa;
        for (auto [key, slot] : {std::pair{"client_email", &sa.client_email},
                                 std::pair{"private_key", &sa.private_key}}) {
            auto v = required(*j, key);
            if (!v)
                return std::move(v).error();
            *slot = std::move(*v);
        }
        for (auto [key, slot, fallback] :
             {std::tuple{"private_key_id", &sa.private_key_id, ""},
              std::tuple{"token_uri", &sa.token_uri, kGoogleDefaultTokenUri},
              std::tuple{"project_id", &sa.project_id, ""}}) {
            auto v = optional_string(*j, key, fallback);
            if (!v)
                return std::move(v).error();
            *slot = std::move(*v);
        }
        return GoogleCredentialsFile(std::move(sa));
    }
    if (*type == "authorized_user") {
        GoogleAuthorizedUser u;
        for (auto [key, slot] :
             {std::pair{"client_id", &u.client_id}, std::pair{"client_secret", &u.client_secret},
              std::pair{"refresh_token", &u.refresh_token}}) {
            auto v = required(*j, key);
            if (!v)
                return std::move(v).error();
            *slot = std::move(*v);
        }
        auto uri = optional_string(*j, "token_uri", kGoogleDefaultTokenUri);
        if (!uri)
            return std::move(uri).error();
        u.token_uri = std::move(*uri);
        return GoogleCredentialsFile(std::move(u));
    }
    const bool printable =
        type->size() <= 40 &&
        type->find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    return field_error("has type " + (printable ? "\"" + *type + "\"" : std::string("(unknown)")) +
                       ", which pgmi does not support (use service_account or authorized_user)");
}

Result<Token> parse_google_token_response(std::string_view body, TimePoint now) {
    auto j = parse_json_object(body);
    if (!j)
        return make_error(ErrorKind::Connection, "token response is not a JSON object");
    auto value = json_string(*j, "access_token");
    if (!value || value->empty())
        return make_error(ErrorKind::Connection, "token response has no access_token");
    auto in = json_integer(*j, "expires_in");
    const auto expires_at = in ? expiry_after(now, *in) : std::nullopt;
    if (!expires_at) {
        return make_error(ErrorKind::Connection,
                          "token response has no expires_in (or one over ten years)");
    }
    Token t;
    t.value = std::move(*value);
    t.expires_at = *expires_at;
    return t;
}

}  // namespace pgmi::cloud
