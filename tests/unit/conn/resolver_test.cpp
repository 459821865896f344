#include "conn/resolver.hpp"

#include <gtest/gtest.h>

namespace pgmi::conn {
namespace {

Result<ResolvedConnection> resolve_with(ConnectionFlags flags,
                                        std::map<std::string, std::string> env,
                                        config::YamlConnection yaml = {}) {
    return resolve(flags, env_from(std::move(env)), yaml);
}

TEST(Resolver, ConnectionStringFlagBeatsEnvironmentStrings) {
    auto r = resolve_with({.connection = "postgresql://alice@db1:6543/app"},
                          {{"PGMI_CONNECTION_STRING", "postgresql://bob@db2/other"},
                           {"DATABASE_URL", "postgresql://carol@db3/third"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->config.host, "db1");
    EXPECT_EQ(r->config.port, 6543);
    EXPECT_EQ(r->config.username, "alice");
    EXPECT_EQ(r->target_db, "app");
    EXPECT_EQ(r->maintenance_db, "postgres");
}

TEST(Resolver, PgmiConnectionStringBeatsDatabaseUrl) {
    auto r = resolve_with({}, {{"PGMI_CONNECTION_STRING", "postgresql://bob@db2/other"},
                               {"DATABASE_URL", "postgresql://carol@db3/third"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.host, "db2");
    auto d = resolve_with({}, {{"DATABASE_URL", "postgresql://carol@db3/third"}});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->config.host, "db3");
}

TEST(Resolver, TargetAndMaintenanceDatabase) {
    auto a = resolve_with({.connection = "postgresql://h/postgres", .database = "app"}, {});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->target_db, "app");
    EXPECT_EQ(a->maintenance_db, "postgres");
    auto b = resolve_with({.connection = "postgresql://h/admin", .database = "app"}, {});
    ASSERT_TRUE(b);
    EXPECT_EQ(b->maintenance_db, "admin");
    auto c = resolve_with({.connection = "postgresql://h"}, {});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->target_db, "postgres");
    config::YamlConnection yaml;
    yaml.database = "app";
    yaml.maintenance_database = "adm";
    auto d = resolve_with({}, {}, yaml);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->target_db, "app");
    EXPECT_EQ(d->maintenance_db, "postgres");
    auto e = resolve_with({.database = "app"}, {}, yaml);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->maintenance_db, "adm");
}

TEST(Resolver, GranularPrecedenceFlagsEnvYamlDefaults) {
    config::YamlConnection yaml;
    yaml.host = "yhost";
    yaml.port = 7000;
    yaml.username = "yuser";
    yaml.database = "ydb";
    yaml.sslmode = "require";
    // yaml only
    auto y = resolve_with({}, {}, yaml);
    ASSERT_TRUE(y);
    EXPECT_EQ(y->config.host, "yhost");
    EXPECT_EQ(y->config.port, 7000);
    EXPECT_EQ(y->config.username, "yuser");
    EXPECT_EQ(y->target_db, "ydb");
    EXPECT_EQ(y->config.sslmode, "require");
    // env beats yaml
    auto e = resolve_with({},
                          {{"PGHOST", "ehost"},
                           {"PGPORT", "7001"},
                           {"PGUSER", "euser"},
                           {"PGDATABASE", "edb"},
                           {"PGSSLMODE", "disable"}},
                          yaml);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->config.host, "ehost");
    EXPECT_EQ(e->config.port, 7001);
    EXPECT_EQ(e->config.username, "euser");
    EXPECT_EQ(e->target_db, "edb");
    EXPECT_EQ(e->config.sslmode, "disable");
    // flags beat env
    auto f = resolve_with(
        {.host = "fhost",
         .port = 7002,
         .username = "fuser",
         .database = "fdb",
         .sslmode = "verify-full"},
        {{"PGHOST", "ehost"}, {"PGPORT", "7001"}, {"PGUSER", "euser"}, {"PGDATABASE", "edb"}},
        yaml);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->config.host, "fhost");
    EXPECT_EQ(f->config.port, 7002);
    EXPECT_EQ(f->config.username, "fuser");
    EXPECT_EQ(f->target_db, "fdb");
    EXPECT_EQ(f->config.sslmode, "verify-full");
    // defaults
    auto d = resolve_with({.database = "x"}, {{"USER", "osuser"}});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->config.host, "localhost");
    EXPECT_EQ(d->config.port, 5432);
    EXPECT_EQ(d->config.username, "osuser");
    EXPECT_EQ(d->config.sslmode, "prefer");
    EXPECT_EQ(d->config.app_name, "pgmi");
}

TEST(Resolver, ConflictBetweenStringAndGranularFlags) {
    auto r = resolve_with({.host = "h"}, {{"DATABASE_URL", "postgresql://x/y"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("cannot specify both --connection and granular flags"),
              std::string::npos);
    EXPECT_NE(r.error().message.find("DATABASE_URL"), std::string::npos);
    // -d and TLS files never conflict.
    auto ok =
        resolve_with({.database = "d", .sslcert = "c.pem"}, {{"DATABASE_URL", "postgresql://x/y"}});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->config.sslcert, "c.pem");
}

TEST(Resolver, InvalidValuesAreConfigErrors) {
    EXPECT_EQ(resolve_with({.database = "d", .sslmode = "strict"}, {}).error().kind,
              ErrorKind::Config);
    auto port = resolve_with({.database = "d"}, {{"PGPORT", "12ab"}});
    ASSERT_FALSE(port);
    EXPECT_EQ(port.error().message,
              "invalid $PGPORT value '12ab': must be an integer: invalid "
              "configuration");
    auto range = resolve_with({.port = 70000, .database = "d"}, {});
    ASSERT_FALSE(range);
    EXPECT_NE(range.error().message.find("must be between 1 and 65535"), std::string::npos);
    auto nodb = resolve_with({}, {});
    ASSERT_FALSE(nodb);
    EXPECT_NE(nodb.error().message.find("database name is required"), std::string::npos);
    auto timeout = resolve_with({.database = "d"}, {{"PGCONNECT_TIMEOUT", "-3"}});
    ASSERT_FALSE(timeout);
}

TEST(Resolver, MalformedConnectionStringNeverEchoesPassword) {
    auto r = resolve_with({.connection = "postgresql://u:hunter2secret@h:notaport/db"}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message.find("hunter2secret"), std::string::npos) << r.error().message;
}

TEST(Resolver, TlsFilesFlagBeatsStringBeatsEnvBeatsYaml) {
    config::YamlConnection yaml;
    yaml.sslcert = "yaml.crt";
    yaml.sslkey = "yaml.key";
    yaml.sslrootcert = "yaml-ca.crt";
    auto r = resolve_with(
        {.connection = "postgresql://h/db?sslkey=string.key", .sslcert = "flag.crt"},
        {{"PGSSLCERT", "env.crt"}, {"PGSSLKEY", "env.key"}, {"PGSSLROOTCERT", "env-ca.crt"}}, yaml);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->config.sslcert, "flag.crt");
    EXPECT_EQ(r->config.sslkey, "string.key");
    EXPECT_EQ(r->config.sslrootcert, "env-ca.crt");
    auto y = resolve_with({.database = "d"}, {}, yaml);
    ASSERT_TRUE(y);
    EXPECT_EQ(y->config.sslrootcert, "yaml-ca.crt");
}

TEST(Resolver, DescribeNeverShowsSecrets) {
    auto r =
        resolve_with({.connection = "postgresql://u:topsecretpw@h/db?sslpassword=keypass1"}, {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.password, "topsecretpw");
    std::string d = describe(*r);
    EXPECT_EQ(d.find("topsecretpw"), std::string::npos);
    EXPECT_EQ(d.find("keypass1"), std::string::npos);
    EXPECT_NE(d.find("Password: [redacted]"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::conn
