// Connection-string parsing: every example string of the two seed documents, the features of each
// format, and malformed strings (which must fail with a Config error that quotes no secret).
#include "conn/connection_string.hpp"

#include <gtest/gtest.h>

namespace pgmi::conn {
namespace {

ConnectionString ok(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
    return r ? *r : ConnectionString{};
}

std::string fails(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_FALSE(r) << text;
    if (r)
        return "";
    EXPECT_EQ(r.error().kind, ErrorKind::Config) << text;
    EXPECT_EQ(r.error().message.rfind("invalid connection string: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(": invalid configuration"), std::string::npos);
    return r.error().message;
}

struct Expect {
    std::vector<std::string> hosts;
    std::vector<int> ports;
    std::optional<std::string> user, password, database, sslmode;
    std::map<std::string, std::string> params;
};

void check(std::string_view text, StringFormat format, const Expect& e) {
    SCOPED_TRACE(std::string(text));
    ConnectionString cs = ok(text);
    EXPECT_EQ(cs.format, format);
    EXPECT_EQ(cs.hosts, e.hosts);
    EXPECT_EQ(cs.ports, e.ports);
    EXPECT_EQ(cs.user, e.user);
    EXPECT_EQ(cs.password, e.password);
    EXPECT_EQ(cs.database, e.database);
    EXPECT_EQ(cs.sslmode, e.sslmode);
    EXPECT_EQ(cs.params, e.params);
}

TEST(ConnectionString, EverySeedUriExample) {
    using F = StringFormat;
    check("postgresql://deployer:secret@db.example.com:5432/postgres", F::Uri,
          {{"db.example.com"}, {5432}, "deployer", "secret", "postgres", {}, {}});
    check("postgresql://user:pass@host:5432/dbname?sslmode=require", F::Uri,
          {{"host"}, {5432}, "user", "pass", "dbname", "require", {}});
    check("postgresql://postgres:password@localhost:5432/mydb", F::Uri,
          {{"localhost"}, {5432}, "postgres", "password", "mydb", {}, {}});
    check("postgresql://postgres@localhost:5432/mydb", F::Uri,
          {{"localhost"}, {5432}, "postgres", {}, "mydb", {}, {}});
    check("postgresql://postgres:password@localhost:5432/mydb?sslmode=require", F::Uri,
          {{"localhost"}, {5432}, "postgres", "password", "mydb", "require", {}});
    check("postgresql://user@myhost.postgres.database.azure.com:5432/mydb?sslmode=require", F::Uri,
          {{"myhost.postgres.database.azure.com"}, {5432}, "user", {}, "mydb", "require", {}});
    check("postgresql://postgres@localhost/mydb?sslmode=disable&connect_timeout=10", F::Uri,
          {{"localhost"}, {}, "postgres", {}, "mydb", "disable", {}});
    EXPECT_EQ(ok("postgresql://postgres@localhost/mydb?sslmode=disable&connect_timeout=10")
                  .connect_timeout,
              10);
    check("postgresql://user:pass@db-server:5432/mydb", F::Uri,
          {{"db-server"}, {5432}, "user", "pass", "mydb", {}, {}});
    check("postgresql://user:pass@pgbouncer:6432/mydb", F::Uri,
          {{"pgbouncer"}, {6432}, "user", "pass", "mydb", {}, {}});
    check("postgresql://postgres:password@staging.db:5432/mydb?sslmode=require", F::Uri,
          {{"staging.db"}, {5432}, "postgres", "password", "mydb", "require", {}});
    check("postgresql://postgres:password@prod.db:5432/mydb?sslmode=verify-full", F::Uri,
          {{"prod.db"}, {5432}, "postgres", "password", "mydb", "verify-full", {}});
    check("postgresql://postgres:password@localhost:5432/mydb?sslmode=disable", F::Uri,
          {{"localhost"}, {5432}, "postgres", "password", "mydb", "disable", {}});
    check("postgresql://postgres:password@localhost/postgres", F::Uri,
          {{"localhost"}, {}, "postgres", "password", "postgres", {}, {}});
    check("postgresql://postgres:password@localhost/mydb", F::Uri,
          {{"localhost"}, {}, "postgres", "password", "mydb", {}, {}});
    check("postgresql://postgres:password@localhost:5432/postgres", F::Uri,
          {{"localhost"}, {5432}, "postgres", "password", "postgres", {}, {}});
    check("postgresql://user@host/db", F::Uri, {{"host"}, {}, "user", {}, "db", {}, {}});
    check("postgresql://user@host/postgres", F::Uri,
          {{"host"}, {}, "user", {}, "postgres", {}, {}});
    check(
        "postgresql://myuser@mydb.abc123.us-east-1.rds.amazonaws.com:5432/mydb?sslmode=require",
        F::Uri,
        {{"mydb.abc123.us-east-1.rds.amazonaws.com"}, {5432}, "myuser", {}, "mydb", "require", {}});
}

TEST(ConnectionString, EverySeedAdoNetExample) {
    using F = StringFormat;
    check("Host=db.example.com;Port=5432;Database=postgres;Username=deployer;Password=secret",
          F::AdoNet, {{"db.example.com"}, {5432}, "deployer", "secret", "postgres", {}, {}});
    check("Host=myhost;Port=5432;Database=mydb;Username=user;Password=pass;SSL Mode=Require",
          F::AdoNet, {{"myhost"}, {5432}, "user", "pass", "mydb", "require", {}});
    check("Host=localhost;Port=5432;Database=mydb;Username=postgres;Password=password", F::AdoNet,
          {{"localhost"}, {5432}, "postgres", "password", "mydb", {}, {}});
    check("Host=localhost;Database=mydb;Username=postgres", F::AdoNet,
          {{"localhost"}, {}, "postgres", {}, "mydb", {}, {}});
    check("Host=localhost;Database=mydb;Username=postgres;SSL Mode=Require", F::AdoNet,
          {{"localhost"}, {}, "postgres", {}, "mydb", "require", {}});
}

TEST(ConnectionString, UriDecodingSocketsIpv6AndMultipleHosts) {
    using F = StringFormat;
    check("postgres://us%40er:p%40ss%2Fw%3Ard+x@h/my%20db", F::Uri,
          {{"h"}, {}, "us@er", "p@ss/w:rd+x", "my db", {}, {}});
    check("postgresql://[::1]:5433/db", F::Uri, {{"::1"}, {5433}, {}, {}, "db", {}, {}});
    check("postgresql://[fe80::1%25eth0]/db", F::Uri, {{"fe80::1%eth0"}, {}, {}, {}, "db", {}, {}});
    check("postgresql://u@%2Ftmp%2Fpg-sock:5444/db", F::Uri,
          {{"/tmp/pg-sock"}, {5444}, "u", {}, "db", {}, {}});
    check("postgresql:///db?host=/var/run/postgresql&port=5433", F::Uri,
          {{"/var/run/postgresql"}, {5433}, {}, {}, "db", {}, {}});
    check("postgresql://h1:5432,h2:5433,[::1]/db", F::Uri,
          {{"h1", "h2", "::1"}, {5432, 5433, 0}, {}, {}, "db", {}, {}});
    check("postgresql://h1,h2/db?target_session_attrs=read-write", F::Uri,
          {{"h1", "h2"}, {}, {}, {}, "db", {}, {{"target_session_attrs", "read-write"}}});
    check("postgresql://", F::Uri, {});
    check("postgresql://h/", F::Uri, {{"h"}, {}, {}, {}, {}, {}, {}});
    check("postgresql://h/db#fragment-is-ignored", F::Uri, {{"h"}, {}, {}, {}, "db", {}, {}});
}

TEST(ConnectionString, UriQueryParameters) {
    ConnectionString cs =
        ok("postgresql://h/db?sslMode=verify-ca&SSLROOTCERT=%2Fca.pem&sslcert=/c.pem&sslkey=/k.pem"
           "&sslpassword=kp&ApplicationName=my+app&connectTimeout=7&options=-c%20search_path%3Dapp"
           "&service=svc&passfile=/pp&sslmode=disable&keepalives=1");
    EXPECT_EQ(cs.sslmode, "verify-ca") << "the first occurrence wins";
    EXPECT_EQ(cs.sslrootcert, "/ca.pem");
    EXPECT_EQ(cs.sslcert, "/c.pem");
    EXPECT_EQ(cs.sslkey, "/k.pem");
    EXPECT_EQ(cs.sslpassword, "kp");
    EXPECT_EQ(cs.app_name, "my app");
    EXPECT_EQ(cs.connect_timeout, 7);
    EXPECT_EQ(cs.params, (std::map<std::string, std::string>{{"options", "-c search_path=app"},
                                                             {"service", "svc"},
                                                             {"passfile", "/pp"},
                                                             {"keepalives", "1"}}));
    // Structural keys in the query override the URI's parts, as in libpq.
    ConnectionString s = ok("postgresql://a:b@h:1/d?user=u2&password=p2&dbname=d2&host=h2&port=2");
    EXPECT_EQ(s.user, "u2");
    EXPECT_EQ(s.password, "p2");
    EXPECT_EQ(s.database, "d2");
    EXPECT_EQ(s.hosts, std::vector<std::string>{"h2"});
    EXPECT_EQ(s.ports, std::vector<int>{2});
    EXPECT_EQ(ok("postgresql://h/d?connect_timeout=-5").connect_timeout, 0);
}

TEST(ConnectionString, AdoNetKeysValuesAndQuoting) {
    ConnectionString cs =
        ok("server = db1 ; PORT=+6543; initial catalog=Shop; user id=App; PWD='it''s;secret'; "
           "sslmode=VerifyFull; SSL Cert=/c.pem; sslkey=/k.pem; SSL Root Cert=\"/r a.pem\"; "
           "SSL Password=\"k\"\"p\"; Application Name=deployer; Timeout=9; Search Path=app, "
           "public; Target Session Attributes=ReadWrite; Passfile=/pp; Client Encoding=UTF8");
    EXPECT_EQ(cs.format, StringFormat::AdoNet);
    EXPECT_EQ(cs.hosts, std::vector<std::string>{"db1"});
    EXPECT_EQ(cs.ports, std::vector<int>{6543});
    EXPECT_EQ(cs.database, "Shop");
    EXPECT_EQ(cs.user, "App");
    EXPECT_EQ(cs.password, "it's;secret");
    EXPECT_EQ(cs.sslmode, "verify-full");
    EXPECT_EQ(cs.sslcert, "/c.pem");
    EXPECT_EQ(cs.sslkey, "/k.pem");
    EXPECT_EQ(cs.sslrootcert, "/r a.pem");
    EXPECT_EQ(cs.sslpassword, "k\"p");
    EXPECT_EQ(cs.app_name, "deployer");
    EXPECT_EQ(cs.connect_timeout, 9);
    EXPECT_EQ(cs.params,
              (std::map<std::string, std::string>{{"options", "-c search_path=app,\\ public"},
                                                  {"target_session_attrs", "read-write"},
                                                  {"passfile", "/pp"},
                                                  {"client_encoding", "UTF8"}}));
    // Every accepted spelling of each key and SSL Mode value.
    EXPECT_EQ(ok("HOST=a;Uid=u").user, "u");
    EXPECT_EQ(ok("Host=a;Username=u").user, "u");
    EXPECT_EQ(ok("Host=a;User ID=u").user, "u");
    EXPECT_EQ(ok("Host=a;Database=d").database, "d");
    EXPECT_EQ(ok("Host=a;Initial Catalog=d").database, "d");
    EXPECT_EQ(ok("Host=a;Password=p").password, "p");
    EXPECT_EQ(ok("Host=a;SslMode=disable").sslmode, "disable");
    EXPECT_EQ(ok("Host=a;SSL Mode=ALLOW").sslmode, "allow");
    EXPECT_EQ(ok("Host=a;SSL Mode=Prefer").sslmode, "prefer");
    EXPECT_EQ(ok("Host=a;SSL Mode=verify-ca").sslmode, "verify-ca");
    EXPECT_EQ(ok("Host=a;SSL Mode=VerifyCA").sslmode, "verify-ca");
    EXPECT_EQ(ok("Host=a;SSL Mode=verify_full").sslmode, "verify-full");
    // A later duplicate wins; a single pair needs no ';'.
    EXPECT_EQ(ok("Host=a;Host=b").hosts, std::vector<std::string>{"b"});
    EXPECT_EQ(ok("Server=solo").hosts, std::vector<std::string>{"solo"});
    // Host with ports, several hosts, bare IPv6.
    ConnectionString m = ok("Host=h1:5432,h2:5433;Database=d");
    EXPECT_EQ(m.hosts, (std::vector<std::string>{"h1", "h2"}));
    EXPECT_EQ(m.ports, (std::vector<int>{5432, 5433}));
    EXPECT_EQ(ok("Host=::1;Database=d").hosts, std::vector<std::string>{"::1"});
    EXPECT_EQ(ok("Host=[::1]:6000;Database=d").ports, std::vector<int>{6000});
    // Npgsql pool keys are ignored with a warning, not sent to the server.
    ConnectionString w =
        ok("Host=a;Pooling=true;Maximum Pool Size=20;Trust Server Certificate=true");
    EXPECT_TRUE(w.params.empty());
    ASSERT_EQ(w.warnings.size(), 3u);
    EXPECT_NE(w.warnings[0].find("ignoring key \"Pooling\""), std::string::npos) << w.warnings[0];
    EXPECT_NE(w.warnings[2].find("SSL Mode"), std::string::npos) << w.warnings[2];
}

TEST(ConnectionString, LibpqKeyValue) {
    ConnectionString cs =
        ok("host=h port=5433 dbname=d user=u password='a b\\'c' sslmode=require "
           "application_name=x options='-c work_mem=64MB' sslrootcert=/r\\ a.pem");
    EXPECT_EQ(cs.format, StringFormat::KeyValue);
    EXPECT_EQ(cs.hosts, std::vector<std::string>{"h"});
    EXPECT_EQ(cs.ports, std::vector<int>{5433});
    EXPECT_EQ(cs.database, "d");
    EXPECT_EQ(cs.user, "u");
    EXPECT_EQ(cs.password, "a b'c");
    EXPECT_EQ(cs.sslmode, "require");
    EXPECT_EQ(cs.app_name, "x");
    EXPECT_EQ(cs.sslrootcert, "/r a.pem");
    EXPECT_EQ(cs.params, (std::map<std::string, std::string>{{"options", "-c work_mem=64MB"}}));
    EXPECT_EQ(ok("service=prod").params, (std::map<std::string, std::string>{{"service", "prod"}}));
    EXPECT_EQ(ok("host = h  dbname = d").database, "d");
    // A ';' inside single quotes does not make it ADO.NET.
    EXPECT_EQ(ok("host=h password='a;b'").password, "a;b");
}

TEST(ConnectionString, MalformedStringsAreClearConfigErrors) {
    EXPECT_EQ(fails(""),
              "invalid connection string: connection string is empty: invalid "
              "configuration");
    fails("   ");
    EXPECT_NE(fails("hello").find("unrecognized connection string format"), std::string::npos);
    EXPECT_NE(fails("mysql://u@h/db").find("unsupported URI scheme \"mysql\""), std::string::npos);
    EXPECT_NE(fails("POSTGRESQL://h/db").find("unsupported URI scheme"), std::string::npos);
    EXPECT_NE(fails("postgresql://h:70000/db").find("invalid port 70000"), std::string::npos);
    EXPECT_NE(fails("postgresql://h:0/db").find("invalid port 0"), std::string::npos);
    fails("postgresql://[user[:password]@][host][:port][/database]");  // the seeds' syntax line
    EXPECT_NE(fails("postgresql://[::1/db").find("unterminated '['"), std::string::npos);
    EXPECT_NE(fails("postgresql://[::1]x/db").find("after ']'"), std::string::npos);
    EXPECT_NE(fails("postgresql://h/db?sslmode=bogus").find("invalid sslmode \"bogus\""),
              std::string::npos);
    EXPECT_NE(fails("postgresql://h/db?connect_timeout=ten").find("connect_timeout"),
              std::string::npos);
    EXPECT_NE(fails("postgresql://h/db?nosuchkey=1")
                  .find("unknown connection parameter "
                        "\"nosuchkey\""),
              std::string::npos);
    EXPECT_NE(fails("postgresql://h/db?%zz=1").find("query parameter 1"), std::string::npos);
    EXPECT_NE(fails("postgresql://h/db?=x").find("has no name"), std::string::npos);
    EXPECT_NE(fails("postgresql://h/%zz").find("database name"), std::string::npos);
    EXPECT_NE(fails("postgresql://h1,h2/db?port=1,2,3").find("3 ports for 2 hosts"),
              std::string::npos);
    EXPECT_NE(fails("Host=x;Port=abc").find("not a number"), std::string::npos);
    EXPECT_NE(fails("Host=x;Port=0").find("invalid port 0"), std::string::npos);
    EXPECT_NE(fails("Host=x;Port=70000").find("invalid port 70000"), std::string::npos);
    EXPECT_NE(fails("Host=x;Port=").find("empty Port"), std::string::npos);
    EXPECT_NE(fails("Host=x;Data Source=y").find("unknown key \"Data Source\""), std::string::npos);
    EXPECT_NE(fails("Host=x;Bogus=1").find("known keys: Host, Server"), std::string::npos);
    EXPECT_NE(fails("=x;Host=y").find("part 1 of the ADO.NET connection string has an empty key"),
              std::string::npos);
    EXPECT_NE(fails("Host=x;SSL Mode=Strict").find("invalid SSL Mode \"Strict\""),
              std::string::npos);
    EXPECT_NE(fails("Host=x;Timeout=abc").find("Timeout"), std::string::npos);
    EXPECT_NE(fails("Host=x;Target Session Attributes=PreferPrimary").find("PreferPrimary"),
              std::string::npos);
    EXPECT_NE(fails("Host=x;Database").find("part 2"), std::string::npos);
    EXPECT_NE(fails("host=x port=abc").find("not a number"), std::string::npos);
    EXPECT_NE(fails("host=x dbname").find("pair 2"), std::string::npos);
    EXPECT_NE(fails("host=x nosuch=1").find("unknown connection parameter \"nosuch\""),
              std::string::npos);
    EXPECT_NE(fails("host='unterminated").find("unterminated quoted value"), std::string::npos);
}

TEST(ConnectionString, ErrorsNeverQuoteAPassword) {
    // Each string carries the secret "S3cr3tPw" (or a piece of it) where a mistake can spill it.
    const std::vector<std::string> cases = {
        "postgresql://u:S3cr3tPw@h:notaport/db",
        "postgresql://u:S3cr/3tPw@h/db",
        "postgresql://u:S3cr?3tPw@h/db",
        "postgresql://u:S3cr#3tPw@h/db",
        "postgresql://u:S3cr3tPw%zz@h/db",
        "postgresql://u:S3cr3tPw@[::1/db",
        "postgresql://u:S3cr3tPw@h/db?sslmode=nope",
        "postgresql://u:S3cr3tPw@h/db?nosuch=1",
        "Host=h;Password=S3cr;3tPw",
        "Host=h;Password=S3cr;3tPw=x",
        "Host=h;Password=S3cr;3tPw=x;Port=1",
        "Host=h;Password='S3cr3tPw",
        "Host=h;Password='S3cr3tPw'x",
        "Host=h;Password=S3cr3tPw;Port=abc",
        "Host=h;Password=S3cr3tPw;Bogus=1",
        "host=h password=S3cr 3tPw=1",
        "host=h password=S3cr3tPw port=x",
        "host=h password='S3cr3tPw",
    };
    for (const auto& c : cases) {
        std::string m = fails(c);
        for (const char* piece : {"S3cr3tPw", "S3cr", "3tPw"})
            EXPECT_EQ(m.find(piece), std::string::npos) << c << " -> " << m;
    }
}

TEST(ConnectionString, LibpqKeywordsComeFromLibpq) {
    EXPECT_TRUE(is_libpq_keyword("target_session_attrs"));
    EXPECT_TRUE(is_libpq_keyword("sslpassword"));
    EXPECT_TRUE(is_libpq_keyword("service"));
    EXPECT_FALSE(is_libpq_keyword("Host"));
    EXPECT_FALSE(is_libpq_keyword("search_path"));
}

}  // namespace
}  // namespace pgmi::conn
