#include "conn/cloud_sql_dialer.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <strings.h>

#include <algorithm>

namespace pgmi::conn {
namespace {

/// Text from a certificate, safe to show: printable ASCII only, at most 100 bytes.
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 100))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

/// Every subject CN of `cert` (UTF-8).
std::vector<std::string> common_names(X509* cert) {
    std::vector<std::string> out;
    X509_NAME* subject = X509_get_subject_name(cert);
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
        unsigned char* utf8 = nullptr;
        const int n =
            ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
        if (n >= 0)
            out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
        OPENSSL_free(utf8);
    }
    return out;
}

/// The subjectAltName DNS entries of `cert`.
std::vector<std::string> dns_names(X509* cert) {
    std::vector<std::string> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr)
        return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS) {
            const ASN1_STRING* s = g->d.dNSName;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<size_t>(ASN1_STRING_length(s)));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

std::string without_trailing_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.')
        name.remove_suffix(1);
    return std::string(name);
}

std::chrono::milliseconds within(std::chrono::milliseconds limit, const Deadline& deadline) {
    if (auto left = deadline.remaining())
        return std::max(std::chrono::milliseconds(1), std::min(limit, *left));
    return limit;
}

}  // namespace

Result<CloudSqlIpType> parse_cloud_sql_ip_type(std::string_view text) {
    const std::string t(text);
    if (::strcasecmp(t.c_str(), "public") == 0)
        return CloudSqlIpType::Public;
    if (::strcasecmp(t.c_str(), "private") == 0)
        return CloudSqlIpType::Private;
    return make_error(ErrorKind::Config,
                      "invalid Cloud SQL IP type \"" + shown(text) + "\" (valid: public, private)");
}

Result<std::string> select_cloud_sql_address(const cloud::ConnectSettings& settings,
                                             CloudSqlIpType type,
                                             const cloud::InstanceName& instance) {
    const std::string wanted = type == CloudSqlIpType::Public ? "PRIMARY" : "PRIVATE";
    std::string have;
    for (const auto& ip : settings.ip_addresses) {
        if (ip.type == wanted && !ip.address.empty())
            return ip.address;
        if (have.find(ip.type) == std::string::npos)
            have += (have.empty() ? "" : ", ") + shown(ip.type);
    }
    const char* which = type == CloudSqlIpType::Public ? "public" : "private";
    return make_error(ErrorKind::Connection, "Cloud SQL instance " + instance.to_string() +
                                                 " has no " + which + " IP address (" + wanted +
                                                 "); it has " +
                                                 (have.empty() ? std::string("none") : have));
}

Status verify_cloud_sql_server_identity(x509_st* leaf, const cloud::InstanceName& instance,
                                        std::string_view dns_name) {
    const std::string dns = without_trailing_dot(dns_name);
    if (!dns.empty() && X509_check_host(leaf, dns.data(), dns.size(),
                                        X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1)
        return Status::ok();
    const std::string legacy = instance.project + ":" + instance.instance;
    const auto cns = common_names(leaf);
    if (cns.size() == 1 && cns[0] == legacy)
        return Status::ok();

    std::string says;
    for (const auto& cn : cns)
        says += (says.empty() ? "CN " : ", CN ") + std::string("\"") + shown(cn) + "\"";
    const auto sans = dns_names(leaf);
    for (size_t i = 0; i < sans.size() && i < 4; ++i)
        says += (says.empty() ? "DNS " : ", DNS ") + std::string("\"") + shown(sans[i]) + "\"";
    std::string expected = "CN \"" + legacy + "\"";
    if (!dns.empty())
        expected = "DNS name \"" + shown(dns) + "\" or " + expected;
    return make_error(ErrorKind::Connection, "Cloud SQL instance " + instance.to_string() +
                                                 ": the server certificate is for " +
                                                 (says.empty() ? std::string("no name") : says) +
                                                 ", expected " + expected +
                                                 "; refusing to connect to another server");
}

Result<std::unique_ptr<CloudSqlDialer>> CloudSqlDialer::create(CloudSqlDialerOptions options) {
    if (!options.google.env)
        options.google.env = process_env();
    cloud::GoogleOptions admin = options.google;
    admin.scopes = {cloud::kGoogleSqlAdminScope};
    cloud::GoogleOptions login = options.google;
    login.scopes = {cloud::kGoogleSqlLoginScope};
    std::shared_ptr<cloud::GoogleTokenProvider> admin_tokens =
        cloud::make_google_token_provider(admin);
    auto api = cloud::SqlAdminClient::create(options.google.env, admin_tokens);
    if (!api)
        return std::move(api).error();
    auto login_tokens = cloud::make_google_token_provider(login);
    return std::unique_ptr<CloudSqlDialer>(new CloudSqlDialer(
        std::move(options), std::move(admin_tokens), std::move(login_tokens), std::move(*api)));
}

Result<CloudSqlDialer::Dialed> CloudSqlDialer::dial(const Deadline& deadline, bool& transient) {
    transient = false;
    const std::string name = o_.instance.to_string();
    api_.set_timeout(within(o_.api_timeout, deadline));
    if (!settings_) {
        auto s = api_.connect_settings(o_.instance);
        if (!s)
            return std::move(s).error();
        settings_ = std::move(*s);
    }
    // Whatever fails below may be stale settings (a new address, a rotated CA): ask again next
    // time.
    auto fail = [&](Error e) {
        settings_.reset();
        return e;
    };
    auto address = select_cloud_sql_address(*settings_, o_.ip_type, o_.instance);
    if (!address)
        return fail(address.error());
    last_address_ = *address;

    // A fresh key per dial: it lives in memory only, for this one connection.
    auto key = cloud::PrivateKey::generate_rsa(2048);
    if (!key)
        return fail(key.error());
    auto public_pem = key->public_key_pem();
    if (!public_pem)
        return fail(public_pem.error());
    auto login = login_tokens_->token();
    if (!login)
        return fail(login.error().wrapped(
            "could not get a Google login token (scope sqlservice.login) for Cloud SQL IAM "
            "database authentication"));
    auto cert = api_.generate_ephemeral_cert(o_.instance, *public_pem, login->value);
    if (!cert)
        return fail(cert.error());

    TlsDialOptions t;
    t.label = "Cloud SQL instance " + name;
    t.ip = *address;
    t.port = kCloudSqlPort;
    t.sni = without_trailing_dot(settings_->dns_name);
    t.client_cert_pem = cert->cert_pem;
    t.client_key = *key;
    t.trusted_ca_pem = settings_->server_ca_cert;
    t.timeout = within(o_.dial_timeout, deadline);
    // Copies, not references: the options outlive this dialer's state (see Dialed).
    t.verify_identity = [instance = o_.instance, dns = settings_->dns_name](x509_st* leaf) {
        return verify_cloud_sql_server_identity(leaf, instance, dns);
    };
    auto stream = TlsStream::dial(t, &transient);
    if (!stream)
        return fail(stream.error());
    return Dialed{std::move(*stream), std::move(t)};
}

Result<std::string> CloudSqlDialer::principal() {
    return login_tokens_->principal();
}

}  // namespace pgmi::conn
