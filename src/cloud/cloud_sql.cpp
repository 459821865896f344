#include "cloud/cloud_sql.hpp"

#include "cloud/common.hpp"
#include "cloud/http.hpp"

namespace pgmi::cloud {
namespace {

using detail::json_string;
using detail::parse_json_object;

bool only(std::string_view s, std::string_view allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

constexpr std::string_view kLabel =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
constexpr std::string_view kDomain =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";

/// Google's JSON error message ({"error": {"message": ...}}) without `secrets`, shortened, or "".
std::string google_error(std::string_view body, const std::vector<std::string>& secrets) {
    auto j = parse_json_object(body);
    if (!j)
        return "";
    auto it = j->find("error");
    if (it == j->end())
        return "";
    if (it->is_object())
        return excerpt(
            scrub(json_string(*it, "message").value_or(json_string(*it, "status").value_or("")),
                  secrets));
    if (it->is_string())
        return excerpt(scrub(it->get<std::string>(), secrets));
    return "";
}

Error http_error(const std::string& call, const InstanceName& instance, long status,
                 std::string_view body, const std::vector<std::string>& secrets) {
    std::string msg = "Cloud SQL Admin API " + call + " for " + instance.to_string() +
                      " returned HTTP " + std::to_string(status);
    // Google's words are quoted, minus this request's tokens should they echo one.
    const std::string why = google_error(body, secrets);
    if (!why.empty())
        msg += " (" + why + ")";
    if (status == 403)
        msg += "; the principal needs the Cloud SQL Client role and the API must be enabled";
    else if (status == 404)
        msg += "; check the instance connection name";
    return make_error(ErrorKind::Connection, msg);
}

}  // namespace

Result<InstanceName> parse_instance_name(std::string_view text) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t colon = text.find(':', start);
        parts.push_back(
            text.substr(start, colon == std::string_view::npos ? text.npos : colon - start));
        if (colon == std::string_view::npos)
            break;
        start = colon + 1;
    }
    bool ok = false;
    InstanceName n;
    if (parts.size() == 3 && only(parts[0], kLabel)) {
        n.project = std::string(parts[0]);
        ok = true;
    } else if (parts.size() == 4 && only(parts[0], kDomain) && only(parts[1], kLabel)) {
        n.project = std::string(parts[0]) + ":" + std::string(parts[1]);
        ok = true;
    }
    if (ok) {
        const size_t r = parts.size() - 2;
        ok = only(parts[r], kLabel) && only(parts[r + 1], kLabel);
        n.region = std::string(parts[r]);
        n.instance = std::string(parts[r + 1]);
    }
    if (ok)
        return n;
    std::string msg = "invalid instance connection name";
    if (!text.empty() && text.size() <= 100 &&
        text.find_first_not_of(std::string(kDomain) + ":_") == std::string_view::npos)
        msg += " \"" + std::string(text) + "\"";
    return make_error(ErrorKind::Config, msg + ", expected PROJECT:REGION:INSTANCE");
}

std::string cloud_sql_database_user(std::string_view principal) {
    constexpr std::string_view suffix = ".gserviceaccount.com";
    if (principal.size() > suffix.size() &&
        principal.substr(principal.size() - suffix.size()) == suffix)
        principal.remove_suffix(suffix.size());
    return std::string(principal);
}

Result<SqlAdminClient> SqlAdminClient::create(const EnvLookup& env,
                                              std::shared_ptr<TokenProvider> tokens) {
    std::string base = "https://sqladmin.googleapis.com/";
    if (auto v = non_empty(env, "CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN")) {
        auto ok = validate_override_url("CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN", *v);
        if (!ok)
            return std::move(ok).error();
        base = *ok;
        auto parts = parse_url(base);
        if (!parts || !parts->query.empty() || base.find('#') != std::string::npos)
            return make_error(ErrorKind::Config,
                              "CLOUDSDK_API_ENDPOINT_OVERRIDES_SQLADMIN must not have a query or "
                              "fragment");
    }
    if (base.back() != '/')
        base += '/';
    if (!tokens)
        return make_error(ErrorKind::Unexpected, "SqlAdminClient needs a token provider");
    return SqlAdminClient(std::move(base), std::move(tokens));
}

std::string SqlAdminClient::instance_url(const InstanceName& instance) const {
    return base_ + "sql/v1beta4/projects/" + instance.project + "/instances/" + instance.instance;
}

Result<ConnectSettings> SqlAdminClient::connect_settings(const InstanceName& instance) {
    auto token = tokens_->token();
    if (!token)
        return token.error().wrapped("could not get a Google token for the Cloud SQL Admin API");
    HttpRequest req;
    req.url = instance_url(instance) + "/connectSettings";
    req.headers = {{"Authorization", "Bearer " + token->value}, {"Accept", "application/json"}};
    req.timeout = timeout_;
    auto resp = http_send(req);
    if (!resp)
        return resp.error().wrapped("Cloud SQL Admin API connectSettings");
    if (resp->status != 200)
        return http_error("connectSettings", instance, resp->status, resp->body, {token->value});
    auto j = parse_json_object(resp->body);
    if (!j)
        return make_error(ErrorKind::Connection,
                          "Cloud SQL Admin API connectSettings returned no JSON object");
    ConnectSettings s;
    s.region = json_string(*j, "region").value_or("");
    s.database_version = json_string(*j, "databaseVersion").value_or("");
    s.dns_name = json_string(*j, "dnsName").value_or("");
    s.server_ca_mode = json_string(*j, "serverCaMode").value_or("");
    if (auto it = j->find("pscEnabled"); it != j->end() && it->is_boolean())
        s.psc_enabled = it->get<bool>();
    if (auto it = j->find("serverCaCert"); it != j->end() && it->is_object())
        s.server_ca_cert = json_string(*it, "cert").value_or("");
    if (auto it = j->find("ipAddresses"); it != j->end() && it->is_array()) {
        for (const auto& ip : *it) {
            if (!ip.is_object())
                continue;
            IpAddress a{json_string(ip, "type").value_or(""),
                        json_string(ip, "ipAddress").value_or("")};
            if (!a.address.empty())
                s.ip_addresses.push_back(std::move(a));
        }
    }
    if (s.region != instance.region)
        return make_error(ErrorKind::Config,
                          "instance " + instance.to_string() + " is in region " +
                              (s.region.empty() ? "(none reported)" : excerpt(s.region, 40)) +
                              ", not " + instance.region + "; check --google-instance");
    if (s.database_version.rfind("POSTGRES", 0) != 0)
        return make_error(ErrorKind::Config,
                          "instance " + instance.to_string() + " runs " +
                              (s.database_version.empty() ? "an unknown database"
                                                          : excerpt(s.database_version, 40)) +
                              ", not PostgreSQL");
    if (s.server_ca_cert.empty())
        return make_error(ErrorKind::Connection, "Cloud SQL Admin API connectSettings for " +
                                                     instance.to_string() +
                                                     " returned no server CA certificate");
    return s;
}

Result<EphemeralCert> SqlAdminClient::generate_ephemeral_cert(const InstanceName& instance,
                                                              const std::string& public_key_pem,
                                                              const std::string& login_token) {
    auto token = tokens_->token();
    if (!token)
        return token.error().wrapped("could not get a Google token for the Cloud SQL Admin API");
    nlohmann::json body = {{"public_key", public_key_pem}};
    if (!login_token.empty())
        body["access_token"] = login_token;
    HttpRequest req;
    req.method = "POST";
    req.url = instance_url(instance) + ":generateEphemeralCert";
    req.body = body.dump();
    req.headers = {{"Authorization", "Bearer " + token->value},
                   {"Content-Type", "application/json"},
                   {"Accept", "application/json"}};
    req.timeout = timeout_;
    auto resp = http_send(req);
    if (!resp)
        return resp.error().wrapped("Cloud SQL Admin API generateEphemeralCert");
    if (resp->status != 200)
        return http_error("generateEphemeralCert", instance, resp->status, resp->body,
                          {token->value, login_token});
    auto j = parse_json_object(resp->body);
    std::string cert;
    if (j) {
        if (auto it = j->find("ephemeralCert"); it != j->end() && it->is_object())
            cert = json_string(*it, "cert").value_or("");
    }
    if (cert.empty())
        return make_error(ErrorKind::Connection,
                          "Cloud SQL Admin API generateEphemeralCert returned no certificate");
    auto expiry = certificate_not_after(cert);
    if (!expiry)
        return make_error(ErrorKind::Connection,
                          "Cloud SQL Admin API generateEphemeralCert returned an unreadable "
                          "certificate");
    return EphemeralCert{std::move(cert), *expiry};
}

}  // namespace pgmi::cloud
