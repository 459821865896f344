#include "conn/connection_config.hpp"

#include <fmt/format.h>

namespace pgmi::conn {

pg::ConnParams ConnectionConfig::to_params(const std::string& dbname) const {
    pg::ConnParams p;
    auto add = [&p](const char* key, const std::string& value) {
        if (!value.empty())
            p.emplace_back(key, value);
    };
    add("host", host);
    if (port > 0)
        p.emplace_back("port", std::to_string(port));
    add("user", username);
    add("password", password);
    p.emplace_back("dbname", dbname);
    add("sslmode", sslmode);
    add("sslcert", sslcert);
    add("sslkey", sslkey);
    add("sslrootcert", sslrootcert);
    add("sslpassword", sslpassword);
    p.emplace_back("application_name", app_name.empty() ? "pgmi" : app_name);
    if (connect_timeout > 0)
        p.emplace_back("connect_timeout", std::to_string(connect_timeout));
    for (const auto& [k, v] : additional_params)
        p.emplace_back(k, v);
    return p;
}

std::string ConnectionConfig::address() const {
    std::string h = host.empty() ? "localhost" : host;
    return fmt::format("{}:{}", h, port > 0 ? port : 5432);
}

const char* auth_method_name(AuthMethod m) {
    switch (m) {
        case AuthMethod::Standard:
            return "Standard";
        case AuthMethod::AwsIam:
            return "AWS IAM";
        case AuthMethod::GoogleIam:
            return "Google IAM";
        case AuthMethod::AzureEntraId:
            return "Azure Entra ID";
    }
    return "Standard";
}

std::string describe(const ResolvedConnection& r) {
    const ConnectionConfig& c = r.config;
    std::string out = "Connection resolved:\n";
    out += fmt::format("  Host: {}\n", c.host.empty() ? "(libpq default)" : c.host);
    out += fmt::format("  Port: {}\n", c.port > 0 ? std::to_string(c.port) : "(libpq default)");
    out += fmt::format("  User: {}\n", c.username.empty() ? "(libpq default)" : c.username);
    out += fmt::format("  Password: {}\n", c.password.empty() ? "unset" : "[redacted]");
    out += fmt::format("  Target Database: {}\n", r.target_db);
    out += fmt::format("  Maintenance Database: {}\n", r.maintenance_db);
    out += fmt::format("  SSL Mode: {}\n", c.sslmode.empty() ? "(libpq default)" : c.sslmode);
    if (!c.sslcert.empty())
        out += fmt::format("  SSL Cert: {}\n", c.sslcert);
    if (!c.sslkey.empty())
        out += fmt::format("  SSL Key: {}\n", c.sslkey);
    if (!c.sslrootcert.empty())
        out += fmt::format("  SSL Root Cert: {}\n", c.sslrootcert);
    out += fmt::format("  Auth Method: {}\n", auth_method_name(c.auth));
    for (const auto& s : r.sources)
        out += fmt::format("  {}\n", s);
    return out;
}

}  // namespace pgmi::conn
