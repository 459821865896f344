// How `pgmi deploy` reaches a server, end to end with the real binary: TLS files with a connection
// string, an encrypted client key, a hostssl-only role, the password file (escapes, wildcards,
// permissions), ADO.NET / key=value strings and services, --verbose sources and the server's
// answer, retries, a non-PostgreSQL target, and no secret in any output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/conn/tls_pki.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

// The password of role pwuser has a ':' and a '\' (both escaped in .pgpass).
constexpr const char* kPwuserPassword = "se:cr\\et-1";
constexpr const char* kPassphrase = "Key-Passphrase-5519";

const char* kHba =
    "local all all trust\n"
    "hostssl all certuser 127.0.0.1/32 cert\n"
    "hostssl all sslonly 127.0.0.1/32 trust\n"
    "host all sslonly 127.0.0.1/32 reject\n"
    "host all pwuser 127.0.0.1/32 scram-sha-256\n"
    "host all all 127.0.0.1/32 trust\n";

struct Shared {
    std::unique_ptr<TempDir> dir;
    TestPki pki;
    std::filesystem::path tls_project, plain_project;
};

const Shared& setup() {
    static Shared s = [] {
        Shared made;
        made.dir = std::make_unique<TempDir>();
        std::filesystem::create_directories(made.dir->path() / "pki");
        made.pki = make_test_pki(made.dir->path() / "pki", "certuser", kPassphrase);
        query("postgres", std::string("CREATE ROLE certuser LOGIN; CREATE ROLE sslonly LOGIN; "
                                      "CREATE ROLE pwuser LOGIN CREATEDB PASSWORD '") +
                              kPwuserPassword + "'");
        enable_tls(server(), made.pki, kHba, {"log_connections = on"});
        made.tls_project =
            made.dir
                ->write("tls/deploy.sql",
                        "DO $$BEGIN IF NOT (SELECT ssl FROM pg_stat_ssl WHERE pid = "
                        "pg_backend_pid()) THEN "
                        "RAISE EXCEPTION 'not over TLS'; END IF; END$$;\n"
                        "CREATE TABLE deployed_by AS SELECT current_user::text AS who;\n")
                .parent_path();
        made.plain_project =
            made.dir
                ->write("plain/deploy.sql",
                        "CREATE TABLE deployed_by AS SELECT current_user::text AS who;\n")
                .parent_path();
        return made;
    }();
    return s;
}

std::string port() {
    return std::to_string(server().port());
}

/// A fresh database owned by `owner` (pre-created: these roles cannot create databases).
std::string owned_db(const std::string& owner, const std::string& suffix) {
    std::string db = unique_db(suffix);
    query("postgres", "CREATE DATABASE " + db + " OWNER " + owner);
    return db;
}

std::string deployed_by(const std::string& db) {
    auto rows = query(db, "SELECT who FROM deployed_by");
    return rows.empty() ? "" : rows[0];
}

RunOptions with_home(std::map<std::string, std::optional<std::string>> env = {}) {
    RunOptions o;
    o.env = std::move(env);
    o.env["HOME"] = (setup().dir->path() / "home").string();  // no stray ~/.pgpass
    return o;
}

std::string server_log() {
    std::ifstream in(server().socket_dir() / "server.log");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

size_t occurrences(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

/// Fails the test if `secret` shows up anywhere `r` printed.
void expect_no_secret(const RunResult& r, const std::string& secret, const std::string& what) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << what << " (stdout):\n" << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << what << " (stderr):\n" << r.err;
}

TEST(Connection, CertificateFlagsCombineWithAConnectionString) {
    const Shared& s = setup();
    const std::string db = owned_db("certuser", "mtls");
    auto r =
        run_pgmi({"deploy", s.tls_project.string(), "--connection",
                  "postgresql://certuser@localhost:" + port() + "/" + db + "?sslmode=verify-full",
                  "--sslcert", s.pki.client_crt.string(), "--sslkey", s.pki.client_key.string(),
                  "--sslrootcert", s.pki.ca_crt.string()},
                 with_home());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(deployed_by(db), "certuser");
}

TEST(Connection, EncryptedClientKeyWithPgsslpassword) {
    const Shared& s = setup();
    const std::string db = owned_db("certuser", "enckey");
    std::vector<std::string> args = {"deploy",
                                     s.tls_project.string(),
                                     "-h",
                                     "localhost",
                                     "-p",
                                     port(),
                                     "-U",
                                     "certuser",
                                     "-d",
                                     db,
                                     "--sslmode",
                                     "verify-full",
                                     "--sslcert",
                                     s.pki.client_crt.string(),
                                     "--sslkey",
                                     s.pki.client_key_encrypted.string(),
                                     "--sslrootcert",
                                     s.pki.ca_crt.string()};
    auto ok = run_pgmi(args, with_home({{"PGSSLPASSWORD", kPassphrase}}));
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_EQ(deployed_by(db), "certuser");
    expect_no_secret(ok, kPassphrase, "success");

    for (bool json : {false, true}) {
        auto a = args;
        if (json)
            a.push_back("--json");
        auto wrong = run_pgmi(a, with_home({{"PGSSLPASSWORD", "Wrong-Passphrase-3301"}}));
        EXPECT_EQ(wrong.exit_code, 11) << wrong.err;
        EXPECT_NE(wrong.err.find("SSL/TLS connection error"), std::string::npos) << wrong.err;
        EXPECT_NE(wrong.err.find("$PGSSLPASSWORD"), std::string::npos) << wrong.err;
        expect_no_secret(wrong, "Wrong-Passphrase-3301", "wrong passphrase");
        if (json) {
            EXPECT_NE(wrong.out.find("\"exitCode\": 11"), std::string::npos) << wrong.out;
        }
    }
}

// Issue 16, paper cut 7: a --sslkey that does not exist was hinted as needing $PGSSLPASSWORD.
TEST(Connection, MissingClientKeyFileIsNamedNotBlamedOnAPassphrase) {
    const Shared& s = setup();
    const std::string db = owned_db("certuser", "nokey");
    const std::string missing = (s.dir->path() / "no-such-client.key").string();
    auto r = run_pgmi(
        {"deploy", s.tls_project.string(), "-h", "localhost", "-p", port(), "-U", "certuser", "-d",
         db, "--sslmode", "verify-full", "--sslcert", s.pki.client_crt.string(), "--sslkey",
         missing, "--sslrootcert", s.pki.ca_crt.string()},
        with_home());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the client key file does not exist: check --sslkey"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("PGSSLPASSWORD"), std::string::npos) << r.err;
}

TEST(Connection, HostsslOnlyRoleAndHostNameVerification) {
    const Shared& s = setup();
    const std::string db = owned_db("sslonly", "sslonly");
    auto plain = run_pgmi({"deploy", s.tls_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                           "sslonly", "-d", db, "--sslmode", "disable"},
                          with_home());
    EXPECT_EQ(plain.exit_code, 11) << plain.err;
    EXPECT_NE(plain.err.find("authentication rejected for user \"sslonly\" on database \"" + db +
                             "\": pg_hba.conf rejects connection"),
              std::string::npos)
        << plain.err;
    EXPECT_NE(plain.err.find("use --sslmode require"), std::string::npos) << plain.err;

    auto tls = run_pgmi({"deploy", s.tls_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                         "sslonly", "-d", db, "--sslmode", "require"},
                        with_home());
    ASSERT_EQ(tls.exit_code, 0) << tls.err;
    EXPECT_EQ(deployed_by(db), "sslonly");

    auto mismatch = run_pgmi(
        {"deploy", s.tls_project.string(), "-h", "127.0.0.1", "-p", port(), "-U", "postgres", "-d",
         db, "--sslmode", "verify-full", "--sslrootcert", s.pki.ca_crt.string()},
        with_home());
    EXPECT_EQ(mismatch.exit_code, 11) << mismatch.err;
    EXPECT_NE(mismatch.err.find("does not match host name \"127.0.0.1\""), std::string::npos)
        << mismatch.err;
}

TEST(Connection, PasswordFileWithEscapesAndWildcards) {
    const Shared& s = setup();
    TempDir home;
    auto pgpass = home.write(".pgpass",
                             "# pgmi test\n"
                             "otherhost:*:*:pwuser:wrong\n"
                             "127.0.0.1:" +
                                 port() +
                                 ":*:pwuser:se\\:cr\\\\et-1\n"
                                 "*:*:*:*:never-reached\n");
    ::chmod(pgpass.c_str(), 0600);
    const std::string db = unique_db("pgpass");
    auto r = run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                       "pwuser", "-d", db, "--verbose"},
                      {.env = {{"HOME", home.path().string()}}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The target was created through the maintenance database: both found their password.
    EXPECT_NE(r.err.find("Database \"" + db + "\" does not exist; creating"), std::string::npos);
    EXPECT_EQ(deployed_by(db), "pwuser");
    EXPECT_NE(r.err.find("  Password: unset; password file " + pgpass.string() + " (default)"),
              std::string::npos)
        << r.err;
    expect_no_secret(r, "se:cr", "pgpass deploy");

    // $PGPASSFILE names another file.
    auto moved = home.write("elsewhere/pass", "*:*:*:pwuser:se\\:cr\\\\et-1\n");
    ::chmod(moved.c_str(), 0600);
    const std::string db2 = unique_db("pgpassfile");
    auto e = run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                       "pwuser", "-d", db2},
                      {.env = {{"HOME", "/nonexistent"}, {"PGPASSFILE", moved.string()}}});
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_EQ(deployed_by(db2), "pwuser");
}

TEST(Connection, GroupReadablePasswordFileIsIgnoredWithAWarning) {
    const Shared& s = setup();
    TempDir home;
    auto pgpass = home.write(".pgpass", "*:*:*:pwuser:se\\:cr\\\\et-1\n");
    ::chmod(pgpass.c_str(), 0640);
    auto r = run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                       "pwuser", "-d", unique_db("loose")},
                      {.env = {{"HOME", home.path().string()}}});
    EXPECT_EQ(r.exit_code, 11) << r.err;
    const std::string warning = "WARNING: password file \"" + pgpass.string() +
                                "\" has group or world access (mode 0640); it is not used. "
                                "Restrict it with: chmod 0600 " +
                                pgpass.string() + "\n";
    EXPECT_EQ(occurrences(r.err, warning), 1u) << r.err;
    EXPECT_EQ(r.err.find("permissions should be"), std::string::npos) << "libpq stays quiet";
    EXPECT_NE(r.err.find("password required for user \"pwuser\""), std::string::npos) << r.err;
    expect_no_secret(r, "se:cr", "ignored pgpass");
}

TEST(Connection, NoPasswordInAnyOutputForEveryFailure) {
    const Shared& s = setup();
    const std::string secret = "Hunter2-Secret-8812";
    const std::string db = unique_db("nopw");
    struct Case {
        std::string name;
        std::vector<std::string> args;
        std::map<std::string, std::optional<std::string>> env;
        int exit_code;
    };
    const std::vector<Case> cases = {
        {"wrong password in a URI",
         {"--connection", "postgresql://pwuser:" + secret + "@127.0.0.1:" + port() + "/postgres",
          "-d", db},
         {},
         11},
        {"wrong $PGPASSWORD",
         {"-h", "127.0.0.1", "-p", port(), "-U", "pwuser", "-d", db},
         {{"PGPASSWORD", secret}},
         11},
        {"wrong password in an ADO.NET string",
         {"--connection", "Host=127.0.0.1;Port=" + port() + ";Username=pwuser;Password=" + secret,
          "-d", db},
         {},
         11},
        {"URI with an unencoded '/' in the password",
         {"--connection", "postgresql://pwuser:" + secret + "/x@127.0.0.1/postgres"},
         {},
         10},
        {"ADO.NET with an unquoted ';' in the password from $DATABASE_URL",
         {"-d", db},
         {{"DATABASE_URL", "Host=h;Password=" + secret + ";tail;Port=1"}},
         10},
        {"malformed key=value with a password",
         {"--connection", "host=127.0.0.1 password=" + secret + " port=x"},
         {},
         10},
        {"good password, unreachable server",
         {"--connection", "postgresql://pwuser:" + secret + "@127.0.0.1:1/postgres", "-d", db},
         {},
         11},
        {"a password for a role pg_hba.conf rejects",
         {"--connection",
          "postgresql://sslonly:" + secret + "@127.0.0.1:" + port() + "/postgres?sslmode=disable",
          "-d", db},
         {},
         11},
    };
    for (const Case& c : cases) {
        for (bool json : {false, true}) {
            std::vector<std::string> args = {"deploy", s.plain_project.string()};
            args.insert(args.end(), c.args.begin(), c.args.end());
            if (json)
                args.push_back("--json");
            auto r = run_pgmi(args, with_home(c.env));
            EXPECT_EQ(r.exit_code, c.exit_code) << c.name << "\n" << r.err;
            expect_no_secret(r, secret, c.name);
            expect_no_secret(r, kPwuserPassword, c.name);
            expect_no_secret(r, "se:cr", c.name);
        }
    }
}

TEST(Connection, VerboseShowsEverySourceAndTheServersAnswer) {
    const Shared& s = setup();
    const std::string db = unique_db("verbose");
    auto r = run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                       "postgres", "-d", db, "--verbose"},
                      with_home({{"PGAPPNAME", "nightly-deploy"},
                                 {"PGCONNECT_TIMEOUT", "9"},
                                 {"PGSSLMODE", "require"}}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> lines = {
        std::string("[VERBOSE] Connection resolved:\n"),
        std::string("  Host: 127.0.0.1 (--host)\n"),
        "  Port: " + port() + " (--port)\n",
        std::string("  User: postgres (-U)\n"),
        "  Target Database: " + db + " (-d)\n",
        std::string("  Maintenance Database: postgres (default)\n"),
        std::string("  SSL Mode: require ($PGSSLMODE)\n"),
        std::string("  Application Name: nightly-deploy ($PGAPPNAME)\n"),
        std::string("  Connect Timeout: 9s ($PGCONNECT_TIMEOUT)\n"),
        std::string("  Auth Method: Standard\n"),
        std::string("[VERBOSE] Connected: PostgreSQL 15."),
        std::string("as \"postgres\", backend pid "),
        "server 127.0.0.1:" + port() + ", server_version_num 15"};
    for (const std::string& line : lines) {
        EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n---\n" << r.err;
    }
}

TEST(Connection, AdoNetKeyValueAndServiceStringsDeploy) {
    const Shared& s = setup();
    const std::string ado_db = unique_db("ado");
    auto ado = run_pgmi(
        {"deploy", s.tls_project.string(), "--connection",
         "Host=127.0.0.1;Port=" + port() + ";Database=postgres;Username=pwuser;Password='" +
             kPwuserPassword + "';SSL Mode=Require;Pooling=true",
         "-d", ado_db},
        with_home());
    ASSERT_EQ(ado.exit_code, 0) << ado.err;
    EXPECT_EQ(deployed_by(ado_db), "pwuser");
    EXPECT_NE(ado.err.find("WARNING: ignoring key \"Pooling\""), std::string::npos) << ado.err;

    const std::string kv_db = unique_db("kv");
    auto kv = run_pgmi({"deploy", s.plain_project.string(), "--connection",
                        "host=" + server().socket_dir().string() + " port=" + port() +
                            " user=postgres dbname=" + kv_db},
                       with_home());
    ASSERT_EQ(kv.exit_code, 0) << kv.err;
    EXPECT_EQ(deployed_by(kv_db), "postgres");

    TempDir conf;
    const std::string svc_db = unique_db("svc");
    auto file = conf.write("services.conf", "[deploytarget]\nhost=127.0.0.1\nport=" + port() +
                                                "\nuser=postgres\ndbname=" + svc_db +
                                                "\nsslmode=require\n");
    auto svc =
        run_pgmi({"deploy", s.tls_project.string(), "--verbose"},
                 with_home({{"PGSERVICEFILE", file.string()}, {"PGSERVICE", "deploytarget"}}));
    ASSERT_EQ(svc.exit_code, 0) << svc.err;
    EXPECT_EQ(deployed_by(svc_db), "postgres");
    EXPECT_NE(svc.err.find("  Host: 127.0.0.1 (service \"deploytarget\")\n"), std::string::npos)
        << svc.err;
    EXPECT_NE(svc.err.find("  Target Database: " + svc_db + " (service \"deploytarget\")\n"),
              std::string::npos)
        << svc.err;
}

TEST(Connection, GranularFlagsOverrideAConnectionStringFromTheEnvironment) {
    const Shared& s = setup();
    const std::string db = unique_db("envstr");
    auto r = run_pgmi({"deploy", s.plain_project.string(), "-h", server().socket_dir().string(),
                       "-p", port(), "-U", "postgres", "-d", db},
                      with_home({{"DATABASE_URL", "postgresql://nobody:pw@10.255.255.1/x"}}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("note: ignoring the connection string in $DATABASE_URL: -h, -p, -U on "
                         "the command line take precedence"),
              std::string::npos)
        << r.err;
    auto conflict = run_pgmi({"deploy", s.plain_project.string(), "--connection",
                              "postgresql://x/y", "-h", "h", "-d", db},
                             with_home());
    EXPECT_EQ(conflict.exit_code, 10) << conflict.err;
    EXPECT_NE(conflict.err.find("cannot specify both --connection and granular flags"),
              std::string::npos);
}

TEST(Connection, NotPostgreSQLExitsTen) {
    const Shared& s = setup();
    const std::string db = unique_db("impostor");
    query("postgres", "CREATE DATABASE " + db);
    query(db,
          "CREATE SCHEMA fake; CREATE FUNCTION fake.version() RETURNS text LANGUAGE sql AS "
          "$$SELECT 'CockroachDB CCL v23.1.11'$$; ALTER DATABASE " +
              db + " SET search_path = fake, pg_catalog");
    auto r = run_pgmi({"deploy", s.plain_project.string(), "--connection", server().uri(db)},
                      with_home());
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_NE(r.err.find("is not PostgreSQL: version() reports \"CockroachDB CCL v23.1.11\""),
              std::string::npos)
        << r.err;
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_class WHERE relname = 'deployed_by'"),
              std::vector<std::string>{"0"});
}

TEST(Connection, RetryReachesALateServerButNotAWrongPassword) {
    const Shared& s = setup();
    // Authentication failures are tried once: the server logs one failure. (--sslmode require:
    // with prefer, libpq itself repeats a refused TLS login without TLS, inside one attempt.)
    const std::string marker = "password authentication failed for user \"pwuser\"";
    const size_t before = occurrences(server_log(), marker);
    auto denied =
        run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                  "pwuser", "-d", unique_db("denied"), "--verbose", "--sslmode", "require"},
                 with_home({{"PGPASSWORD", "Not-The-Password-1"}}));
    EXPECT_EQ(denied.exit_code, 11) << denied.err;
    EXPECT_EQ(denied.err.find("Connection attempt"), std::string::npos) << denied.err;
    std::string log;
    for (int i = 0; i < 50 && occurrences(log = server_log(), marker) == before; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(occurrences(log, marker), before + 1);

    // A server that is down when pgmi starts and up ~300 ms later is reached on a later attempt.
    const std::string db = unique_db("late");
    server().stop();
    std::thread later([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        Status st = server().restart();
        EXPECT_TRUE(st) << st.error().message;
    });
    auto r = run_pgmi({"deploy", s.plain_project.string(), "-h", "127.0.0.1", "-p", port(), "-U",
                       "postgres", "-d", db, "--verbose"},
                      with_home());
    later.join();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("[VERBOSE] Connection attempt 1 of 3 to database \"" + db +
                         "\" failed (connection to server at \"127.0.0.1\", port " + port() +
                         " failed: Connection refused"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(deployed_by(db), "postgres");
}

}  // namespace
}  // namespace pgmi::test
