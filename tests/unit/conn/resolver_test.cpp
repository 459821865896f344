// Resolution: one table row per field and source, asserting both the value and the source
// --verbose names; then conflicts, validation, the password file, and what describe() shows.
#include "conn/resolver.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/support.hpp"

namespace pgmi::conn {
namespace {

/// A home directory without a .pgpass, and a service file with service "svc".
class Fixture {
  public:
    Fixture() {
        dir_.write("home/.keep", "");
        dir_.write("services.conf",
                   "[svc]\nhost=svc-host\nport=6001\nuser=svc-user\ndbname=svc-db\n"
                   "sslmode=verify-ca\napplication_name=svc-app\nconnect_timeout=11\n"
                   "sslcert=/svc.crt\nsslkey=/svc.key\nsslrootcert=/svc-ca.crt\n"
                   "passfile=/svc.pgpass\n"
                   "[svc-tcp]\nhost=tcp-host\nkeepalives_idle=5\n");
    }
    std::map<std::string, std::string> base_env() const {
        return {{"HOME", (dir_.path() / "home").string()},
                {"PGSERVICEFILE", (dir_.path() / "services.conf").string()},
                {"PGSYSCONFDIR", (dir_.path() / "nowhere").string()}};
    }
    const test::TempDir& dir() const { return dir_; }

  private:
    test::TempDir dir_;
};

const Fixture& fixture() {
    static Fixture f;
    return f;
}

Result<ResolvedConnection> resolve_with(ConnectionFlags flags,
                                        std::map<std::string, std::string> env,
                                        config::YamlConnection yaml = {}) {
    std::map<std::string, std::string> all = fixture().base_env();
    for (auto& [k, v] : env)
        all[k] = v;
    return resolve(flags, env_from(std::move(all)), yaml);
}

std::string os_user() {
    const passwd* pw = getpwuid(geteuid());
    return pw != nullptr ? pw->pw_name : "";
}

std::string field(const ResolvedConnection& r, const std::string& f) {
    const ConnectionConfig& c = r.config;
    if (f == "host")
        return c.host;
    if (f == "port")
        return std::to_string(c.port);
    if (f == "user")
        return c.username;
    if (f == "password")
        return c.password;
    if (f == "target")
        return r.target_db;
    if (f == "maintenance")
        return r.maintenance_db;
    if (f == "sslmode")
        return c.sslmode;
    if (f == "sslcert")
        return c.sslcert;
    if (f == "sslkey")
        return c.sslkey;
    if (f == "sslrootcert")
        return c.sslrootcert;
    if (f == "sslpassword")
        return c.sslpassword;
    if (f == "app_name")
        return c.app_name;
    if (f == "connect_timeout")
        return std::to_string(c.connect_timeout);
    if (f == "service")
        return c.service;
    if (f == "passfile")
        return c.password_file ? c.password_file->path.string() : "";
    ADD_FAILURE() << "unknown field " << f;
    return "";
}

struct Row {
    std::string field;
    std::string value;
    std::string source;  // "" = no source recorded
    ConnectionFlags flags;
    std::map<std::string, std::string> env;
    config::YamlConnection yaml;
};

const config::YamlConnection kYaml{.host = "yhost",
                                   .port = 7000,
                                   .username = "yuser",
                                   .database = "ydb",
                                   .maintenance_database = "ymaint",
                                   .sslmode = "require",
                                   .sslcert = "/y.crt",
                                   .sslkey = "/y.key",
                                   .sslrootcert = "/y-ca.crt"};

const std::map<std::string, std::string> kPgEnv = {{"PGHOST", "ehost"},
                                                   {"PGPORT", "7001"},
                                                   {"PGUSER", "euser"},
                                                   {"PGDATABASE", "edb"},
                                                   {"PGSSLMODE", "disable"},
                                                   {"PGPASSWORD", "epw"},
                                                   {"PGAPPNAME", "eapp"},
                                                   {"PGCONNECT_TIMEOUT", "12"},
                                                   {"PGSSLCERT", "/e.crt"},
                                                   {"PGSSLKEY", "/e.key"},
                                                   {"PGSSLROOTCERT", "/e-ca.crt"},
                                                   {"PGSSLPASSWORD", "ekp"},
                                                   {"USER", "unixuser"},
                                                   {"USERNAME", "winuser"}};

std::map<std::string, std::string> env_plus(std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> e = kPgEnv;
    for (auto& [k, v] : extra)
        e[k] = v;
    return e;
}

std::map<std::string, std::string> env_without(std::initializer_list<const char*> drop) {
    std::map<std::string, std::string> e = kPgEnv;
    for (const char* d : drop)
        e.erase(d);
    return e;
}

const std::string kUri =
    "postgresql://suser:spw@shost:7003/sdb?sslmode=verify-full&sslcert=/s.crt&sslkey=/s.key"
    "&sslrootcert=/s-ca.crt&sslpassword=skp&application_name=sapp&connect_timeout=13"
    "&passfile=/s.pgpass";
const std::string kBareUri = "postgresql://shost";
const std::string kStr = "connection string (--connection)";
const std::string kSvc = "service \"svc\"";

TEST(ResolverPrecedence, EveryFieldFromEverySource) {
    const std::vector<Row> rows = {
        // ---- granular path: flag > service > PG* env > pgmi.yaml > default -----------------
        {"host", "fhost", "--host", {.host = "fhost"}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"host", "svc-host", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"host", "ehost", "$PGHOST", {}, kPgEnv, kYaml},
        {"host", "yhost", "pgmi.yaml connection.host", {}, env_without({"PGHOST"}), kYaml},
        {"host", "localhost", "default", {.database = "d"}, {}, {}},
        {"port", "7002", "--port", {.port = 7002}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"port", "6001", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"port", "7001", "$PGPORT", {}, kPgEnv, kYaml},
        {"port", "7000", "pgmi.yaml connection.port", {}, env_without({"PGPORT"}), kYaml},
        {"port", "5432", "default", {.database = "d"}, {}, {}},
        {"user", "fuser", "-U", {.username = "fuser"}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"user", "svc-user", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"user", "euser", "$PGUSER", {}, kPgEnv, kYaml},
        {"user", "yuser", "pgmi.yaml connection.username", {}, env_without({"PGUSER"}), kYaml},
        {"user", "unixuser", "$USER", {.database = "d"}, env_without({"PGUSER"}), {}},
        {"user", "winuser", "$USERNAME", {.database = "d"}, env_without({"PGUSER", "USER"}), {}},
        {"user", os_user(), "OS user", {.database = "d"}, {}, {}},
        {"password", "epw", "$PGPASSWORD", {}, kPgEnv, kYaml},
        {"password", "", "", {.database = "d"}, {}, {}},
        {"target", "fdb", "-d", {.database = "fdb"}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"target", "svc-db", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"target", "edb", "$PGDATABASE", {}, kPgEnv, kYaml},
        {"target", "ydb", "pgmi.yaml connection.database", {}, env_without({"PGDATABASE"}), kYaml},
        {"maintenance",
         "ymaint",
         "pgmi.yaml connection.maintenance_database",
         {.database = "fdb"},
         kPgEnv,
         kYaml},
        {"maintenance", "postgres", "default", {}, kPgEnv, kYaml},
        {"maintenance", "postgres", "default", {.database = "fdb"}, {}, {}},
        {"sslmode",
         "verify-full",
         "--sslmode",
         {.sslmode = "verify-full"},
         env_plus({{"PGSERVICE", "svc"}}),
         kYaml},
        {"sslmode", "verify-ca", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"sslmode", "disable", "$PGSSLMODE", {}, kPgEnv, kYaml},
        {"sslmode",
         "require",
         "pgmi.yaml connection.sslmode",
         {},
         env_without({"PGSSLMODE"}),
         kYaml},
        {"sslmode", "prefer", "default", {.database = "d"}, {}, {}},
        {"app_name", "svc-app", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"app_name", "eapp", "$PGAPPNAME", {}, kPgEnv, kYaml},
        {"app_name", "pgmi", "default", {.database = "d"}, {}, {}},
        {"connect_timeout", "11", kSvc, {}, env_plus({{"PGSERVICE", "svc"}}), kYaml},
        {"connect_timeout", "12", "$PGCONNECT_TIMEOUT", {}, kPgEnv, kYaml},
        {"connect_timeout", "0", "", {.database = "d"}, {}, {}},
        {"service",
         "svc",
         "$PGSERVICE, " + (fixture().dir().path() / "services.conf").string(),
         {},
         env_plus({{"PGSERVICE", "svc"}}),
         {}},
        // ---- TLS files: flag > PG* env > pgmi.yaml > connection string > service ---------
        {"sslcert",
         "/f.crt",
         "--sslcert",
         {.connection = kUri, .sslcert = "/f.crt"},
         kPgEnv,
         kYaml},
        {"sslcert", "/e.crt", "$PGSSLCERT", {.connection = kUri}, kPgEnv, kYaml},
        {"sslcert",
         "/y.crt",
         "pgmi.yaml connection.sslcert",
         {.connection = kUri},
         env_without({"PGSSLCERT"}),
         kYaml},
        {"sslcert", "/s.crt", kStr, {.connection = kUri}, env_without({"PGSSLCERT"}), {}},
        {"sslcert", "/svc.crt", kSvc, {.connection = kBareUri + "/d?service=svc"}, {}, {}},
        {"sslkey", "/f.key", "--sslkey", {.connection = kUri, .sslkey = "/f.key"}, kPgEnv, kYaml},
        {"sslkey", "/e.key", "$PGSSLKEY", {.connection = kUri}, kPgEnv, kYaml},
        {"sslkey",
         "/y.key",
         "pgmi.yaml connection.sslkey",
         {.connection = kUri},
         env_without({"PGSSLKEY"}),
         kYaml},
        {"sslkey", "/s.key", kStr, {.connection = kUri}, env_without({"PGSSLKEY"}), {}},
        {"sslkey", "/svc.key", kSvc, {.connection = kBareUri + "/d?service=svc"}, {}, {}},
        {"sslrootcert",
         "/f-ca.crt",
         "--sslrootcert",
         {.connection = kUri, .sslrootcert = "/f-ca.crt"},
         kPgEnv,
         kYaml},
        {"sslrootcert", "/e-ca.crt", "$PGSSLROOTCERT", {.connection = kUri}, kPgEnv, kYaml},
        {"sslrootcert",
         "/y-ca.crt",
         "pgmi.yaml connection.sslrootcert",
         {.connection = kUri},
         env_without({"PGSSLROOTCERT"}),
         kYaml},
        {"sslrootcert",
         "/s-ca.crt",
         kStr,
         {.connection = kUri},
         env_without({"PGSSLROOTCERT"}),
         {}},
        {"sslrootcert", "/svc-ca.crt", kSvc, {.connection = kBareUri + "/d?service=svc"}, {}, {}},
        {"sslpassword", "ekp", "$PGSSLPASSWORD", {.connection = kUri}, kPgEnv, {}},
        {"sslpassword", "skp", kStr, {.connection = kUri}, env_without({"PGSSLPASSWORD"}), {}},
        {"sslpassword", "ekp", "$PGSSLPASSWORD", {.database = "d"}, kPgEnv, {}},
        // ---- connection-string path: the string gives the address; PG* fill the rest ------
        {"host", "shost", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"host",
         "shost",
         "connection string ($PGMI_CONNECTION_STRING)",
         {},
         env_plus({{"PGMI_CONNECTION_STRING", kUri}, {"DATABASE_URL", "postgresql://other"}}),
         kYaml},
        {"host",
         "shost",
         "connection string ($DATABASE_URL)",
         {},
         env_plus({{"DATABASE_URL", kUri}}),
         kYaml},
        {"host", "svc-host", kSvc, {.connection = "postgresql:///d?service=svc"}, kPgEnv, kYaml},
        {"host", "localhost", "default", {.connection = "postgresql:///d"}, kPgEnv, kYaml},
        {"port", "7003", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"port", "6001", kSvc, {.connection = "postgresql:///d?service=svc"}, kPgEnv, kYaml},
        {"port", "5432", "default", {.connection = kBareUri}, kPgEnv, kYaml},
        {"user", "suser", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"user", "euser", "$PGUSER", {.connection = kBareUri}, kPgEnv, kYaml},
        {"user", os_user(), "OS user", {.connection = kBareUri}, env_without({"PGUSER"}), kYaml},
        {"password", "spw", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"password", "epw", "$PGPASSWORD", {.connection = kBareUri}, kPgEnv, kYaml},
        {"target", "sdb", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"target", "fdb", "-d", {.connection = kUri, .database = "fdb"}, kPgEnv, kYaml},
        {"target", "postgres", "default", {.connection = kBareUri}, kPgEnv, kYaml},
        {"maintenance", "sdb", kStr, {.connection = kUri, .database = "fdb"}, kPgEnv, kYaml},
        {"maintenance", "postgres", "default", {.connection = kUri}, kPgEnv, kYaml},
        {"maintenance",
         "postgres",
         "default",
         {.connection = kUri, .database = "sdb"},
         kPgEnv,
         kYaml},
        {"maintenance", "postgres", "default", {.database = "ymaint"}, kPgEnv, kYaml},
        {"sslmode",
         "require",
         "--sslmode",
         {.connection = kUri, .sslmode = "require"},
         kPgEnv,
         kYaml},
        {"sslmode", "verify-full", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"sslmode", "disable", "$PGSSLMODE", {.connection = kBareUri}, kPgEnv, kYaml},
        {"sslmode",
         "prefer",
         "default",
         {.connection = kBareUri},
         env_without({"PGSSLMODE"}),
         kYaml},
        {"app_name", "sapp", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"app_name", "eapp", "$PGAPPNAME", {.connection = kBareUri}, kPgEnv, kYaml},
        {"connect_timeout", "13", kStr, {.connection = kUri}, kPgEnv, kYaml},
        {"connect_timeout", "12", "$PGCONNECT_TIMEOUT", {.connection = kBareUri}, kPgEnv, kYaml},
        // ---- the password file: string passfile > service > $PGPASSFILE > ~/.pgpass -------
        {"passfile", "/s.pgpass", kStr, {.connection = kUri}, env_plus({{"PGPASSFILE", "/e"}}), {}},
        {"passfile",
         "/svc.pgpass",
         kSvc,
         {.connection = kBareUri + "/d?service=svc"},
         env_plus({{"PGPASSFILE", "/e"}}),
         {}},
        {"passfile",
         "/e.pgpass",
         "$PGPASSFILE",
         {.database = "d"},
         {{"PGPASSFILE", "/e.pgpass"}},
         {}},
        {"passfile",
         (fixture().dir().path() / "home/.pgpass").string(),
         "default",
         {.database = "d"},
         {},
         {}},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.field + " from " + (row.source.empty() ? "nowhere" : row.source));
        auto r = resolve_with(row.flags, row.env, row.yaml);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(field(*r, row.field), row.value);
        auto it = r->sources.find(row.field);
        EXPECT_EQ(it == r->sources.end() ? "" : it->second, row.source);
    }
}

TEST(Resolver, ConnectionStringFromFlagConflictsWithGranularFlags) {
    auto r = resolve_with({.connection = "postgresql://x/y", .host = "h", .port = 5}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message.rfind("cannot specify both --connection and granular flags "
                                      "(-h, -p, -U); -h, -p given too.\nChoose one:\n  1. ",
                                      0),
              0u)
        << r.error().message;
    EXPECT_NE(r.error().message.find("3. environment variables only"), std::string::npos);
    EXPECT_NE(r.error().message.find(": invalid configuration"), std::string::npos);
    // -d, --sslmode and the TLS files combine with --connection.
    auto ok = resolve_with({.connection = "postgresql://x/y",
                            .database = "d",
                            .sslmode = "require",
                            .sslcert = "c.pem"},
                           {});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->config.sslcert, "c.pem");
    EXPECT_EQ(ok->config.sslmode, "require");
}

TEST(Resolver, GranularFlagsBeatAConnectionStringFromTheEnvironment) {
    auto r = resolve_with({.host = "h", .database = "d"},
                          {{"DATABASE_URL", "postgresql://u:envsecret@x:1/y"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->config.host, "h");
    EXPECT_EQ(r->config.port, 5432);
    EXPECT_EQ(r->config.password, "") << "the ignored string's password must not travel";
    ASSERT_EQ(r->warnings.size(), 1u);
    EXPECT_EQ(r->warnings[0],
              "note: ignoring the connection string in $DATABASE_URL: -h on the command line "
              "take precedence over connection strings from the environment");
}

TEST(Resolver, InvalidValuesFromEverySourceAreConfigErrors) {
    auto msg = [](Result<ResolvedConnection> r) {
        EXPECT_FALSE(r);
        if (r)
            return std::string();
        EXPECT_EQ(r.error().kind, ErrorKind::Config);
        return r.error().message;
    };
    EXPECT_EQ(msg(resolve_with({.database = "d", .sslmode = "strict"}, {})),
              "invalid --sslmode \"strict\" (valid: disable, allow, prefer, require, verify-ca, "
              "verify-full): invalid configuration");
    EXPECT_EQ(msg(resolve_with({.database = "d"}, {{"PGSSLMODE", "Require"}})),
              "invalid sslmode \"Require\" from $PGSSLMODE (valid: disable, allow, prefer, "
              "require, verify-ca, verify-full): invalid configuration");
    EXPECT_NE(msg(resolve_with({.database = "d"}, {}, {.sslmode = "on"}))
                  .find("from pgmi.yaml connection.sslmode"),
              std::string::npos);
    EXPECT_EQ(msg(resolve_with({.database = "d"}, {{"PGPORT", "12ab"}})),
              "invalid $PGPORT value '12ab': must be an integer: invalid configuration");
    EXPECT_EQ(msg(resolve_with({.database = "d"}, {{"PGPORT", "0"}})),
              "invalid $PGPORT value '0': invalid port 0: must be between 1 and 65535: invalid "
              "configuration");
    EXPECT_EQ(msg(resolve_with({.port = 70000, .database = "d"}, {})),
              "invalid --port flag: invalid port 70000: must be between 1 and 65535: invalid "
              "configuration");
    EXPECT_NE(msg(resolve_with({.database = "d"}, {}, {.port = 70000})).find("pgmi.yaml"),
              std::string::npos);
    EXPECT_EQ(msg(resolve_with({.database = "d"}, {{"PGCONNECT_TIMEOUT", "-3"}})),
              "invalid $PGCONNECT_TIMEOUT value '-3': must be a non-negative integer (seconds): "
              "invalid configuration");
    EXPECT_NE(msg(resolve_with({.database = "d"}, {{"PGSERVICE", "missing"}}))
                  .find("definition of service \"missing\" not found"),
              std::string::npos);
    std::string nodb = msg(resolve_with({}, {}));
    EXPECT_EQ(nodb.rfind("invalid configuration: database name is required\nProvide via:\n", 0),
              0u);
}

TEST(Resolver, MalformedStringsNeverEchoThePasswordAndNameTheirSource) {
    auto r = resolve_with({.connection = "postgresql://u:hunter2secret@h:notaport/db"}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message.find("hunter2secret"), std::string::npos) << r.error().message;
    auto e = resolve_with({}, {{"DATABASE_URL", "Host=h;Password=hunter2;secret;Port=1"}});
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message.find("hunter2"), std::string::npos) << e.error().message;
    EXPECT_EQ(e.error().message.find("secret"), std::string::npos) << e.error().message;
    EXPECT_NE(e.error().message.find("(from $DATABASE_URL): invalid configuration"),
              std::string::npos)
        << e.error().message;
}

TEST(Resolver, AdoNetAndKeyValueStringsResolveLikeUris) {
    auto a = resolve_with({.connection = "Host=db;Port=6000;Database=app;Username=u;Password=p;"
                                         "SSL Mode=Require;Pooling=false"},
                          {});
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->config.host, "db");
    EXPECT_EQ(a->config.port, 6000);
    EXPECT_EQ(a->config.sslmode, "require");
    EXPECT_EQ(a->target_db, "app");
    EXPECT_EQ(a->maintenance_db, "postgres");
    ASSERT_EQ(a->warnings.size(), 1u);
    EXPECT_NE(a->warnings[0].find("Pooling"), std::string::npos);
    auto k = resolve_with({.connection = "host=db dbname=app options='-c work_mem=1MB'"}, {});
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->config.additional_params.at("options"), "-c work_mem=1MB");
    auto m = resolve_with({.connection = "postgresql://h1:1,h2:2/app"}, {});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->config.host, "h1,h2");
    EXPECT_EQ(m->config.ports, (std::vector<int>{1, 2}));
    EXPECT_FALSE(m->config.password_file) << "libpq reads the password file for several hosts";
    EXPECT_EQ(m->config.address(), "h1:1,h2:2");
    auto v6 = resolve_with({.connection = "postgresql://[::1]:6543/app"}, {});
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->config.address(), "[::1]:6543");
}

TEST(Resolver, PasswordFileIsLookedUpPerDatabaseAndCheckedForPermissions) {
    test::TempDir dir;
    auto path = dir.write("pgpass", "h:5432:app:u:apppw\nh:5432:postgres:u:maintpw\n");
    ::chmod(path.c_str(), 0600);
    auto r = resolve_with({.host = "h", .username = "u", .database = "app"},
                          {{"PGPASSFILE", path.string()}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->warnings.empty());
    auto value = [](const pg::ConnParams& p, const std::string& key) {
        for (const auto& [k, v] : p) {
            if (k == key)
                return v;
        }
        return std::string("<absent>");
    };
    EXPECT_EQ(value(r->config.to_params("app"), "password"), "apppw");
    EXPECT_EQ(value(r->config.to_params("postgres"), "password"), "maintpw");
    EXPECT_EQ(value(r->config.to_params("other"), "password"), "<absent>");
    EXPECT_EQ(value(r->config.to_params("other"), "passfile"),
              "/dev/null/pgmi-reads-the-password-file");
    EXPECT_EQ(r->secrets(), (std::vector<std::string>{"apppw", "maintpw"}));
    // An explicit password wins over the file.
    auto p = resolve_with({.host = "h", .username = "u", .database = "app"},
                          {{"PGPASSFILE", path.string()}, {"PGPASSWORD", "envpw"}});
    EXPECT_EQ(value(p->config.to_params("app"), "password"), "envpw");

    ::chmod(path.c_str(), 0644);
    auto loose = resolve_with({.host = "h", .username = "u", .database = "app"},
                              {{"PGPASSFILE", path.string()}});
    ASSERT_TRUE(loose);
    ASSERT_EQ(loose->warnings.size(), 1u);
    EXPECT_NE(loose->warnings[0].find("has group or world access (mode 0644); it is not used"),
              std::string::npos);
    EXPECT_EQ(value(loose->config.to_params("app"), "password"), "<absent>");
}

TEST(Resolver, DescribeNamesSourcesAndNeverShowsSecrets) {
    auto r = resolve_with(
        {.connection = "postgresql://alice:topsecretpw@db:6543/postgres?sslpassword=keysecret",
         .database = "app",
         .sslcert = "/c.pem"},
        {{"PGAPPNAME", "deployer"}});
    ASSERT_TRUE(r) << r.error().message;
    const std::string d = describe(*r);
    EXPECT_EQ(d.find("topsecretpw"), std::string::npos) << d;
    EXPECT_EQ(d.find("keysecret"), std::string::npos) << d;
    EXPECT_NE(d.find("Connection resolved:\n  Host: db (connection string (--connection))\n"
                     "  Port: 6543 (connection string (--connection))\n"
                     "  User: alice (connection string (--connection))\n"
                     "  Password: [redacted] (connection string (--connection))\n"
                     "  Target Database: app (-d)\n"
                     "  Maintenance Database: postgres (connection string (--connection))\n"
                     "  SSL Mode: prefer (default)\n"
                     "  SSL Cert: /c.pem (--sslcert)\n"),
              std::string::npos)
        << d;
    EXPECT_NE(d.find("  SSL Password: [redacted] (connection string (--connection))\n"),
              std::string::npos)
        << d;
    EXPECT_NE(d.find("  Application Name: deployer ($PGAPPNAME)\n"), std::string::npos) << d;
    EXPECT_NE(d.find("  Auth Method: Standard + TLS client certificate\n"), std::string::npos) << d;
    EXPECT_NE(d.find("Note: Using --database flag (app) instead of connection string database "
                     "(postgres)"),
              std::string::npos)
        << d;
}

TEST(Resolver, TcpLivenessDefaultsFillOnlyWhatTheUserLeftUnset) {
    // Every value a keyword has in the libpq parameters ("<absent>" when none, joined by ',').
    auto values = [](const pg::ConnParams& p, const std::string& key) {
        std::string out;
        for (const auto& [k, v] : p) {
            if (k == key)
                out += (out.empty() ? "" : ",") + v;
        }
        return out.empty() ? std::string("<absent>") : out;
    };
    auto plain = resolve_with({.host = "h", .database = "d"}, {});
    ASSERT_TRUE(plain) << plain.error().message;
    pg::ConnParams p = plain->config.to_params("d");
    EXPECT_EQ(values(p, "keepalives"), "1");
    EXPECT_EQ(values(p, "keepalives_idle"), "30");
    EXPECT_EQ(values(p, "keepalives_interval"), "10");
    EXPECT_EQ(values(p, "keepalives_count"), "3");
    EXPECT_EQ(values(p, "tcp_user_timeout"), "60000");  // libpq 15 here
    EXPECT_NE(describe(*plain).find(
                  "  TCP Liveness: keepalives=1 (pgmi default), keepalives_idle=30 (pgmi "
                  "default), keepalives_interval=10 (pgmi default), keepalives_count=3 (pgmi "
                  "default), tcp_user_timeout=60000 (pgmi default)\n"),
              std::string::npos)
        << describe(*plain);

    // The connection string's own values win, once each; the rest keep pgmi's.
    auto given = resolve_with(
        {.connection = kBareUri + "/d?keepalives=0&tcp_user_timeout=0&keepalives_count=9"}, {});
    ASSERT_TRUE(given) << given.error().message;
    p = given->config.to_params("d");
    EXPECT_EQ(values(p, "keepalives"), "0");
    EXPECT_EQ(values(p, "tcp_user_timeout"), "0");
    EXPECT_EQ(values(p, "keepalives_count"), "9");
    EXPECT_EQ(values(p, "keepalives_idle"), "30");
    EXPECT_NE(describe(*given).find("keepalives=0 (connection string (--connection)), "),
              std::string::npos)
        << describe(*given);

    // A service file's value is left for libpq to read from the file (an explicit parameter
    // would override it).
    auto svc = resolve_with({.connection = kBareUri + "/d?service=svc-tcp"}, {});
    ASSERT_TRUE(svc) << svc.error().message;
    p = svc->config.to_params("d");
    EXPECT_EQ(values(p, "keepalives_idle"), "<absent>");
    EXPECT_EQ(values(p, "keepalives_interval"), "10");
    EXPECT_NE(describe(*svc).find("keepalives_idle=5 (service \"svc-tcp\")"), std::string::npos)
        << describe(*svc);
}

TEST(Resolver, OverwriteAndForceTravelWithTheConnection) {
    auto r = resolve_with({.database = "d", .overwrite = true, .force = true}, {});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->overwrite);
    EXPECT_TRUE(r->force);
}

TEST(ConnectionSource, OnlyANamedServerOrDatabaseCounts) {
    const config::YamlConnection none;
    const EnvLookup empty = env_from({});
    EXPECT_FALSE(has_connection_source({}, empty, none));
    // What does not say where to deploy: a user, a port, an sslmode, PGHOST or PGDATABASE alone,
    // pgmi.yaml's sslmode.
    ConnectionFlags partial{.port = 6543, .username = "u", .sslmode = "require"};
    config::YamlConnection yaml_partial;
    yaml_partial.sslmode = "require";
    yaml_partial.maintenance_database = "admin";
    EXPECT_FALSE(
        has_connection_source(partial, env_from({{"PGHOST", "h"}, {"PGUSER", "u"}}), yaml_partial));
    EXPECT_FALSE(has_connection_source({}, env_from({{"PGDATABASE", "d"}}), none));
    EXPECT_FALSE(has_connection_source({.host = ""}, env_from({{"DATABASE_URL", ""}}), none))
        << "empty values say nothing";

    EXPECT_TRUE(has_connection_source({.connection = "postgresql://h/d"}, empty, none));
    EXPECT_TRUE(has_connection_source({.host = "h"}, empty, none));
    EXPECT_TRUE(has_connection_source({.database = "d"}, empty, none));
    EXPECT_TRUE(has_connection_source({.cloud = {.google_instance = "p:r:i"}}, empty, none));
    EXPECT_TRUE(has_connection_source({.cloud = {.azure = true}}, empty, none));
    for (const auto& env : std::vector<std::map<std::string, std::string>>{
             {{"PGMI_CONNECTION_STRING", "postgresql://h/d"}},
             {{"DATABASE_URL", "postgresql://h/d"}},
             {{"PGHOST", "h"}, {"PGDATABASE", "d"}},
             {{"PGSERVICE", "svc"}}})
        EXPECT_TRUE(has_connection_source({}, env_from(env), none)) << env.begin()->first;
    for (auto set : {&config::YamlConnection::host, &config::YamlConnection::database,
                     &config::YamlConnection::google_instance}) {
        config::YamlConnection yaml;
        yaml.*set = "x";
        EXPECT_TRUE(has_connection_source({}, empty, yaml));
    }
}

}  // namespace
}  // namespace pgmi::conn
