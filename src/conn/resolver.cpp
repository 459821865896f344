#include "conn/resolver.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <memory>
#include <set>

namespace pgmi::conn {

namespace {

constexpr std::array<const char*, 6> kSslModes = {"disable", "allow",     "prefer",
                                                  "require", "verify-ca", "verify-full"};

Error config_error(const std::string& message) {
    return make_error(ErrorKind::Config, message + ": invalid configuration");
}

bool valid_sslmode(const std::string& m) {
    for (const char* s : kSslModes) {
        if (m == s)
            return true;
    }
    return false;
}

std::optional<int> parse_int(const std::string& s) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

template <class T>
const T* first_of(std::initializer_list<const std::optional<T>*> candidates) {
    for (const auto* c : candidates) {
        if (c != nullptr && c->has_value() && !(*c)->empty())
            return &**c;
    }
    return nullptr;
}

}  // namespace

Status parse_connection_string(const std::string& text, ConnectionConfig& config) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(
        PQconninfoParse(text.c_str(), &err), &PQconninfoFree);
    if (!opts) {
        std::string reason = err != nullptr ? err : "out of memory";
        if (err != nullptr)
            PQfreemem(err);
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        // libpq's parse errors name keywords and characters, never a password value.
        return config_error("failed to parse connection string: " + reason);
    }
    for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr)
            continue;
        std::string key = o->keyword;
        std::string val = o->val;
        if (key == "host" || key == "hostaddr") {
            if (key == "host") {
                config.host = val;
            } else {
                config.additional_params[key] = val;
            }
        } else if (key == "port") {
            auto p = parse_int(val);
            if (!p || *p < 1 || *p > 65535) {
                return config_error(fmt::format("invalid port \"{}\" in connection string", val));
            }
            config.port = *p;
        } else if (key == "user") {
            config.username = val;
        } else if (key == "password") {
            config.password = val;
        } else if (key == "dbname") {
            config.database = val;
        } else if (key == "sslmode") {
            if (!valid_sslmode(val)) {
                return config_error(fmt::format(
                    "invalid sslmode \"{}\" in connection string; use one of disable, allow, "
                    "prefer, require, verify-ca, verify-full",
                    val));
            }
            config.sslmode = val;
        } else if (key == "sslcert") {
            config.sslcert = val;
        } else if (key == "sslkey") {
            config.sslkey = val;
        } else if (key == "sslrootcert") {
            config.sslrootcert = val;
        } else if (key == "sslpassword") {
            config.sslpassword = val;
        } else if (key == "application_name") {
            config.app_name = val;
        } else if (key == "connect_timeout") {
            auto t = parse_int(val);
            if (!t || *t < 0) {
                return config_error(
                    fmt::format("invalid connect_timeout \"{}\" in connection string: must be a "
                                "non-negative integer (seconds)",
                                val));
            }
            config.connect_timeout = *t;
        } else {
            config.additional_params[key] = val;
        }
    }
    return Status::ok();
}

Result<ResolvedConnection> resolve(const ConnectionFlags& flags, const EnvLookup& env,
                                   const config::YamlConnection& yaml) {
    ResolvedConnection r;
    ConnectionConfig& c = r.config;

    if (flags.sslmode && !valid_sslmode(*flags.sslmode)) {
        return config_error(fmt::format(
            "invalid --sslmode \"{}\"; use one of disable, allow, prefer, require, verify-ca, "
            "verify-full",
            *flags.sslmode));
    }

    std::optional<std::string> conn_string;
    std::string conn_source;
    if (flags.connection && !flags.connection->empty()) {
        conn_string = flags.connection;
        conn_source = "--connection";
    } else if (auto v = non_empty(env, "PGMI_CONNECTION_STRING")) {
        conn_string = v;
        conn_source = "PGMI_CONNECTION_STRING";
    } else if (auto d = non_empty(env, "DATABASE_URL")) {
        conn_string = d;
        conn_source = "DATABASE_URL";
    }

    if (conn_string) {
        if ((flags.host && !flags.host->empty()) || flags.port != 0 ||
            (flags.username && !flags.username->empty()) ||
            (flags.sslmode && !flags.sslmode->empty())) {
            return config_error(fmt::format(
                "cannot specify both --connection and granular flags (-h, -p, -U, --sslmode); "
                "the connection string came from {}.\nChoose one:\n"
                "  1. a connection string only: --connection \"postgresql://user@host:5432/db\"\n"
                "  2. granular flags only: -h host -p 5432 -U user -d db\n"
                "  3. environment variables only: PGHOST, PGPORT, PGUSER, PGDATABASE",
                conn_source));
        }
        if (Status s = parse_connection_string(*conn_string, c); !s)
            return s.error();
        if (c.sslmode.empty()) {
            if (auto m = non_empty(env, "PGSSLMODE"))
                c.sslmode = *m;
        }
        if (c.database.empty())
            c.database = "postgres";
        r.maintenance_db = c.database;
        r.sources.push_back("Source: connection string from " + conn_source);
    } else {
        // Granular path: flags > PG* environment > pgmi.yaml > defaults.
        if (const auto* h = first_of<std::string>({&flags.host})) {
            c.host = *h;
        } else if (auto eh = non_empty(env, "PGHOST")) {
            c.host = *eh;
        } else if (yaml.host && !yaml.host->empty()) {
            c.host = *yaml.host;
        } else {
            c.host = "localhost";
        }
        if (flags.port != 0) {
            if (flags.port < 1 || flags.port > 65535) {
                return config_error(
                    fmt::format("invalid --port flag: invalid port {}: must be between 1 and 65535",
                                flags.port));
            }
            c.port = flags.port;
        } else if (auto ep = non_empty(env, "PGPORT")) {
            auto p = parse_int(*ep);
            if (!p) {
                return config_error(
                    fmt::format("invalid $PGPORT value '{}': must be an integer", *ep));
            }
            if (*p < 1 || *p > 65535) {
                return config_error(fmt::format(
                    "invalid $PGPORT value '{}': invalid port {}: must be between 1 and 65535", *ep,
                    *p));
            }
            c.port = *p;
        } else if (yaml.port && *yaml.port != 0) {
            c.port = *yaml.port;
        } else {
            c.port = 5432;
        }
        if (const auto* u = first_of<std::string>({&flags.username})) {
            c.username = *u;
        } else if (auto eu = non_empty(env, "PGUSER")) {
            c.username = *eu;
        } else if (yaml.username && !yaml.username->empty()) {
            c.username = *yaml.username;
        } else if (auto ou = non_empty(env, "USER")) {
            c.username = *ou;
        } else if (auto wu = non_empty(env, "USERNAME")) {
            c.username = *wu;
        }
        if (auto pw = non_empty(env, "PGPASSWORD"))
            c.password = *pw;
        if (auto ed = non_empty(env, "PGDATABASE")) {
            c.database = *ed;
        } else if (yaml.database && !yaml.database->empty()) {
            c.database = *yaml.database;
        }
        if (const auto* m = first_of<std::string>({&flags.sslmode})) {
            c.sslmode = *m;
        } else if (auto em = non_empty(env, "PGSSLMODE")) {
            c.sslmode = *em;
        } else if (yaml.sslmode && !yaml.sslmode->empty()) {
            c.sslmode = *yaml.sslmode;
        } else {
            c.sslmode = "prefer";
        }
        if (auto app = non_empty(env, "PGAPPNAME"))
            c.app_name = *app;
        if (auto ct = non_empty(env, "PGCONNECT_TIMEOUT")) {
            auto t = parse_int(*ct);
            if (!t || *t < 0) {
                return config_error(fmt::format(
                    "invalid $PGCONNECT_TIMEOUT value '{}': must be a non-negative integer "
                    "(seconds)",
                    *ct));
            }
            c.connect_timeout = *t;
        }
        r.maintenance_db = yaml.maintenance_database && !yaml.maintenance_database->empty()
                               ? *yaml.maintenance_database
                               : "postgres";
        r.sources.push_back("Source: flags, PG* environment, pgmi.yaml");
    }
    if (!c.sslmode.empty() && !valid_sslmode(c.sslmode)) {
        return config_error(fmt::format(
            "invalid sslmode \"{}\"; use one of disable, allow, prefer, require, verify-ca, "
            "verify-full",
            c.sslmode));
    }

    // TLS files: flag > connection string > PG* environment > pgmi.yaml.
    auto tls = [&](const std::optional<std::string>& flag, std::string& field, const char* var,
                   const std::optional<std::string>& y) {
        if (flag && !flag->empty()) {
            field = *flag;
        } else if (!field.empty()) {
            return;
        } else if (auto e = non_empty(env, var)) {
            field = *e;
        } else if (y && !y->empty()) {
            field = *y;
        }
    };
    tls(flags.sslcert, c.sslcert, "PGSSLCERT", yaml.sslcert);
    tls(flags.sslkey, c.sslkey, "PGSSLKEY", yaml.sslkey);
    tls(flags.sslrootcert, c.sslrootcert, "PGSSLROOTCERT", yaml.sslrootcert);
    if (c.sslpassword.empty()) {
        if (auto sp = non_empty(env, "PGSSLPASSWORD"))
            c.sslpassword = *sp;
    }

    // Target and maintenance database (§5.6).
    if (flags.database && !flags.database->empty()) {
        r.target_db = *flags.database;
    } else {
        // Without -d the source's own database is the target, so it cannot also be the
        // maintenance database.
        r.target_db = c.database;
        if (c.database != "postgres")
            r.maintenance_db = "postgres";
    }
    if (r.target_db.empty()) {
        return make_error(ErrorKind::Config,
                          "invalid configuration: database name is required\nProvide via:\n"
                          "  1. --database/-d flag: pgmi deploy . -d mydb\n"
                          "  2. connection string: pgmi deploy . --connection "
                          "\"postgresql://user@host/mydb\"\n"
                          "  3. environment: export PGDATABASE=mydb");
    }
    return r;
}

}  // namespace pgmi::conn
