#include "config/project_config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/support.hpp"

namespace pgmi::config {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kPath = "/proj/pgmi.yaml";

ProjectConfig parse_ok(const std::string& yaml) {
    auto r = parse_project_config(yaml, kPath);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : ProjectConfig{};
}

// The detail after "failed to load pgmi.yaml: parse <path>: ".
std::string detail(const std::string& yaml) {
    auto r = parse_project_config(yaml, kPath);
    EXPECT_FALSE(r) << yaml;
    if (r)
        return "";
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    const std::string prefix = std::string("failed to load pgmi.yaml: parse ") + kPath + ": ";
    EXPECT_EQ(r.error().message.rfind(prefix, 0), 0u) << r.error().message;
    return r.error().message.substr(prefix.size());
}

TEST(ProjectConfig, FullValidFile) {
    const auto cfg = parse_ok(R"(# project settings
connection:
  host: db.example.com
  port: 6432
  username: deployer
  database: app
  maintenance_database: template1
  sslmode: verify-full
  sslcert: certs/client.crt
  sslkey: certs/client.key
  sslrootcert: certs/ca.crt
  auth_method: azure
  azure_tenant_id: tenant
  azure_client_id: client
  aws_region: eu-west-1
  google_instance: proj:region:inst
params:
  env: production
  port: 5432
  debug: true
  ratio: 1.50
  empty:
  quoted: "a: b"
  Mixed_Case: x
timeout: 1h30m
)");
    const auto& c = cfg.connection;
    EXPECT_EQ(c.host, "db.example.com");
    EXPECT_EQ(c.port, 6432);
    EXPECT_EQ(c.username, "deployer");
    EXPECT_EQ(c.database, "app");
    EXPECT_EQ(c.maintenance_database, "template1");
    EXPECT_EQ(c.sslmode, "verify-full");
    EXPECT_EQ(c.sslcert, "certs/client.crt");
    EXPECT_EQ(c.sslkey, "certs/client.key");
    EXPECT_EQ(c.sslrootcert, "certs/ca.crt");
    EXPECT_EQ(c.auth_method, "azure");
    EXPECT_EQ(c.azure_tenant_id, "tenant");
    EXPECT_EQ(c.azure_client_id, "client");
    EXPECT_EQ(c.aws_region, "eu-west-1");
    EXPECT_EQ(c.google_instance, "proj:region:inst");
    const Pairs want = {{"env", "production"}, {"port", "5432"}, {"debug", "true"},
                        {"ratio", "1.50"},     {"empty", ""},    {"quoted", "a: b"},
                        {"Mixed_Case", "x"}};
    EXPECT_EQ(cfg.params, want);
    EXPECT_EQ(cfg.timeout, "1h30m");
}

TEST(ProjectConfig, EmptyCommentsAndNulls) {
    for (const std::string yaml : {"", "\n\n", "# only\n# comments\n", "---\n", "~\n"}) {
        const auto cfg = parse_ok(yaml);
        EXPECT_FALSE(cfg.connection.host);
        EXPECT_TRUE(cfg.params.empty());
        EXPECT_FALSE(cfg.timeout);
    }
    const auto cfg = parse_ok("connection:\nparams:\ntimeout:\n");
    EXPECT_FALSE(cfg.connection.port);
    EXPECT_TRUE(cfg.params.empty());
    EXPECT_FALSE(cfg.timeout);
    const auto nulls = parse_ok("connection:\n  host: ~\n  port: null\n");
    EXPECT_FALSE(nulls.connection.host);
    EXPECT_FALSE(nulls.connection.port);
}

TEST(ProjectConfig, LiteralScalarText) {
    const auto cfg = parse_ok(
        "connection:\n  host: 10.0.0.1\n  database: 007\n  username: yes\n"
        "timeout: 30\nparams:\n  n: 0x1F\n  b: no\n  s: 'single'\n  f: 1e3\n");
    EXPECT_EQ(cfg.connection.host, "10.0.0.1");
    EXPECT_EQ(cfg.connection.database, "007");
    EXPECT_EQ(cfg.connection.username, "yes");
    EXPECT_EQ(cfg.timeout, "30");
    const Pairs want = {{"n", "0x1F"}, {"b", "no"}, {"s", "single"}, {"f", "1e3"}};
    EXPECT_EQ(cfg.params, want);
}

TEST(ProjectConfig, OnlyFirstDocument) {
    const auto cfg = parse_ok(
        "connection:\n  host: first\n---\nconnection:\n  host: second\n"
        "bogus: key\n");
    EXPECT_EQ(cfg.connection.host, "first");
    const auto broken_second = parse_ok("timeout: 5m\n---\n[unclosed\n");
    EXPECT_EQ(broken_second.timeout, "5m");
}

TEST(ProjectConfig, UnknownKeysAtEveryLevel) {
    EXPECT_EQ(detail("timeout: 1m\nconnections:\n  host: x\n"),
              "line 2, column 1: unknown key \"connections\" (allowed: connection, params, "
              "timeout)");
    EXPECT_EQ(detail("connection:\n  host: x\n  passwrd: hunter2\n"),
              "line 3, column 3: unknown key \"connection.passwrd\" (allowed: host, port, "
              "username, database, maintenance_database, sslmode, sslcert, sslkey, sslrootcert, "
              "auth_method, azure_tenant_id, azure_client_id, aws_region, google_instance, "
              "google_ip_type)");
    EXPECT_EQ(detail("overwrite: true\n"),
              "line 1, column 1: unknown key \"overwrite\" (allowed: connection, params, timeout)");
    EXPECT_NE(detail("force: true\n").find("unknown key \"force\""), std::string::npos);
    EXPECT_EQ(detail("connection:\n  Port: 5432\n"),
              "line 2, column 3: unknown key \"connection.Port\" (keys are case-sensitive: did "
              "you mean \"connection.port\"?)");
    EXPECT_EQ(detail("connection:\n  host: x\n  host: y\n"),
              "line 3, column 3: duplicate key \"connection.host\"");
    EXPECT_EQ(detail("params:\n  a: 1\n  a: 2\n"), "line 3, column 3: duplicate key \"params.a\"");
}

TEST(ProjectConfig, UnknownKeyThatLooksLikeAValueIsNotQuoted) {
    const std::string d = detail("connection:\n  \"postgres://u:hunter2@h/db\": x\n");
    EXPECT_EQ(d.find("hunter2"), std::string::npos);
    EXPECT_NE(d.find("unknown key under \"connection\""), std::string::npos) << d;
}

TEST(ProjectConfig, SecretKeys) {
    EXPECT_EQ(detail("connection:\n  host: h\n  password: hunter2\n"),
              "line 3, column 3: pgmi.yaml must not hold secrets: remove connection.password and "
              "use PGPASSWORD, ~/.pgpass or a cloud identity");
    EXPECT_EQ(detail("connection:\n  sslpassword: hunter2\n"),
              "line 2, column 3: pgmi.yaml must not hold secrets: remove connection.sslpassword "
              "and use PGSSLPASSWORD");
    EXPECT_EQ(detail("connection:\n  azure_client_secret: hunter2\n"),
              "line 2, column 3: pgmi.yaml must not hold secrets: remove "
              "connection.azure_client_secret and use AZURE_CLIENT_SECRET or a managed identity");
    EXPECT_EQ(detail("password: hunter2\n"),
              "line 1, column 1: pgmi.yaml must not hold secrets: remove password and use "
              "PGPASSWORD, ~/.pgpass or a cloud identity");
    EXPECT_NE(detail("connection:\n  client_secret: x\n").find("remove connection.client_secret"),
              std::string::npos);
    EXPECT_NE(detail("connection:\n  access_token: x\n").find("must not hold secrets"),
              std::string::npos);
}

TEST(ProjectConfig, WrongTypes) {
    EXPECT_EQ(detail("connection:\n  port: abc\n"),
              "line 2, column 9: \"connection.port\" must be an integer");
    EXPECT_EQ(detail("connection:\n  port: 54.32\n"),
              "line 2, column 9: \"connection.port\" must be an integer");
    EXPECT_EQ(detail("connection:\n  port: \"5432\"\n"),
              "line 2, column 9: \"connection.port\" must be an integer (without quotes or a tag)");
    EXPECT_EQ(detail("connection:\n  port: 70000\n"),
              "line 2, column 9: \"connection.port\" must be between 1 and 65535 (0 or absent: "
              "default)");
    EXPECT_NE(detail("connection:\n  port: -1\n").find("between 1 and 65535"), std::string::npos);
    EXPECT_NE(detail("connection:\n  port: 99999999999999999999999\n").find("between 1 and 65535"),
              std::string::npos);
    EXPECT_EQ(detail("connection:\n  port: [1]\n"),
              "line 2, column 9: \"connection.port\" must be an integer");
    EXPECT_EQ(detail("connection:\n  host: [a, b]\n"),
              "line 2, column 9: \"connection.host\" must be a string");
    EXPECT_EQ(detail("connection:\n  host:\n    nested: x\n"),
              "line 3, column 5: \"connection.host\" must be a string");
    EXPECT_EQ(detail("connection: postgres://u:hunter2@h/db\n"),
              "line 1, column 13: \"connection\" must be a mapping of connection settings");
    EXPECT_EQ(detail("params: [a, b]\n"),
              "line 1, column 9: \"params\" must be a mapping of names to values");
    EXPECT_EQ(detail("params:\n  list: [1, 2]\n"),
              "line 2, column 9: \"params.list\" must be a single value (string, number or "
              "boolean)");
    EXPECT_EQ(detail("timeout: {a: 1}\n"),
              "line 1, column 10: \"timeout\" must be a duration such as 30s, 5m or 1h30m");
    EXPECT_EQ(detail("- a\n- b\n"),
              "line 1, column 1: the top level must be a mapping with the keys connection, "
              "params, timeout");
    EXPECT_NE(detail("just text\n").find("the top level must be a mapping"), std::string::npos);
    EXPECT_EQ(detail("? [a]\n: 1\n"), "line 1, column 3: mapping keys must be plain names");
}

TEST(ProjectConfig, PortBounds) {
    EXPECT_EQ(parse_ok("connection:\n  port: 0\n").connection.port, 0);
    EXPECT_EQ(parse_ok("connection:\n  port: 65535\n").connection.port, 65535);
    EXPECT_EQ(parse_ok("connection:\n  port: !!int 5432\n").connection.port, 5432);
}

TEST(ProjectConfig, SyntaxErrorsGivePositionNotContent) {
    EXPECT_EQ(detail("connection:\n  host: [unclosed\n"),
              "line 3, column 1: end of sequence flow not found");
    const std::string d = detail("params:\n  k: \"bad \\uZZZZ escape s3cret\"\n");
    EXPECT_EQ(d.find("s3cret"), std::string::npos);
    EXPECT_EQ(d.find("ZZZZ"), std::string::npos);
    EXPECT_EQ(d.rfind("line 2, column", 0), 0u) << d;
    const std::string tab = detail("connection:\n\thost: x\n");
    EXPECT_EQ(tab.rfind("line ", 0), 0u) << tab;
}

TEST(ProjectConfig, ErrorsNeverEchoScalarValues) {
    for (const std::string yaml :
         {"connection:\n  port: hunter2\n", "connection: hunter2\n", "params: hunter2\n",
          "params:\n  k: [hunter2]\n", "timeout: [hunter2]\n", "connection:\n  host: [hunter2]\n",
          "connection:\n  password: hunter2\n", "hunter2\n", "connection:\n  x: hunter2\n"}) {
        const std::string d = detail(yaml);
        EXPECT_EQ(d.find("hunter2"), std::string::npos) << d;
    }
}

TEST(ProjectConfig, LoadFromDirectory) {
    test::TempDir dir;
    auto missing = load_project_config(dir.path());
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->connection.host);

    dir.write("pgmi.yaml", "connection:\n  host: h\n");
    auto loaded = load_project_config(dir.path());
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->connection.host, "h");

    dir.write("pgmi.yaml", "connection:\n  hots: h\n");
    auto bad = load_project_config(dir.path());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message,
              "failed to load pgmi.yaml: parse " + (dir.path() / "pgmi.yaml").string() +
                  ": line 2, column 3: unknown key \"connection.hots\" "
                  "(allowed: host, port, username, database, "
                  "maintenance_database, sslmode, sslcert, sslkey, "
                  "sslrootcert, auth_method, azure_tenant_id, "
                  "azure_client_id, aws_region, google_instance, google_ip_type)");
}

TEST(ProjectConfig, UnreadableFile) {
    test::TempDir dir;
    std::filesystem::create_directory(dir.path() / "pgmi.yaml");
    auto r = load_project_config(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, "failed to load pgmi.yaml: parse " +
                                     (dir.path() / "pgmi.yaml").string() +
                                     ": cannot read the file: Is a directory");
}

// Hostile pgmi.yaml: no blocking, no link, no unbounded read (issue 17).
TEST(ProjectConfig, NamedPipeRefusedWithoutBlocking) {
    test::TempDir dir;
    const auto path = dir.path() / "pgmi.yaml";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto r = load_project_config(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, "failed to load pgmi.yaml: " + path.string() +
                                     " is a named pipe, not a regular file");
}

TEST(ProjectConfig, LinkRefusedEvenToARealFile) {
    test::TempDir dir;
    test::TempDir outside;
    const auto target = outside.write("pgmi.yaml", "connection:\n  host: elsewhere\n");
    std::filesystem::create_symlink(target, dir.path() / "pgmi.yaml");
    auto r = load_project_config(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "failed to load pgmi.yaml: " + (dir.path() / "pgmi.yaml").string() +
                  " is a symbolic link, not a regular file; pgmi does not "
                  "follow links inside a project (copy the file in)");
    // To /dev/zero: refused the same way, nothing read.
    std::filesystem::remove(dir.path() / "pgmi.yaml");
    std::filesystem::create_symlink("/dev/zero", dir.path() / "pgmi.yaml");
    EXPECT_FALSE(load_project_config(dir.path()));
}

TEST(ProjectConfig, ProjectDirectoryMayBeALink) {
    test::TempDir dir;
    dir.write("real/pgmi.yaml", "connection:\n  host: h\n");
    std::filesystem::create_directory_symlink(dir.path() / "real", dir.path() / "linked");
    auto r = load_project_config(dir.path() / "linked");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->connection.host, "h");
}

TEST(ProjectConfig, OversizedFileRefusedBeforeReading) {
    test::TempDir dir;
    const auto path = dir.write("pgmi.yaml", "");
    std::filesystem::resize_file(path, kMaxProjectConfigBytes + 1);
    auto r = load_project_config(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "failed to load pgmi.yaml: " + path.string() +
                                     " is 1048577 bytes, over the 1 MiB limit for pgmi.yaml");
}

TEST(ProjectConfig, OversizedTextNeverReachesTheYamlParser) {
    // One scalar just over the cap: refused by size before yaml-cpp sees it.
    const std::string yaml = "timeout: " + std::string(kMaxProjectConfigBytes, 'x') + "\n";
    EXPECT_EQ(detail(yaml), "the text is " + std::to_string(yaml.size()) +
                                " bytes, over the 1 MiB limit for pgmi.yaml");
    // At the cap exactly it is parsed (and fails on its content, not its size).
    const std::string at_cap = "timeout: " + std::string(kMaxProjectConfigBytes - 10, 'x') + "\n";
    ASSERT_EQ(at_cap.size(), kMaxProjectConfigBytes);
    EXPECT_TRUE(parse_project_config(at_cap, kPath));
}

}  // namespace
}  // namespace pgmi::config
