#include "conn/connection_config.hpp"

#include <fmt/format.h>

namespace pgmi::conn {

namespace {

// Given to libpq as `passfile` when pgmi has already consulted the password file: a path that
// cannot exist (a file below /dev/null), so libpq neither reads the file again nor repeats the
// permission warning.
constexpr const char* kNoPassfile = "/dev/null/pgmi-reads-the-password-file";

std::string bracketed(const std::string& host) {
    if (host.find(':') != std::string::npos && host.front() != '/' && host.front() != '@')
        return "[" + host + "]";
    return host;
}

std::vector<std::string> split_hosts(const std::string& host) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = host.find(',', start);
        out.push_back(host.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

std::string with_source(const ResolvedConnection& r, const std::string& field) {
    auto it = r.sources.find(field);
    return it == r.sources.end() ? std::string() : " (" + it->second + ")";
}

}  // namespace

pg::ConnParams ConnectionConfig::to_params(const std::string& dbname) const {
    pg::ConnParams p;
    auto add = [&p](const char* key, const std::string& value) {
        if (!value.empty())
            p.emplace_back(key, value);
    };
    add("host", host);
    if (!ports.empty()) {
        std::string list;
        for (size_t i = 0; i < ports.size(); ++i) {
            if (i > 0)
                list += ',';
            if (ports[i] > 0)
                list += std::to_string(ports[i]);
        }
        p.emplace_back("port", list);
    } else if (port > 0) {
        p.emplace_back("port", std::to_string(port));
    }
    add("user", username);
    if (!password.empty()) {
        p.emplace_back("password", password);
    } else if (password_file) {
        if (auto pw = lookup_pgpass(password_file->entries, host, port, dbname, username))
            p.emplace_back("password", *pw);
    }
    if (password_file)
        p.emplace_back("passfile", kNoPassfile);
    p.emplace_back("dbname", dbname);
    add("sslmode", sslmode);
    add("sslcert", sslcert);
    add("sslkey", sslkey);
    add("sslrootcert", sslrootcert);
    add("sslpassword", sslpassword);
    p.emplace_back("application_name", app_name.empty() ? "pgmi" : app_name);
    if (connect_timeout > 0)
        p.emplace_back("connect_timeout", std::to_string(connect_timeout));
    add("service", service);
    for (const auto& [k, v] : additional_params)
        p.emplace_back(k, v);
    p.insert(p.end(), liveness.begin(), liveness.end());
    return p;
}

pg::ConnParams tcp_liveness_defaults(const std::function<bool(const std::string&)>& is_set) {
    static const bool has_user_timeout = [] {
        bool found = false;
        PQconninfoOption* opts = PQconndefaults();
        for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
            found = found || std::string_view(o->keyword) == "tcp_user_timeout";
        }
        PQconninfoFree(opts);
        return found;
    }();
    const std::pair<const char*, const char*> values[] = {{"keepalives", "1"},
                                                          {"keepalives_idle", "30"},
                                                          {"keepalives_interval", "10"},
                                                          {"keepalives_count", "3"},
                                                          {"tcp_user_timeout", "60000"}};
    pg::ConnParams out;
    for (const auto& [key, value] : values) {
        if (is_set(key))
            continue;
        if (std::string_view(key) == "tcp_user_timeout" && !has_user_timeout)
            continue;
        out.emplace_back(key, value);
    }
    return out;
}

std::string ConnectionConfig::address() const {
    const std::vector<std::string> hosts = split_hosts(host.empty() ? "localhost" : host);
    std::string out;
    for (size_t i = 0; i < hosts.size(); ++i) {
        int p = ports.size() == 1 ? ports[0] : (i < ports.size() ? ports[i] : 0);
        if (p == 0)
            p = port > 0 ? port : 5432;
        if (i > 0)
            out += ',';
        out += fmt::format("{}:{}", bracketed(hosts[i].empty() ? "localhost" : hosts[i]), p);
    }
    return out;
}

std::string ConnectionConfig::first_host() const {
    std::string h = split_hosts(host).front();
    return h.empty() ? "localhost" : h;
}

int ConnectionConfig::first_port() const {
    if (!ports.empty() && ports[0] > 0)
        return ports[0];
    return port > 0 ? port : 5432;
}

std::vector<std::string> ResolvedConnection::secrets() const {
    std::vector<std::string> out;
    if (!config.password.empty())
        out.push_back(config.password);
    if (!config.sslpassword.empty())
        out.push_back(config.sslpassword);
    if (config.password_file) {
        for (const auto& e : config.password_file->entries) {
            if (!e.password.empty())
                out.push_back(e.password);
        }
    }
    return out;
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

bool weak_sslmode(const std::string& mode) {
    return mode.empty() || mode == "disable" || mode == "allow" || mode == "prefer";
}

std::string describe(const ResolvedConnection& r) {
    const ConnectionConfig& c = r.config;
    // Cloud SQL reaches the instance through its own TLS tunnel: host, port and sslmode of the
    // config do not apply, and saying them would mislead.
    const bool tunnel = c.auth == AuthMethod::GoogleIam;
    std::string out = "Connection resolved:\n";
    if (tunnel) {
        out += fmt::format(
            "  Instance: {} (Cloud SQL: TLS 1.3 to port 3307 with an ephemeral "
            "client certificate; libpq connects to a private local socket)\n",
            c.cloud.google_instance);
    } else {
        std::string host = c.host.empty() ? "(libpq default)" : c.host;
        out += fmt::format("  Host: {}{}\n", host, with_source(r, "host"));
        std::string port;
        if (!c.ports.empty()) {
            for (size_t i = 0; i < c.ports.size(); ++i)
                port += (i > 0 ? "," : "") + (c.ports[i] > 0 ? std::to_string(c.ports[i]) : "5432");
        } else {
            port = c.port > 0 ? std::to_string(c.port) : "(libpq default)";
        }
        out += fmt::format("  Port: {}{}\n", port, with_source(r, "port"));
    }
    if (tunnel && c.username.empty()) {
        out += "  User: the Google principal's IAM database user\n";
    } else {
        out += fmt::format("  User: {}{}\n", c.username.empty() ? "(libpq default)" : c.username,
                           with_source(r, "user"));
    }
    if (tunnel) {
        out += "  Password: none (the ephemeral certificate carries the IAM identity)\n";
    } else if (c.auth == AuthMethod::AzureEntraId || c.auth == AuthMethod::AwsIam) {
        out += fmt::format("  Password: a fresh {} token for every connection attempt\n",
                           auth_method_name(c.auth));
    } else if (!c.password.empty()) {
        out += fmt::format("  Password: [redacted]{}\n", with_source(r, "password"));
    } else if (c.password_file && c.password_file->present && !c.password_file->ignored) {
        out += fmt::format("  Password: unset; password file {}{}\n",
                           c.password_file->path.string(), with_source(r, "passfile"));
    } else if (c.password_file && !c.password_file->present) {
        out += fmt::format("  Password: unset (no password file at {})\n",
                           c.password_file->path.string());
    } else {
        out += "  Password: unset\n";
    }
    out += fmt::format("  Target Database: {}{}\n", r.target_db, with_source(r, "target"));
    out += fmt::format("  Maintenance Database: {}{}\n", r.maintenance_db,
                       with_source(r, "maintenance"));
    if (!tunnel) {
        out += fmt::format("  SSL Mode: {}{}\n", c.sslmode.empty() ? "(libpq default)" : c.sslmode,
                           with_source(r, "sslmode"));
    }
    if (!c.sslcert.empty())
        out += fmt::format("  SSL Cert: {}{}\n", c.sslcert, with_source(r, "sslcert"));
    if (!c.sslkey.empty())
        out += fmt::format("  SSL Key: {}{}\n", c.sslkey, with_source(r, "sslkey"));
    if (!c.sslrootcert.empty())
        out += fmt::format("  SSL Root Cert: {}{}\n", c.sslrootcert, with_source(r, "sslrootcert"));
    if (!c.sslpassword.empty())
        out += fmt::format("  SSL Password: [redacted]{}\n", with_source(r, "sslpassword"));
    out += fmt::format("  Application Name: {}{}\n", c.app_name, with_source(r, "app_name"));
    if (c.connect_timeout > 0) {
        out += fmt::format("  Connect Timeout: {}s{}\n", c.connect_timeout,
                           with_source(r, "connect_timeout"));
    }
    if (!c.service.empty())
        out += fmt::format("  Service: {}{}\n", c.service, with_source(r, "service"));
    {
        // Each keyword with where its value comes from (`sources` says "<value> (<where>)" for
        // those the user set); pgmi's own values otherwise.
        std::string tcp;
        for (const char* key : kLivenessKeywords) {
            std::string item;
            if (auto it = r.sources.find(key); it != r.sources.end()) {
                item = fmt::format("{}={}", key, it->second);
            } else {
                for (const auto& [k, v] : c.liveness) {
                    if (k == key)
                        item = fmt::format("{}={} (pgmi default)", key, v);
                }
            }
            if (!item.empty())
                tcp += (tcp.empty() ? "" : ", ") + item;
        }
        if (!tcp.empty() && !tunnel)
            out += fmt::format("  TCP Liveness: {}\n", tcp);
    }
    if (!c.additional_params.empty()) {
        std::string keys;
        for (const auto& [k, v] : c.additional_params)
            keys += (keys.empty() ? "" : ", ") + k;
        out += fmt::format("  Other Parameters: {}\n", keys);
    }
    out +=
        fmt::format("  Auth Method: {}{}{}\n", auth_method_name(c.auth),
                    c.sslcert.empty() ? "" : " + TLS client certificate", with_source(r, "auth"));
    auto cloud_field = [&](const char* label, const char* key) {
        if (auto it = r.sources.find(key); it != r.sources.end())
            out += fmt::format("  {}: {}\n", label, it->second);
    };
    // The values themselves sit in the sources map ("<value> (<where>)"): some come from the
    // environment and are only looked up by cloud/ at connect time.
    cloud_field("Azure Tenant", "azure_tenant_id");
    cloud_field("Azure Client", "azure_client_id");
    cloud_field("AWS Region", "aws_region");
    cloud_field("Google Instance", "google_instance");
    cloud_field("Google IP Type", "google_ip_type");
    for (const auto& note : r.notes)
        out += fmt::format("  Note: {}\n", note);
    return out;
}

}  // namespace pgmi::conn
