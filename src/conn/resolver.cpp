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

/// What the phases of resolve() read: the flags, the environment, pgmi.yaml, and the connection
/// string and service the first phases pick, each with the name of its source.
struct Inputs {
    const ConnectionFlags& flags;
    const EnvLookup& env;
    const config::YamlConnection& yaml;
    std::optional<std::string> conn_string;
    std::string conn_source;
    ConnectionString cs;
    std::string cs_source;
    std::optional<ServiceEntry> svc;
    std::string svc_source;

    /// The service's values (empty without a service).
    const std::map<std::string, std::string>& sv() const {
        static const std::map<std::string, std::string> kNone;
        return svc ? svc->values : kNone;
    }
};

void set_field(ResolvedConnection& r, const std::string& field, std::string& target,
               const std::optional<Pick>& p) {
    if (p) {
        target = p->value;
        r.sources[field] = p->source;
    }
}

/// 1. Which connection string, if any: --connection, $PGMI_CONNECTION_STRING, $DATABASE_URL.
Status choose_connection_string(Inputs& in, ResolvedConnection& r) {
    if (auto s = opt(in.flags.connection)) {
        in.conn_string = s;
        in.conn_source = "--connection";
    } else if (auto v = non_empty(in.env, "PGMI_CONNECTION_STRING")) {
        in.conn_string = v;
        in.conn_source = "$PGMI_CONNECTION_STRING";
    } else if (auto d = non_empty(in.env, "DATABASE_URL")) {
        in.conn_string = d;
        in.conn_source = "$DATABASE_URL";
    }
    std::vector<std::string> granular;
    if (opt(in.flags.host))
        granular.emplace_back("-h");
    if (in.flags.port != 0)
        granular.emplace_back("-p");
    if (opt(in.flags.username))
        granular.emplace_back("-U");
    if (in.conn_string && !granular.empty()) {
        std::string given;
        for (const auto& g : granular)
            given += (given.empty() ? "" : ", ") + g;
        if (in.conn_source == "--connection") {
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
            in.conn_source, given));
        in.conn_string.reset();
    }

    return Status::ok();
}

/// 2. The connection string, and the service either source names.
Status read_string_and_service(Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    in.cs_source = "connection string (" + in.conn_source + ")";
    if (in.conn_string) {
        auto parsed = parse_connection_string(*in.conn_string);
        if (!parsed) {
            Error e = std::move(parsed).error();
            if (in.conn_source != "--connection") {
                e.message = e.message.substr(0, e.message.rfind(": invalid configuration")) +
                            " (from " + in.conn_source + "): invalid configuration";
            }
            return e;
        }
        in.cs = std::move(parsed).value();
        for (auto& w : in.cs.warnings)
            r.warnings.push_back("WARNING: " + w);
        r.notes.push_back(
            fmt::format("{} connection string from {}", format_name(in.cs.format), in.conn_source));
    }
    {
        auto name = from_map(in.cs.params, "service");
        std::string source = in.cs_source;
        if (!name) {
            name = non_empty(in.env, "PGSERVICE");
            source = "$PGSERVICE";
        }
        if (name) {
            auto found = lookup_service(*name, in.env);
            if (!found)
                return std::move(found).error();
            in.svc = std::move(found).value();
            c.service = *name;
            r.sources["service"] = source + ", " + in.svc->file.string();
            in.cs.params.erase("service");
        }
    }
    if (in.svc)
        in.svc_source = "service \"" + in.svc->name + "\"";
    return Status::ok();
}

/// 3a. Connection-string path: the string gives the whole address.
Status address_from_string(const Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    set_field(
        r, "host", c.host,
        first_of({{in.cs.hosts.empty() ? std::nullopt : std::optional(join_hosts(in.cs.hosts)),
                   in.cs_source},
                  {from_map(in.sv(), "host"), in.svc_source},
                  {std::string("localhost"), "default"}}));
    if (!in.cs.ports.empty()) {
        if (in.cs.ports.size() == 1) {
            c.port = in.cs.ports[0];
        } else {
            c.ports = in.cs.ports;
        }
        r.sources["port"] = in.cs_source;
    } else if (auto sp = from_map(in.sv(), "port")) {
        auto p = port_from_text(*sp, in.svc_source + " port");
        if (!p)
            return std::move(p).error();
        c.port = *p;
        r.sources["port"] = in.svc_source;
    } else {
        c.port = 5432;
        r.sources["port"] = "default";
    }
    set_field(r, "user", c.username,
              first_of({{in.cs.user, in.cs_source},
                        {from_map(in.sv(), "user"), in.svc_source},
                        {non_empty(in.env, "PGUSER"), "$PGUSER"},
                        {os_user(), "OS user"}}));
    set_field(r, "password", c.password,
              first_of({{in.cs.password, in.cs_source},
                        {from_map(in.sv(), "password"), in.svc_source},
                        {non_empty(in.env, "PGPASSWORD"), "$PGPASSWORD"}}));
    set_field(r, "database", c.database,
              first_of({{in.cs.database, in.cs_source},
                        {from_map(in.sv(), "dbname"), in.svc_source},
                        {std::string("postgres"), "default"}}));
    set_field(r, "sslmode", c.sslmode,
              first_of({{opt(in.flags.sslmode), "--sslmode"},
                        {in.cs.sslmode, in.cs_source},
                        {from_map(in.sv(), "sslmode"), in.svc_source},
                        {non_empty(in.env, "PGSSLMODE"), "$PGSSLMODE"},
                        {std::string("prefer"), "default"}}));
    r.maintenance_db = c.database;
    r.sources["maintenance"] = r.sources["database"];
    if (in.yaml.host || in.yaml.port || in.yaml.username || in.yaml.database || in.yaml.sslmode ||
        in.yaml.maintenance_database) {
        r.notes.push_back(fmt::format(
            "pgmi.yaml connection host/port/username/database/sslmode/maintenance_database "
            "ignored: the {} gives the whole address",
            in.cs_source));
    }
    return Status::ok();
}

/// 3b. Granular path: flag > service > PG* variable > pgmi.yaml > default.
Status address_from_parts(const Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    set_field(r, "host", c.host,
              first_of({{opt(in.flags.host), "--host"},
                        {from_map(in.sv(), "host"), in.svc_source},
                        {non_empty(in.env, "PGHOST"), "$PGHOST"},
                        {opt(in.yaml.host), "pgmi.yaml connection.host"},
                        {std::string("localhost"), "default"}}));
    if (in.flags.port != 0) {
        if (in.flags.port < 1 || in.flags.port > 65535) {
            return config_error(
                fmt::format("invalid --port flag: invalid port {}: must be between 1 and 65535",
                            in.flags.port));
        }
        c.port = in.flags.port;
        r.sources["port"] = "--port";
    } else if (auto sp = from_map(in.sv(), "port")) {
        auto p = port_from_text(*sp, in.svc_source + " port");
        if (!p)
            return std::move(p).error();
        c.port = *p;
        r.sources["port"] = in.svc_source;
    } else if (auto ep = non_empty(in.env, "PGPORT")) {
        auto p = port_from_text(*ep, "$PGPORT");
        if (!p)
            return std::move(p).error();
        c.port = *p;
        r.sources["port"] = "$PGPORT";
    } else if (in.yaml.port && *in.yaml.port != 0) {
        if (*in.yaml.port < 1 || *in.yaml.port > 65535) {
            return config_error(fmt::format(
                "invalid port {} in pgmi.yaml connection.port: must be between 1 and 65535",
                *in.yaml.port));
        }
        c.port = *in.yaml.port;
        r.sources["port"] = "pgmi.yaml connection.port";
    } else {
        c.port = 5432;
        r.sources["port"] = "default";
    }
    set_field(r, "user", c.username,
              first_of({{opt(in.flags.username), "-U"},
                        {from_map(in.sv(), "user"), in.svc_source},
                        {non_empty(in.env, "PGUSER"), "$PGUSER"},
                        {opt(in.yaml.username), "pgmi.yaml connection.username"},
                        {non_empty(in.env, "USER"), "$USER"},
                        {non_empty(in.env, "USERNAME"), "$USERNAME"},
                        {os_user(), "OS user"}}));
    set_field(r, "password", c.password,
              first_of({{from_map(in.sv(), "password"), in.svc_source},
                        {non_empty(in.env, "PGPASSWORD"), "$PGPASSWORD"}}));
    set_field(r, "database", c.database,
              first_of({{from_map(in.sv(), "dbname"), in.svc_source},
                        {non_empty(in.env, "PGDATABASE"), "$PGDATABASE"},
                        {opt(in.yaml.database), "pgmi.yaml connection.database"}}));
    set_field(r, "sslmode", c.sslmode,
              first_of({{opt(in.flags.sslmode), "--sslmode"},
                        {from_map(in.sv(), "sslmode"), in.svc_source},
                        {non_empty(in.env, "PGSSLMODE"), "$PGSSLMODE"},
                        {opt(in.yaml.sslmode), "pgmi.yaml connection.sslmode"},
                        {std::string("prefer"), "default"}}));
    r.maintenance_db = "postgres";
    r.sources["maintenance"] = "default";
    if (auto m = opt(in.yaml.maintenance_database)) {
        r.maintenance_db = *m;
        r.sources["maintenance"] = "pgmi.yaml connection.maintenance_database";
    }
    return Status::ok();
}

/// 4. Both paths: application name, connect timeout, TLS files, key passphrase.
Status session_settings(const Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    set_field(r, "app_name", c.app_name,
              first_of({{in.cs.app_name, in.cs_source},
                        {from_map(in.sv(), "application_name"), in.svc_source},
                        {non_empty(in.env, "PGAPPNAME"), "$PGAPPNAME"},
                        {std::string("pgmi"), "default"}}));
    if (in.cs.connect_timeout) {
        c.connect_timeout = std::max(0, *in.cs.connect_timeout);
        r.sources["connect_timeout"] = in.cs_source;
    } else if (auto st = from_map(in.sv(), "connect_timeout")) {
        auto t = timeout_from_text(*st, in.svc_source + " connect_timeout");
        if (!t)
            return std::move(t).error();
        c.connect_timeout = *t;
        r.sources["connect_timeout"] = in.svc_source;
    } else if (auto et = non_empty(in.env, "PGCONNECT_TIMEOUT")) {
        auto t = timeout_from_text(*et, "$PGCONNECT_TIMEOUT");
        if (!t)
            return std::move(t).error();
        c.connect_timeout = *t;
        r.sources["connect_timeout"] = "$PGCONNECT_TIMEOUT";
    }
    set_field(r, "sslcert", c.sslcert,
              first_of({{opt(in.flags.sslcert), "--sslcert"},
                        {non_empty(in.env, "PGSSLCERT"), "$PGSSLCERT"},
                        {opt(in.yaml.sslcert), "pgmi.yaml connection.sslcert"},
                        {in.cs.sslcert, in.cs_source},
                        {from_map(in.sv(), "sslcert"), in.svc_source}}));
    set_field(r, "sslkey", c.sslkey,
              first_of({{opt(in.flags.sslkey), "--sslkey"},
                        {non_empty(in.env, "PGSSLKEY"), "$PGSSLKEY"},
                        {opt(in.yaml.sslkey), "pgmi.yaml connection.sslkey"},
                        {in.cs.sslkey, in.cs_source},
                        {from_map(in.sv(), "sslkey"), in.svc_source}}));
    set_field(r, "sslrootcert", c.sslrootcert,
              first_of({{opt(in.flags.sslrootcert), "--sslrootcert"},
                        {non_empty(in.env, "PGSSLROOTCERT"), "$PGSSLROOTCERT"},
                        {opt(in.yaml.sslrootcert), "pgmi.yaml connection.sslrootcert"},
                        {in.cs.sslrootcert, in.cs_source},
                        {from_map(in.sv(), "sslrootcert"), in.svc_source}}));
    set_field(r, "sslpassword", c.sslpassword,
              first_of({{non_empty(in.env, "PGSSLPASSWORD"), "$PGSSLPASSWORD"},
                        {in.cs.sslpassword, in.cs_source}}));

    return Status::ok();
}

/// 6. Pass-through keywords, TCP liveness, and the password file: pgmi reads it (single host) so
/// it can check its permissions.
void passfile_and_liveness(Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    std::optional<Pick> passfile = first_of({{from_map(in.cs.params, "passfile"), in.cs_source},
                                             {from_map(in.sv(), "passfile"), in.svc_source}});
    in.cs.params.erase("passfile");
    c.additional_params = in.cs.params;

    // TCP liveness (a dead network path ends a blocked connection): the user's values where
    // the connection string or the service sets them, pgmi's for the rest.
    for (const char* key : kLivenessKeywords) {
        if (auto v = from_map(in.cs.params, key)) {
            r.sources[key] = *v + " (" + in.cs_source + ")";
        } else if (auto sv_value = from_map(in.sv(), key)) {
            r.sources[key] = *sv_value + " (" + in.svc_source + ")";
        }
    }
    c.liveness =
        tcp_liveness_defaults([&r](const std::string& key) { return r.sources.count(key) > 0; });
    if (c.auth == AuthMethod::Standard && c.host.find(',') == std::string::npos) {
        std::filesystem::path path =
            password_file_path(passfile ? std::optional(passfile->value) : std::nullopt, in.env);
        std::string source = passfile                          ? passfile->source
                             : non_empty(in.env, "PGPASSFILE") ? "$PGPASSFILE"
                                                               : "default";
        if (!path.empty()) {
            c.password_file = load_password_file(path);
            r.sources["passfile"] = source;
            if (!c.password_file->warning.empty())
                r.warnings.push_back(c.password_file->warning);
        }
    }
}

/// 7. Target and maintenance database (connections §5.6).
Status target_and_maintenance(const Inputs& in, ResolvedConnection& r) {
    ConnectionConfig& c = r.config;
    if (auto d = opt(in.flags.database)) {
        r.target_db = *d;
        r.sources["target"] = "-d";
        if (in.conn_string && *d != c.database) {
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
    return Status::ok();
}

}  // namespace

bool has_connection_source(const ConnectionFlags& flags, const EnvLookup& env,
                           const config::YamlConnection& yaml) {
    const CloudFlags& c = flags.cloud;
    const bool cloud_flag = c.azure || c.aws || c.google || c.azure_tenant_id ||
                            c.azure_client_id || c.aws_region || c.google_instance ||
                            c.google_ip_type;
    auto given = [](const std::optional<std::string>& v) { return v && !v->empty(); };
    return given(flags.connection) || given(flags.host) || given(flags.database) || cloud_flag ||
           non_empty(env, "PGMI_CONNECTION_STRING") || non_empty(env, "DATABASE_URL") ||
           (non_empty(env, "PGHOST") && non_empty(env, "PGDATABASE")) ||
           non_empty(env, "PGSERVICE") || given(yaml.host) || given(yaml.database) ||
           given(yaml.google_instance);
}

Result<ResolvedConnection> resolve(const ConnectionFlags& flags, const EnvLookup& env,
                                   const config::YamlConnection& yaml) {
    ResolvedConnection r;
    r.overwrite = flags.overwrite;
    r.force = flags.force;
    if (flags.sslmode && !valid_sslmode(*flags.sslmode)) {
        return config_error(fmt::format(
            "invalid --sslmode \"{}\" (valid: disable, allow, prefer, require, verify-ca, "
            "verify-full)",
            *flags.sslmode));
    }

    Inputs in{flags, env, yaml, {}, {}, {}, {}, {}, {}};
    if (Status s = choose_connection_string(in, r); !s)
        return std::move(s).error();
    if (Status s = read_string_and_service(in, r); !s)
        return std::move(s).error();
    if (Status s = in.conn_string ? address_from_string(in, r) : address_from_parts(in, r); !s)
        return std::move(s).error();
    if (Status s = check_sslmode(r.config.sslmode, r.sources["sslmode"]); !s)
        return std::move(s).error();
    if (Status s = session_settings(in, r); !s)
        return std::move(s).error();
    // 5. Cloud authentication (connections §5.8): the method, its companion values, the TLS floor.
    if (Status s = resolve_cloud(flags.cloud, env, yaml, r); !s)
        return std::move(s).error();
    passfile_and_liveness(in, r);
    if (Status s = target_and_maintenance(in, r); !s)
        return std::move(s).error();
    r.sources.erase("database");
    return r;
}

}  // namespace pgmi::conn
