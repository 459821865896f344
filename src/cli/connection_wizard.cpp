#include "cli/connection_wizard.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>

#include "config/project_config.hpp"
#include "conn/connection_string.hpp"
#include "conn/connector.hpp"
#include "report/human.hpp"
#include "report/redact.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAzureSuffix = ".postgres.database.azure.com";
constexpr std::chrono::seconds kTestTimeout{10};

/// Nothing of the answers is a default any more once the user saw it; these fill a form the
/// first time it is shown.
constexpr std::string_view kLocalHost = "localhost";
constexpr std::string_view kMaintenance = "postgres";
constexpr std::string_view kLocalUser = "postgres";

const char* provider_name(Provider p) {
    switch (p) {
        case Provider::Local:
            return "Local / On-Premises";
        case Provider::Azure:
            return "Azure Database for PostgreSQL";
        case Provider::Aws:
            return "AWS RDS PostgreSQL";
        case Provider::Google:
            return "Google Cloud SQL";
        case Provider::Other:
            return "Other / Connection String";
    }
    return "";
}

const char* identity_name(Provider p) {
    switch (p) {
        case Provider::Azure:
            return "Azure Entra ID";
        case Provider::Aws:
            return "AWS IAM";
        case Provider::Google:
            return "Google Cloud SQL IAM";
        default:
            return "";
    }
}

bool has_auth_choice(Provider p) {
    return p == Provider::Azure || p == Provider::Aws || p == Provider::Google;
}

bool password_form(const ConnectionAnswers& a) {
    return a.provider == Provider::Local || (has_auth_choice(a.provider) && !a.cloud_identity);
}

/// An Azure server given by its short name gets the service's domain.
std::string azure_host(const std::string& server) {
    if (server.empty() || server.find('.') != std::string::npos)
        return server;
    return server + std::string(kAzureSuffix);
}

using Validator = ui::Wizard::Validator;

Validator required(const std::string& message) {
    return [message](const std::string& v) -> std::optional<std::string> {
        if (util::trim(v).empty())
            return message;
        return std::nullopt;
    };
}

std::optional<std::string> check_host(const std::string& v, const std::string& missing) {
    if (util::trim(v).empty())
        return missing;
    if (v.find_first_of(" \t") != std::string::npos)
        return "a host name has no spaces";
    // A pasted connection string may hold a password; the host field never keeps one.
    if (v.find("://") != std::string::npos || v.find_first_of("@=") != std::string::npos)
        return "enter a host name, IP address or socket directory; for a connection string "
               "choose \"Other / Connection String\"";
    return std::nullopt;
}

std::optional<int> parse_port(const std::string& v) {
    if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const int port = std::stoi(v);
    if (port < 1 || port > 65535)
        return std::nullopt;
    return port;
}

/// project:region:instance (the project may itself hold a ':', as in domain-scoped projects).
std::optional<std::string> check_instance(const std::string& v) {
    if (util::trim(v).empty())
        return "instance connection name is required";
    const size_t last = v.rfind(':');
    const size_t middle =
        last == std::string::npos || last == 0 ? std::string::npos : v.rfind(':', last - 1);
    if (middle == std::string::npos || middle == 0 || middle + 1 == last || last + 1 == v.size() ||
        v.find_first_of(" \t/") != std::string::npos)
        return "the instance connection name reads project:region:instance";
    return std::nullopt;
}

/// The environment the connection test resolves with: only what says how to authenticate (the
/// password file, $PGPASSWORD, TLS files) and who the user is. Variables that name another
/// server, database or provider ($DATABASE_URL, $PGHOST, $AZURE_*) would test something other
/// than what the form shows.
EnvLookup test_env(const EnvLookup& env) {
    return [env](std::string_view name) -> std::optional<std::string> {
        static constexpr std::array<std::string_view, 10> kKept = {
            "HOME",       "USER",      "USERNAME", "LOGNAME",       "PGPASSFILE",
            "PGPASSWORD", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT", "PGSSLPASSWORD"};
        for (const auto kept : kKept) {
            if (name == kept)
                return env(name);
        }
        return std::nullopt;
    };
}

/// The connection the answers describe, resolved the way a deploy resolves it.
Result<conn::ResolvedConnection> resolve_answers(const ConnectionAnswers& a,
                                                 const config::ConnectionSettings& settings,
                                                 const EnvLookup& env) {
    config::YamlConnection yaml;
    if (!settings.maintenance_database.empty())
        yaml.maintenance_database = settings.maintenance_database;
    auto r = conn::resolve(flags_for(a), test_env(env), yaml);
    if (!r)
        return r.error();
    if (!a.password.empty())
        r->config.password = a.password;  // typed in the wizard: beats $PGPASSWORD here
    return r;
}

void say(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

struct TestOutcome {
    bool ok = false;
    std::string text;  // the server's version, or the redacted failure
};

TestOutcome test_connection(const conn::ResolvedConnection& resolved,
                            const report::Redactor& redact) {
    conn::ConnectionConfig config = resolved.config;
    if (config.connect_timeout == 0)
        config.connect_timeout = static_cast<int>(kTestTimeout.count());
    conn::ConnectorOptions options;
    options.retry.attempts = 1;
    auto connector = conn::make_connector(config, options);
    if (!connector)
        return {false, redact(connector.error().message)};
    auto connection = (*connector)->connect(resolved.maintenance_db, Deadline::after(kTestTimeout));
    if (!connection)
        return {false, redact(connection.error().message)};
    auto version = connection->exec("SELECT version()");
    if (!version || version->rows() < 1)
        return {false, version ? std::string("SELECT version() returned no row")
                               : redact(version.error().message)};
    std::string text(version->value(0, 0));
    if (const size_t comma = text.find(','); comma != std::string::npos)
        text.resize(comma);
    return {true, text};
}

/// One field of a form.
struct Field {
    std::string label;
    std::string* value;
    Validator validate;
    bool secret = false;
    ui::Display display;
};

/// Asks `fields` in order; Esc goes to the previous one (Back from the first).
ui::Step ask_fields(ui::Wizard& w, const std::vector<Field>& fields) {
    size_t i = 0;
    while (i < fields.size()) {
        const Field& f = fields[i];
        ui::Answer<std::string> a = f.secret
                                        ? w.secret(f.label)
                                        : w.text(f.label, *f.value, nullptr, f.validate, f.display);
        if (a.step == ui::Step::Cancel)
            return ui::Step::Cancel;
        if (a.step == ui::Step::Back) {
            if (i == 0)
                return ui::Step::Back;
            --i;
            continue;
        }
        *f.value = f.secret ? a.value : std::string(util::trim(a.value));
        ++i;
    }
    return ui::Step::Next;
}

/// The fields of the form for the chosen provider and authentication.
class Form {
  public:
    Form(ConnectionAnswers& a, const EnvLookup& env, bool saving)
        : a_(a), env_(env), saving_(saving) {}

    /// Fills defaults the first time a kind of form is shown (values typed earlier are kept).
    void prepare() {
        const int kind = static_cast<int>(a_.provider) * 2 + (a_.cloud_identity ? 1 : 0);
        if (kind == kind_)
            return;
        kind_ = kind;
        const ConnectionAnswers old = a_;
        a_ = ConnectionAnswers{.provider = old.provider, .cloud_identity = old.cloud_identity};
        a_.database = old.database;
        if (password_form(a_)) {
            a_.host = a_.provider == Provider::Local ? std::string(kLocalHost) : std::string();
            a_.maintenance_database = std::string(kMaintenance);
            a_.username = std::string(kLocalUser);
        } else if (a_.provider == Provider::Aws) {
            a_.aws_region = non_empty(env_, "AWS_REGION")
                                .value_or(non_empty(env_, "AWS_DEFAULT_REGION").value_or(""));
        }
        port_text_ = "5432";
    }

    ui::Step ask(ui::Wizard& w) {
        const Validator database = required("database name is required");
        const Validator host = [](const std::string& v) {
            return check_host(v, "host is required");
        };
        const Validator port = [](const std::string& v) -> std::optional<std::string> {
            if (!parse_port(v))
                return "port must be a number between 1 and 65535";
            return std::nullopt;
        };
        std::vector<Field> fields;
        if (a_.provider == Provider::Other) {
            const bool saving = saving_;
            fields.push_back(
                {"Connection string (URI or ADO.NET)", &a_.connection_string,
                 [saving](const std::string& v) -> std::optional<std::string> {
                     if (util::trim(v).empty())
                         return "connection string is required";
                     ConnectionAnswers probe{.provider = Provider::Other, .connection_string = v};
                     auto parsed = settings_for(probe);
                     if (!parsed && (saving || parsed.error().message.rfind(
                                                   "invalid connection string", 0) == 0))
                         return report::redact_patterns(parsed.error().message);
                     return std::nullopt;
                 },
                 false, mask_connection_password});
        } else if (password_form(a_)) {
            fields.push_back({"Host", &a_.host, host});
            fields.push_back({"Port", &port_text_, port});
            fields.push_back({"Database", &a_.database, database});
            fields.push_back({"Maintenance database", &a_.maintenance_database, nullptr});
            fields.push_back({"Username", &a_.username, nullptr});
            fields.push_back({"Password", &a_.password, nullptr, true});
        } else if (a_.provider == Provider::Azure) {
            fields.push_back(
                {"Server (name or full host name)", &a_.host,
                 [](const std::string& v) { return check_host(v, "server name is required"); }});
            fields.push_back({"Database", &a_.database, database});
            fields.push_back({"Username (Entra ID user or group)", &a_.username, nullptr});
        } else if (a_.provider == Provider::Aws) {
            fields.push_back({"Host (RDS endpoint)", &a_.host, host});
            fields.push_back({"Port", &port_text_, port});
            fields.push_back({"Database", &a_.database, database});
            fields.push_back({"Username (IAM database user)", &a_.username, nullptr});
            fields.push_back(
                {"Region (empty: from the AWS profile or the host)", &a_.aws_region, nullptr});
        } else {  // Google IAM
            fields.push_back(
                {"Instance (project:region:instance)", &a_.google_instance, check_instance});
            fields.push_back({"Database", &a_.database, database});
            fields.push_back(
                {"Username (IAM user; empty: the credentials' principal)", &a_.username, nullptr});
        }
        const ui::Step step = ask_fields(w, fields);
        if (step == ui::Step::Next) {
            a_.port = parse_port(port_text_).value_or(5432);
            if (a_.provider == Provider::Azure && a_.cloud_identity)
                a_.host = azure_host(a_.host);
        }
        return step;
    }

  private:
    ConnectionAnswers& a_;
    const EnvLookup& env_;
    bool saving_;
    int kind_ = -1;
    std::string port_text_ = "5432";
};

/// Shows "Target: ..." and the test's outcome; true when the connection worked (or is a cloud
/// identity, which is only obtained at deploy time).
bool run_test_step(ui::Wizard& w, const ui::Terminal& term, const ConnectionSetup& setup,
                   const EnvLookup& env) {
    const ConnectionAnswers& a = setup.answers;
    if (a.cloud_identity) {
        const std::string where = a.provider == Provider::Google
                                      ? a.google_instance + "/" + a.database
                                      : fmt::format("{}:{}/{}", a.host, a.port, a.database);
        w.note(fmt::format("\nTarget: {}", where));
        w.note(
            fmt::format("{} is configured; its token is obtained when you deploy, so the "
                        "connection is not tested here.",
                        identity_name(a.provider)));
        return true;
    }
    report::Redactor redact;
    redact.add_secret(setup.password);
    auto resolved = resolve_answers(a, setup.settings, env);
    if (!resolved) {
        w.note("");
        w.error(report::terminal_safe(redact(resolved.error().message)));
        return false;
    }
    w.note(fmt::format("\nTarget: {}/{}", report::terminal_safe(resolved->config.address()),
                       report::terminal_safe(resolved->maintenance_db)));
    say("Testing the connection...");
    const TestOutcome outcome = test_connection(*resolved, redact);
    say("\r\x1b[2K");
    if (outcome.ok) {
        w.note(
            fmt::format("{} Connected: {}", term.ok_icon(), report::terminal_safe(outcome.text)));
        return true;
    }
    w.note(fmt::format("{} Connection failed", term.fail_icon()));
    w.note(report::terminal_safe(outcome.text));
    return false;
}

/// Where a password for this setup would be saved: the server, any database (a role's password
/// is the same in every database, and a deploy connects to the maintenance database too), the
/// user. Unset when there is no password or no user to name.
std::optional<conn::PgpassKey> pgpass_key_for(const ConnectionSetup& setup, const EnvLookup& env) {
    if (setup.password.empty())
        return std::nullopt;
    auto resolved = resolve_answers(setup.answers, setup.settings, env);
    if (!resolved || resolved->config.username.empty())
        return std::nullopt;
    const conn::ConnectionConfig& c = resolved->config;
    std::string host = c.first_host();
    if (host.empty() || host.front() == '/' || host.front() == '@')
        host = "localhost";  // libpq matches a Unix-socket connection as localhost
    const int port = c.first_port();
    return conn::PgpassKey{.host = host,
                           .port = std::to_string(port > 0 ? port : 5432),
                           .database = "*",
                           .user = c.username};
}

}  // namespace

Result<config::ConnectionSettings> settings_for(const ConnectionAnswers& a,
                                                std::vector<std::string>* unsaved) {
    config::ConnectionSettings s;
    s.database = a.database;
    s.username = a.username;
    if (a.provider == Provider::Other) {
        auto parsed = conn::parse_connection_string(util::trim(a.connection_string));
        if (!parsed)
            return parsed.error().wrapped("invalid connection string");
        const conn::ConnectionString& cs = *parsed;
        if (cs.hosts.size() > 1) {
            return make_error(ErrorKind::Config,
                              "pgmi.yaml holds one host; for several, keep the connection string "
                              "in $PGMI_CONNECTION_STRING or pass --connection");
        }
        s.host = cs.hosts.empty() || cs.hosts.front().empty() ? std::string(kLocalHost)
                                                              : cs.hosts.front();
        s.port = cs.ports.empty() || cs.ports.front() == 0 ? 5432 : cs.ports.front();
        s.database = cs.database.value_or("postgres");
        s.maintenance_database = std::string(kMaintenance);
        s.username = cs.user.value_or("");
        s.sslmode = cs.sslmode.value_or("");
        s.sslcert = cs.sslcert.value_or("");
        s.sslkey = cs.sslkey.value_or("");
        s.sslrootcert = cs.sslrootcert.value_or("");
        if (unsaved != nullptr) {
            unsaved->clear();
            if (cs.sslpassword)
                unsaved->emplace_back("sslpassword");
            if (cs.app_name)
                unsaved->emplace_back("application_name");
            if (cs.connect_timeout)
                unsaved->emplace_back("connect_timeout");
            for (const auto& [key, value] : cs.params)
                unsaved->push_back(key);
        }
        return s;
    }
    s.host = a.host;
    s.port = a.port;
    if (password_form(a)) {
        s.maintenance_database = a.maintenance_database;
        s.sslmode = a.provider == Provider::Local ? "prefer" : "require";
        return s;
    }
    switch (a.provider) {
        case Provider::Azure:
            s.port = 5432;
            s.sslmode = "require";
            s.auth_method = "azure";
            break;
        case Provider::Aws:
            s.sslmode = "require";
            s.auth_method = "aws";
            s.aws_region = a.aws_region;
            break;
        default:  // Google: the Cloud SQL connector dials the instance with its own TLS
            s.host.clear();
            s.port = 0;
            s.sslmode.clear();
            s.auth_method = "google";
            s.google_instance = a.google_instance;
            break;
    }
    return s;
}

conn::ConnectionFlags flags_for(const ConnectionAnswers& a) {
    conn::ConnectionFlags f;
    if (a.provider == Provider::Other) {
        f.connection = std::string(util::trim(a.connection_string));
        return f;
    }
    auto s = settings_for(a);
    if (!s)
        return f;
    auto set = [](std::optional<std::string>& flag, const std::string& value) {
        if (!value.empty())
            flag = value;
    };
    set(f.host, s->host);
    f.port = s->port;
    set(f.username, s->username);
    set(f.database, s->database);
    set(f.sslmode, s->sslmode);
    if (s->auth_method == "azure") {
        f.cloud.azure = true;
    } else if (s->auth_method == "aws") {
        f.cloud.aws = true;
        if (!s->aws_region.empty())
            f.cloud.aws_region = s->aws_region;
    } else if (s->auth_method == "google") {
        f.cloud.google = true;
        f.cloud.google_instance = s->google_instance;
    }
    return f;
}

std::string mask_connection_password(const std::string& text) {
    std::vector<bool> masked(text.size(), false);
    // scheme://user:password@host: the password runs from the first ':' after the scheme to the
    // last '@' before the path.
    if (const size_t scheme = text.find("://"); scheme != std::string::npos) {
        const size_t start = scheme + 3;
        size_t end = text.find_first_of("/?#", start);
        if (end == std::string::npos)
            end = text.size();
        const size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
        const size_t colon = text.find(':', start);
        if (at != std::string::npos && at >= start) {
            if (colon != std::string::npos && colon < at) {
                for (size_t i = colon + 1; i < at; ++i)
                    masked[i] = true;
            }
        } else if (end == text.size() && colon != std::string::npos) {
            // Still being typed: "user:pass" and "host:port" look alike until an '@' or a '/'
            // comes, and a password must not show even for a moment.
            for (size_t i = colon + 1; i < end; ++i)
                masked[i] = true;
        }
    }
    // password=... / pwd=... (ADO.NET, key=value, a URI query): up to ';', '&' or a blank.
    const std::string lower = util::to_lower(text);
    for (const std::string_view key : {"password", "pwd"}) {
        size_t from = 0;
        while ((from = lower.find(key, from)) != std::string::npos) {
            size_t i = from + key.size();
            from = i;
            while (i < text.size() && text[i] == ' ')
                ++i;
            if (i >= text.size() || text[i] != '=')
                continue;
            ++i;
            while (i < text.size() && text[i] == ' ')
                ++i;
            while (i < text.size() && text[i] != ';' && text[i] != '&' && text[i] != ' ')
                masked[i++] = true;
        }
    }
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (!masked[i]) {
            out += text[i];
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            out += '*';  // one '*' per character: continuation bytes add nothing
        }
    }
    return out;
}

ui::Answer<ConnectionSetup> run_connection_wizard(ui::Wizard& w, const ui::Terminal& term,
                                                  const EnvLookup& env,
                                                  const WizardOptions& options) {
    constexpr std::array<Provider, 5> kProviders = {Provider::Local, Provider::Azure, Provider::Aws,
                                                    Provider::Google, Provider::Other};
    w.title("pgmi - Connection Setup");
    ConnectionSetup setup;
    ConnectionAnswers& a = setup.answers;
    Form form(a, env, options.saving);
    size_t provider_index = 0;
    size_t auth_index = 0;
    enum class At { Provider, Auth, Fields, Test } at = At::Provider;
    for (;;) {
        if (at == At::Provider) {
            std::vector<ui::Choice> choices;
            choices.reserve(kProviders.size());
            for (const Provider p : kProviders) {
                const bool refused = p == Provider::Other && !options.granular_flags.empty();
                choices.push_back(
                    {provider_name(p), refused ? "not with " + options.granular_flags : ""});
            }
            auto c = w.choose("Where is your PostgreSQL?", choices, provider_index);
            if (c.step != ui::Step::Next)
                return {c.step, {}};
            provider_index = c.value;
            if (kProviders.at(c.value) == Provider::Other && !options.granular_flags.empty()) {
                // The resolver refuses a connection string beside -h/-p/-U, and would blame
                // --connection, which the user never typed: say it here, where it can be mended.
                w.error(fmt::format(
                    "a connection string cannot be combined with {} from the command line; "
                    "choose another provider, or press Ctrl+C and run again without {}",
                    options.granular_flags, options.granular_flags));
                continue;
            }
            a.provider = kProviders.at(c.value);
            a.cloud_identity = false;
            at = has_auth_choice(a.provider) ? At::Auth : At::Fields;
        } else if (at == At::Auth) {
            const std::string identity = a.provider == Provider::Azure ? "Entra ID" : "IAM";
            auto c = w.choose("How does pgmi authenticate?",
                              {{identity, "a token from your cloud credentials, no password"},
                               {"Password", "a database user and password"}},
                              auth_index);
            if (c.step == ui::Step::Cancel)
                return {ui::Step::Cancel, {}};
            if (c.step == ui::Step::Back) {
                at = At::Provider;
                continue;
            }
            auth_index = c.value;
            a.cloud_identity = c.value == 0;
            at = At::Fields;
        } else if (at == At::Fields) {
            form.prepare();
            const ui::Step step = form.ask(w);
            if (step == ui::Step::Cancel)
                return {ui::Step::Cancel, {}};
            if (step == ui::Step::Back) {
                at = has_auth_choice(a.provider) ? At::Auth : At::Provider;
                continue;
            }
            auto settings = settings_for(a, &setup.unsaved);
            if (!settings) {  // the form validated it; a parse can still refuse
                w.error(report::redact_patterns(settings.error().message));
                continue;
            }
            setup.settings = *settings;
            setup.password = a.password;
            if (a.provider == Provider::Other) {
                if (auto cs = conn::parse_connection_string(util::trim(a.connection_string));
                    cs && cs->password)
                    setup.password = *cs->password;
            }
            at = At::Test;
        } else {
            if (run_test_step(w, term, setup, env))
                break;
            auto c = w.choose("The connection failed. What now?",
                              {{"Change the settings", ""},
                               {"Keep them anyway", "e.g. a server only your deploy host reaches"}},
                              0);
            if (c.step == ui::Step::Cancel)
                return {ui::Step::Cancel, {}};
            if (c.step == ui::Step::Back || c.value == 0) {
                at = At::Fields;
                continue;
            }
            break;
        }
    }
    if (!setup.unsaved.empty()) {
        w.note(
            fmt::format("Not kept in pgmi.yaml (it has no key for them): {}. Give them in "
                        "$PGMI_CONNECTION_STRING or --connection when you deploy.",
                        fmt::join(setup.unsaved, ", ")));
    }
    setup.pgpass_key = pgpass_key_for(setup, env);
    return {ui::Step::Next, std::move(setup)};
}

Status save_connection(const fs::path& dir, const config::ConnectionSettings& settings,
                       std::optional<mode_t> mode_wanted) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return make_error(ErrorKind::General, fmt::format("{} is not a directory", dir.string()));
    }
    const fs::path yaml = dir / "pgmi.yaml";
    util::ReadResult current =
        util::read_regular_file(yaml, {.max_bytes = config::kMaxProjectConfigBytes,
                                       .follow_symlinks = false,
                                       .limit_for = "pgmi.yaml"});
    if (!current && !current.missing())
        return current.to_error(ErrorKind::Config);
    // A file that does not parse may hold work the user wants back: it is never replaced, even
    // when the fault lies inside the block that would be.
    if (current) {
        if (auto parsed = config::parse_project_config(current.value(), yaml.string()); !parsed)
            return parsed.error();
    }
    util::WriteOptions mode{.mode = 0600, .exact_mode = true};
    if (mode_wanted) {
        mode.mode = *mode_wanted;
    } else if (current) {
        struct stat st {};
        if (::lstat(yaml.c_str(), &st) == 0)
            mode.mode = st.st_mode & 07777;
    }
    auto merged = config::merge_connection(current ? current.value() : std::string(), settings);
    if (!merged)
        return merged.error();
    return util::write_file_atomic(yaml, *merged, mode);
}

void offer_pgpass(ui::Wizard& w, const ConnectionSetup& setup, const EnvLookup& env) {
    if (setup.password.empty())
        return;
    const std::string tip =
        "Tip: when you deploy, give the password with $PGPASSWORD, a line in ~/.pgpass, or a "
        "connection string in $PGMI_CONNECTION_STRING.";
    if (!setup.pgpass_key) {
        w.note(tip);
        return;
    }
    auto a = w.confirm("Save the password to .pgpass for future sessions?", true);
    if (a.step != ui::Step::Next || !a.value) {
        w.note(tip);
        return;
    }
    const fs::path path = conn::password_file_path(std::nullopt, env);
    if (path.empty()) {
        w.note("WARNING: failed to save .pgpass: no home directory and no $PGPASSFILE");
        return;
    }
    if (Status s = conn::save_pgpass(path, *setup.pgpass_key, setup.password); !s) {
        report::Redactor redact;
        redact.add_secret(setup.password);
        w.note("WARNING: failed to save .pgpass: " +
               report::terminal_safe(redact(s.error().message)));
        return;
    }
    w.note("Saved to " + report::terminal_safe(path.string()));
}

}  // namespace pgmi::cli
