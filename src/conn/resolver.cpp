#include "conn/resolver.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <initializer_list>

#include "conn/cloud_auth.hpp"
#include "conn/connection_string.hpp"
#include "conn/service_file.hpp"

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

/// A value and where it came from.
struct Pick {
    std::string value;
    std::string source;
};

/// One candidate source for a field: its value (if it says something) and its name.
struct Candidate {
    std::optional<std::string> value;
    std::string source;
};

/// The first candidate with a non-empty value.
std::optional<Pick> first_of(std::initializer_list<Candidate> candidates) {
    for (const auto& c : candidates) {
        if (c.value && !c.value->empty())
            return Pick{*c.value, c.source};
    }
    return std::nullopt;
}

std::optional<std::string> opt(const std::optional<std::string>& v) {
    return v && !v->empty() ? v : std::nullopt;
}

std::optional<std::string> from_map(const std::map<std::string, std::string>& m, const char* key) {
    auto it = m.find(key);
    if (it == m.end() || it->second.empty())
        return std::nullopt;
    return it->second;
}

std::string os_user() {
    const passwd* pw = ::getpwuid(::geteuid());
    return pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "";
}

std::string join_hosts(const std::vector<std::string>& hosts) {
    std::string out;
    for (size_t i = 0; i < hosts.size(); ++i)
        out += (i > 0 ? "," : "") + hosts[i];
    return out;
}

Status check_sslmode(const std::string& mode, const std::string& source) {
    if (valid_sslmode(mode))
        return Status::ok();
    return config_error(
        fmt::format("invalid sslmode \"{}\" from {} (valid: disable, allow, prefer, require, "
                    "verify-ca, verify-full)",
                    mode, source));
}

/// Port text from an environment variable or service file: strict integer, 1-65535.
Result<int> port_from_text(const std::string& text, const std::string& what) {
    auto p = parse_int(text);
    if (!p)
        return config_error(fmt::format("invalid {} value '{}': must be an integer", what, text));
    if (*p < 1 || *p > 65535) {
        return config_error(fmt::format(
            "invalid {} value '{}': invalid port {}: must be between 1 and 65535", what, text, *p));
    }
    return *p;
}

Result<int> timeout_from_text(const std::string& text, const std::string& what) {
    auto t = parse_int(text);
    if (!t || *t < 0) {
        return config_error(fmt::format(
            "invalid {} value '{}': must be a non-negative integer (seconds)", what, text));
    }
    return *t;
}

}  // namespace

Result<ResolvedConnection> resolve(const ConnectionFlags& flags, const EnvLookup& env,
                                   const config::YamlConnection& yaml) {
    ResolvedConnection r;
    ConnectionConfig& c = r.config;
    r.overwrite = flags.overwrite;
    r.force = flags.force;

    if (flags.sslmode && !valid_sslmode(*flags.sslmode)) {
        return config_error(fmt::format(
            "invalid --sslmode \"{}\" (valid: disable, allow, prefer, require, verify-ca, "
            "verify-full)",
            *flags.sslmode));
    }

    // 1. Which connection string, if any.
    std::optional<std::string> conn_string;
    std::string conn_source;
    if (auto s = opt(flags.connection)) {
        conn_string = s;
        conn_source = "--connection";
    } else if (auto v = non_empty(env, "PGMI_CONNECTION_STRING")) {
        conn_string = v;
        conn_source = "$PGMI_CONNECTION_STRING";
    } else if (auto d = non_empty(env, "DATABASE_URL")) {
        conn_string = d;
        conn_source = "$DATABASE_URL";
    }
    std::vector<std::string> granular;
    if (opt(flags.host))
        granular.emplace_back("-h");
    if (flags.port != 0)
        granular.emplace_back("-p");
    if (opt(flags.username))
        granular.emplace_back("-U");
    if (conn_string && !granular.empty()) {
        std::string given;
        for (const auto& g : granular)
            given += (given.empty() ? "" : ", ") + g;
        if (conn_source == "--connection") {
            return config_error(fmt::format(
                "cannot specify both --connection and granular flags (-h, -p, -U); {} given "
                "too.\nChoose one:\n"
                "  1. a connection string only: --connection "
                "\"postgresql://user@host:5432/postgres\" -d mydb\n"
                "  2. granular flags only: -h host -p 5432 -U user -d mydb\n"
                "  3. environment variables only: PGHOST, PGPORT, PGUSER, PGDATABASE\n"
                "(-d, --sslmode and the TLS file flags combine with either)",
                given));
        }
        r.warnings.push_back(fmt::format(
            "note: ignoring the connection string in {}: {} on the command line take precedence "
            "over connection strings from the environment",
            conn_source, given));
        conn_string.reset();
    }

    // 2. The connection string, and the service either source names.
    ConnectionString cs;
    const std::string cs_source = "connection string (" + conn_source + ")";
    if (conn_string) {
        auto parsed = parse_connection_string(*conn_string);
        if (!parsed) {
            Error e = std::move(parsed).error();
            if (conn_source != "--connection") {
                e.message = e.message.substr(0, e.message.rfind(": invalid configuration")) +
                            " (from " + conn_source + "): invalid configuration";
            }
            return e;
        }
        cs = std::move(parsed).value();
        for (auto& w : cs.warnings)
            r.warnings.push_back("WARNING: " + w);
        r.notes.push_back(
            fmt::format("{} connection string from {}", format_name(cs.format), conn_source));
    }
    std::optional<ServiceEntry> svc;
    {
        auto name = from_map(cs.params, "service");
        std::string source = cs_source;
        if (!name) {
            name = non_empty(env, "PGSERVICE");
            source = "$PGSERVICE";
        }
        if (name) {
            auto found = lookup_service(*name, env);
            if (!found)
                return std::move(found).error();
            svc = std::move(found).value();
            c.service = *name;
            r.sources["service"] = source + ", " + svc->file.string();
            cs.params.erase("service");
        }
    }
    const std::map<std::string, std::string> no_values;
    const auto& sv = svc ? svc->values : no_values;
    const std::string svc_source = svc ? "service \"" + svc->name + "\"" : "";

    auto set = [&r](const std::string& field, std::string& target, const std::optional<Pick>& p) {
        if (p) {
            target = p->value;
            r.sources[field] = p->source;
        }
    };

    if (conn_string) {
        // 3a. Connection-string path: the string gives the whole address.
        set("host", c.host,
            first_of(
                {{cs.hosts.empty() ? std::nullopt : std::optional(join_hosts(cs.hosts)), cs_source},
                 {from_map(sv, "host"), svc_source},
                 {std::string("localhost"), "default"}}));
        if (!cs.ports.empty()) {
            if (cs.ports.size() == 1) {
                c.port = cs.ports[0];
            } else {
                c.ports = cs.ports;
            }
            r.sources["port"] = cs_source;
        } else if (auto sp = from_map(sv, "port")) {
            auto p = port_from_text(*sp, svc_source + " port");
            if (!p)
                return std::move(p).error();
            c.port = *p;
            r.sources["port"] = svc_source;
        } else {
            c.port = 5432;
            r.sources["port"] = "default";
        }
        set("user", c.username,
            first_of({{cs.user, cs_source},
                      {from_map(sv, "user"), svc_source},
                      {non_empty(env, "PGUSER"), "$PGUSER"},
                      {os_user(), "OS user"}}));
        set("password", c.password,
            first_of({{cs.password, cs_source},
                      {from_map(sv, "password"), svc_source},
                      {non_empty(env, "PGPASSWORD"), "$PGPASSWORD"}}));
        set("database", c.database,
            first_of({{cs.database, cs_source},
                      {from_map(sv, "dbname"), svc_source},
                      {std::string("postgres"), "default"}}));
        set("sslmode", c.sslmode,
            first_of({{opt(flags.sslmode), "--sslmode"},
                      {cs.sslmode, cs_source},
                      {from_map(sv, "sslmode"), svc_source},
                      {non_empty(env, "PGSSLMODE"), "$PGSSLMODE"},
                      {std::string("prefer"), "default"}}));
        r.maintenance_db = c.database;
        r.sources["maintenance"] = r.sources["database"];
        if (yaml.host || yaml.port || yaml.username || yaml.database || yaml.sslmode ||
            yaml.maintenance_database) {
            r.notes.push_back(fmt::format(
                "pgmi.yaml connection host/port/username/database/sslmode/maintenance_database "
                "ignored: the {} gives the whole address",
                cs_source));
        }
    } else {
        // 3b. Granular path: flag > service > PG* variable > pgmi.yaml > default.
        set("host", c.host,
            first_of({{opt(flags.host), "--host"},
                      {from_map(sv, "host"), svc_source},
                      {non_empty(env, "PGHOST"), "$PGHOST"},
                      {opt(yaml.host), "pgmi.yaml connection.host"},
                      {std::string("localhost"), "default"}}));
        if (flags.port != 0) {
            if (flags.port < 1 || flags.port > 65535) {
                return config_error(
                    fmt::format("invalid --port flag: invalid port {}: must be between 1 and 65535",
                                flags.port));
            }
            c.port = flags.port;
            r.sources["port"] = "--port";
        } else if (auto sp = from_map(sv, "port")) {
            auto p = port_from_text(*sp, svc_source + " port");
            if (!p)
                return std::move(p).error();
            c.port = *p;
            r.sources["port"] = svc_source;
        } else if (auto ep = non_empty(env, "PGPORT")) {
            auto p = port_from_text(*ep, "$PGPORT");
            if (!p)
                return std::move(p).error();
            c.port = *p;
            r.sources["port"] = "$PGPORT";
        } else if (yaml.port && *yaml.port != 0) {
            if (*yaml.port < 1 || *yaml.port > 65535) {
                return config_error(fmt::format(
                    "invalid port {} in pgmi.yaml connection.port: must be between 1 and 65535",
                    *yaml.port));
            }
            c.port = *yaml.port;
            r.sources["port"] = "pgmi.yaml connection.port";
        } else {
            c.port = 5432;
            r.sources["port"] = "default";
        }
        set("user", c.username,
            first_of({{opt(flags.username), "-U"},
                      {from_map(sv, "user"), svc_source},
                      {non_empty(env, "PGUSER"), "$PGUSER"},
                      {opt(yaml.username), "pgmi.yaml connection.username"},
                      {non_empty(env, "USER"), "$USER"},
                      {non_empty(env, "USERNAME"), "$USERNAME"},
                      {os_user(), "OS user"}}));
        set("password", c.password,
            first_of({{from_map(sv, "password"), svc_source},
                      {non_empty(env, "PGPASSWORD"), "$PGPASSWORD"}}));
        set("database", c.database,
            first_of({{from_map(sv, "dbname"), svc_source},
                      {non_empty(env, "PGDATABASE"), "$PGDATABASE"},
                      {opt(yaml.database), "pgmi.yaml connection.database"}}));
        set("sslmode", c.sslmode,
            first_of({{opt(flags.sslmode), "--sslmode"},
                      {from_map(sv, "sslmode"), svc_source},
                      {non_empty(env, "PGSSLMODE"), "$PGSSLMODE"},
                      {opt(yaml.sslmode), "pgmi.yaml connection.sslmode"},
                      {std::string("prefer"), "default"}}));
        r.maintenance_db = "postgres";
        r.sources["maintenance"] = "default";
        if (auto m = opt(yaml.maintenance_database)) {
            r.maintenance_db = *m;
            r.sources["maintenance"] = "pgmi.yaml connection.maintenance_database";
        }
    }
    if (Status s = check_sslmode(c.sslmode, r.sources["sslmode"]); !s)
        return s.error();

    // 4. Both paths: application name, connect timeout, TLS files, key passphrase.
    set("app_name", c.app_name,
        first_of({{cs.app_name, cs_source},
                  {from_map(sv, "application_name"), svc_source},
                  {non_empty(env, "PGAPPNAME"), "$PGAPPNAME"},
                  {std::string("pgmi"), "default"}}));
    if (cs.connect_timeout) {
        c.connect_timeout = std::max(0, *cs.connect_timeout);
        r.sources["connect_timeout"] = cs_source;
    } else if (auto st = from_map(sv, "connect_timeout")) {
        auto t = timeout_from_text(*st, svc_source + " connect_timeout");
        if (!t)
            return std::move(t).error();
        c.connect_timeout = *t;
        r.sources["connect_timeout"] = svc_source;
    } else if (auto et = non_empty(env, "PGCONNECT_TIMEOUT")) {
        auto t = timeout_from_text(*et, "$PGCONNECT_TIMEOUT");
        if (!t)
            return std::move(t).error();
        c.connect_timeout = *t;
        r.sources["connect_timeout"] = "$PGCONNECT_TIMEOUT";
    }
    set("sslcert", c.sslcert,
        first_of({{opt(flags.sslcert), "--sslcert"},
                  {non_empty(env, "PGSSLCERT"), "$PGSSLCERT"},
                  {opt(yaml.sslcert), "pgmi.yaml connection.sslcert"},
                  {cs.sslcert, cs_source},
                  {from_map(sv, "sslcert"), svc_source}}));
    set("sslkey", c.sslkey,
        first_of({{opt(flags.sslkey), "--sslkey"},
                  {non_empty(env, "PGSSLKEY"), "$PGSSLKEY"},
                  {opt(yaml.sslkey), "pgmi.yaml connection.sslkey"},
                  {cs.sslkey, cs_source},
                  {from_map(sv, "sslkey"), svc_source}}));
    set("sslrootcert", c.sslrootcert,
        first_of({{opt(flags.sslrootcert), "--sslrootcert"},
                  {non_empty(env, "PGSSLROOTCERT"), "$PGSSLROOTCERT"},
                  {opt(yaml.sslrootcert), "pgmi.yaml connection.sslrootcert"},
                  {cs.sslrootcert, cs_source},
                  {from_map(sv, "sslrootcert"), svc_source}}));
    set("sslpassword", c.sslpassword,
        first_of(
            {{non_empty(env, "PGSSLPASSWORD"), "$PGSSLPASSWORD"}, {cs.sslpassword, cs_source}}));

    // 5. Cloud authentication (connections §5.8): the method, its companion values, the TLS floor.
    if (Status s = resolve_cloud(flags.cloud, env, yaml, r); !s)
        return s.error();

    // 6. The password file: pgmi reads it (single host) so it can check its permissions.
    std::optional<Pick> passfile = first_of(
        {{from_map(cs.params, "passfile"), cs_source}, {from_map(sv, "passfile"), svc_source}});
    cs.params.erase("passfile");
    c.additional_params = cs.params;

    // TCP liveness (a dead network path ends a blocked connection): the user's values where
    // the connection string or the service sets them, pgmi's for the rest.
    for (const char* key : kLivenessKeywords) {
        if (auto v = from_map(cs.params, key)) {
            r.sources[key] = *v + " (" + cs_source + ")";
        } else if (auto sv_value = from_map(sv, key)) {
            r.sources[key] = *sv_value + " (" + svc_source + ")";
        }
    }
    c.liveness =
        tcp_liveness_defaults([&r](const std::string& key) { return r.sources.count(key) > 0; });
    if (c.auth == AuthMethod::Standard && c.host.find(',') == std::string::npos) {
        std::filesystem::path path =
            password_file_path(passfile ? std::optional(passfile->value) : std::nullopt, env);
        std::string source = passfile                       ? passfile->source
                             : non_empty(env, "PGPASSFILE") ? "$PGPASSFILE"
                                                            : "default";
        if (!path.empty()) {
            c.password_file = load_password_file(path);
            r.sources["passfile"] = source;
            if (!c.password_file->warning.empty())
                r.warnings.push_back(c.password_file->warning);
        }
    }

    // 7. Target and maintenance database (connections §5.6).
    if (auto d = opt(flags.database)) {
        r.target_db = *d;
        r.sources["target"] = "-d";
        if (conn_string && *d != c.database) {
            r.notes.push_back(
                fmt::format("Using --database flag ({}) instead of connection string database ({})",
                            *d, c.database));
        }
    } else {
        // Without -d the source's own database is the target, so it cannot also be the
        // maintenance database.
        r.target_db = c.database;
        r.sources["target"] = r.sources.count("database") != 0 ? r.sources["database"] : "";
        if (c.database != "postgres") {
            r.maintenance_db = "postgres";
            r.sources["maintenance"] = "default";
        }
    }
    // A database cannot be created or dropped from a connection to itself.
    if (r.maintenance_db == r.target_db && r.target_db != "postgres") {
        r.notes.push_back(fmt::format(
            "Maintenance database is postgres: the target {} cannot be created or dropped from "
            "a connection to itself",
            r.target_db));
        r.maintenance_db = "postgres";
        r.sources["maintenance"] = "default";
    }
    if (r.target_db.empty()) {
        return make_error(ErrorKind::Config,
                          "invalid configuration: database name is required\nProvide via:\n"
                          "  1. --database/-d flag: pgmi deploy . -d mydb\n"
                          "  2. connection string: pgmi deploy . --connection "
                          "\"postgresql://user@host/mydb\"\n"
                          "  3. environment: export PGDATABASE=mydb");
    }
    r.sources.erase("database");
    return r;
}

}  // namespace pgmi::conn
