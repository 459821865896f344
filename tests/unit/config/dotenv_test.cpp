#include "config/dotenv.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/support.hpp"

namespace pgmi::config {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs parse_ok(std::string_view text, std::map<std::string, std::string> env = {}) {
    auto r = parse_dotenv(text, env_from(std::move(env)));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : Pairs{};
}

std::string parse_fails(std::string_view text) {
    auto r = parse_dotenv(text, env_from({}));
    EXPECT_FALSE(r) << text;
    if (r)
        return "";
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    return r.error().message;
}

TEST(Dotenv, BasicForms) {
    const Pairs got = parse_ok(
        "# comment\n"
        "\n"
        "A=1\n"
        "  B = spaced value  \n"
        "export C=exported\n"
        "export\tD=tab\n"
        "E=\n"
        "F= # only a comment\n"
        "G=value # trailing comment\n"
        "H=a#b\n"
        "I=#notcomment\n"
        "dotted.key-name=x\n"
        "export=plain\n"
        "exported=yes\n"
        "J=a \"quoted\" word\n"
        "K=C:\\path\\n\n");
    const Pairs want = {{"A", "1"},
                        {"B", "spaced value"},
                        {"C", "exported"},
                        {"D", "tab"},
                        {"E", ""},
                        {"F", ""},
                        {"G", "value"},
                        {"H", "a#b"},
                        {"I", "#notcomment"},
                        {"dotted.key-name", "x"},
                        {"export", "plain"},
                        {"exported", "yes"},
                        {"J", "a \"quoted\" word"},
                        {"K", "C:\\path\\n"}};
    EXPECT_EQ(got, want);
}

TEST(Dotenv, SingleQuotesAreLiteral) {
    const Pairs got = parse_ok(
        "A='lit $HOME ${HOME} \\n # not comment'\n"
        "B='' # c\n"
        "C='multi\nline'\n"
        "D=after\n",
        {{"HOME", "/root"}});
    const Pairs want = {{"A", "lit $HOME ${HOME} \\n # not comment"},
                        {"B", ""},
                        {"C", "multi\nline"},
                        {"D", "after"}};
    EXPECT_EQ(got, want);
}

TEST(Dotenv, DoubleQuotesEscapesAndExpansion) {
    const Pairs got = parse_ok(
        "A=\"tab\\tnl\\ncr\\rq\\\"bs\\\\d\\$x\\q\"\n"
        "B=\"${USER} and $USER\"\n"
        "C=\"line1\nline2\" # comment\n"
        "D=\"#not comment\"\n"
        "E=\"${MISSING}|${MISSING:-dflt}|${USER:-dflt}\"\n",
        {{"USER", "alice"}});
    const Pairs want = {{"A", "tab\tnl\ncr\rq\"bs\\d$x\\q"},
                        {"B", "alice and $USER"},
                        {"C", "line1\nline2"},
                        {"D", "#not comment"},
                        {"E", "|dflt|alice"}};
    EXPECT_EQ(got, want);
}

TEST(Dotenv, UnquotedExpansion) {
    const Pairs got = parse_ok(
        "HOST=db.local\n"
        "URL=postgres://$HOST:${PORT}/x\n"
        "PRICE=$5 and $ alone\n"
        "EMPTY=${NOPE}end\n"
        "DEF=${NOPE:-fallback}\n"
        "HOST=override\n"
        "AFTER=$HOST\n",
        {{"PORT", "5433"}, {"HOST", "from-env"}});
    const Pairs want = {{"HOST", "override"},        {"URL", "postgres://db.local:5433/x"},
                        {"PRICE", "$5 and $ alone"}, {"EMPTY", "end"},
                        {"DEF", "fallback"},         {"AFTER", "override"}};
    EXPECT_EQ(got, want);
}

TEST(Dotenv, EnvironmentUsedWhenFileLacksKey) {
    EXPECT_EQ(parse_ok("A=${X}\n", {{"X", "env"}}), (Pairs{{"A", "env"}}));
    EXPECT_EQ(parse_ok("X=file\nA=${X}\n", {{"X", "env"}}), (Pairs{{"X", "file"}, {"A", "file"}}));
}

TEST(Dotenv, CrlfAndBom) {
    const Pairs got = parse_ok(
        "\xEF\xBB\xBF"
        "A=1\r\nB=\"x\r\ny\"\r\nC='z' \r\n");
    const Pairs want = {{"A", "1"}, {"B", "x\ny"}, {"C", "z"}};
    EXPECT_EQ(got, want);
}

TEST(Dotenv, EmptyAndCommentOnly) {
    EXPECT_TRUE(parse_ok("").empty());
    EXPECT_TRUE(parse_ok("# a\n   # b\n\n").empty());
    EXPECT_EQ(parse_ok("A=1"), (Pairs{{"A", "1"}}));
}

TEST(Dotenv, ErrorsNameLineOnly) {
    EXPECT_EQ(parse_fails("A=1\nhunter2\n"), "line 2: expected '=' after the variable name");
    EXPECT_EQ(parse_fails("A=1\n\n=s3cret\n"), "line 3: expected a variable name");
    EXPECT_EQ(parse_fails("1A=x"), "line 1: expected a variable name");
    EXPECT_EQ(parse_fails("A=1\nB=\"open\nmore\n"), "line 2: unterminated double-quoted value");
    EXPECT_EQ(parse_fails("B='open\n"), "line 1: unterminated single-quoted value");
    EXPECT_EQ(parse_fails("A=\"x\"\nB=\"closed\" junk\n"),
              "line 2: unexpected text after the closing quote");
    EXPECT_EQ(parse_fails("A=\"a\nb\" junk\n"), "line 2: unexpected text after the closing quote");
    EXPECT_EQ(parse_fails("A=${unterminated\n"), "line 1: malformed ${...} reference");
    EXPECT_EQ(parse_fails("A=\"${1x}\"\n"), "line 1: malformed ${...} reference");
    EXPECT_EQ(parse_fails(std::string("A=1\nB=x\0y\n", 10)), "line 2: contains a NUL byte");
    EXPECT_EQ(parse_fails("export A\n"), "line 1: expected '=' after the variable name");
    EXPECT_EQ(parse_fails("KEY: value\n"), "line 1: expected '=' after the variable name");
}

// Loading into the process environment: libpq variables a .env may set, cleared around each test.

class DotenvLoading : public ::testing::Test {
  protected:
    // Names .env may set (dotenv_may_set); the environment this test runs in must not hold them.
    void SetUp() override { TearDown(); }
    void TearDown() override {
        for (const char* name : {"PGAPPNAME", "PGOPTIONS", "PGTZ", "PGSSLPASSWORD"}) {
            ::unsetenv(name);
        }
    }
    test::TempDir dir;
};

TEST_F(DotenvLoading, MissingFileIsSilent) {
    EXPECT_EQ(load_project_dotenv(dir.path().string()).value().warning, "");
    EXPECT_EQ(load_project_dotenv((dir.path() / "no-such-dir").string()).value().warning, "");
}

TEST_F(DotenvLoading, AppliesWithoutOverriding) {
    ::setenv("PGTZ", "real", 1);
    dir.write(".env", "PGAPPNAME=from file\nPGTZ=from file\nPGOPTIONS=${PGAPPNAME}!\n");
    const config::DotenvLoad load = load_project_dotenv(dir.path().string()).value();
    EXPECT_EQ(load.warning, "");
    EXPECT_EQ(load.applied, (std::vector<std::string>{"PGAPPNAME", "PGOPTIONS"}));
    EXPECT_STREQ(std::getenv("PGAPPNAME"), "from file");
    EXPECT_STREQ(std::getenv("PGOPTIONS"), "from file!");
    EXPECT_STREQ(std::getenv("PGTZ"), "real");
}

TEST_F(DotenvLoading, BadFileAppliesNothingAndWarnsWithoutContent) {
    const std::string fake_password = "Sup3rS3cretPassw0rd";
    dir.write(".env", "PGAPPNAME=applied?\nPGSSLPASSWORD=\"" + fake_password + "\" trailing " +
                          fake_password + "\nPGOPTIONS=2\n");
    const std::string path = (dir.path() / ".env").string();
    const std::string warning = load_project_dotenv(dir.path().string()).value().warning;
    EXPECT_EQ(warning, "WARNING: " + path +
                           " could not be parsed (line 2: unexpected text after the closing "
                           "quote), so none of its values were applied.\n"
                           "Every line must be KEY=VALUE, a # comment, or blank.");
    EXPECT_EQ(warning.find(fake_password), std::string::npos);
    EXPECT_EQ(std::getenv("PGAPPNAME"), nullptr);
    EXPECT_EQ(std::getenv("PGSSLPASSWORD"), nullptr);
    EXPECT_EQ(std::getenv("PGOPTIONS"), nullptr);
}

TEST_F(DotenvLoading, PasswordOnItsOwnLineNeverEchoed) {
    const std::string fake_password = "hunter2-Zq9!";
    dir.write(".env", "PGAPPNAME=1\n" + fake_password + "\n");
    const std::string warning = load_project_dotenv(dir.path().string()).value().warning;
    EXPECT_NE(warning.find("could not be parsed"), std::string::npos);
    EXPECT_EQ(warning.find(fake_password), std::string::npos);
    EXPECT_EQ(std::getenv("PGAPPNAME"), nullptr);
}

// A project file must not copy a secret from the environment (or from itself) into another
// variable: PGUSER=${PGPASSWORD} would send the password as the user name, which servers log.
TEST_F(DotenvLoading, SecretReferencesAreRefusedAndNothingIsApplied) {
    ::setenv("PGSSLPASSWORD", "hunter2-from-env", 1);
    for (const std::string& line :
         {std::string("PGOPTIONS=${PGPASSWORD}"),
          std::string("PGOPTIONS=\"x${AZURE_CLIENT_SECRET}\""),
          std::string("PGOPTIONS=$AWS_SESSION_TOKEN"), std::string("PGOPTIONS=${my_api_token:-x}"),
          std::string("PGOPTIONS=${DATABASE_URL}"),
          std::string("PGPASSWORD=a\nPGOPTIONS=${PGPASSWORD}")}) {
        dir.write(".env", "PGAPPNAME=1\n" + line + "\n");
        const config::DotenvLoad load = load_project_dotenv(dir.path().string()).value();
        EXPECT_NE(load.warning.find(": ${"), std::string::npos) << line << load.warning;
        EXPECT_NE(load.warning.find("holds a secret; .env may not copy a secret into another "
                                    "variable (set PGOPTIONS itself instead)"),
                  std::string::npos)
            << load.warning;
        EXPECT_EQ(load.warning.find("hunter2"), std::string::npos);
        EXPECT_TRUE(load.applied.empty());
        EXPECT_EQ(std::getenv("PGAPPNAME"), nullptr) << line;
        EXPECT_EQ(std::getenv("PGOPTIONS"), nullptr) << line;
    }
    ::unsetenv("PGSSLPASSWORD");
    // Setting a secret directly is the user's own choice and still works.
    dir.write(".env", "PGSSLPASSWORD=direct\nPGAPPNAME=${PGOPTIONS:-plain}\n");
    EXPECT_EQ(load_project_dotenv(dir.path().string()).value().warning, "");
    EXPECT_STREQ(std::getenv("PGSSLPASSWORD"), "direct");
    EXPECT_STREQ(std::getenv("PGAPPNAME"), "plain");
}

TEST(Dotenv, SecretVariableNames) {
    for (const char* name : {"PGPASSWORD", "PGSSLPASSWORD", "AZURE_CLIENT_SECRET", "my_token",
                             "AWS_SECRET_ACCESS_KEY", "GIT_PASSWD", "SSH_PRIVATE_KEY",
                             "DATABASE_URL", "pgmi_connection_string", "IDENTITY_HEADER"}) {
        EXPECT_TRUE(is_secret_variable(name)) << name;
    }
    for (const char* name : {"PGUSER", "PGHOST", "PWD", "HOME", "PGPASSFILE_DIR_X", "KEYCLOAK"}) {
        EXPECT_FALSE(is_secret_variable(name)) << name;
    }
}

TEST_F(DotenvLoading, UnreadableFileWarns) {
    std::filesystem::create_directory(dir.path() / ".env");  // a directory cannot be read
    const std::string warning = load_project_dotenv(dir.path().string()).value().warning;
    EXPECT_EQ(warning, "WARNING: " + (dir.path() / ".env").string() +
                           " could not be read (Is a directory), so none of its values were "
                           "applied.");
}

// Hostile .env (issue 17): refused with a Config error, nothing applied, no blocking.
TEST_F(DotenvLoading, NamedPipeRefusedWithoutBlocking) {
    const auto path = dir.path() / ".env";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, path.string() + " is a named pipe, not a regular file");
}

TEST_F(DotenvLoading, LinkRefusedAndNothingApplied) {
    test::TempDir outside;
    const auto target = outside.write("env", "PGAPPNAME=through-a-link\n");
    std::filesystem::create_symlink(target, dir.path() / ".env");
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, (dir.path() / ".env").string() +
                                     " is a symbolic link, not a regular file; pgmi does not "
                                     "follow links inside a project (copy the file in)");
    EXPECT_EQ(std::getenv("PGAPPNAME"), nullptr);
}

TEST_F(DotenvLoading, LinkToDevZeroRefused) {
    std::filesystem::create_symlink("/dev/zero", dir.path() / ".env");
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
}

TEST_F(DotenvLoading, OversizedRefusedBeforeReading) {
    const auto path = dir.write(".env", "PGAPPNAME=1\n");
    std::filesystem::resize_file(path, kMaxDotenvBytes + 1);
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              path.string() + " is 1048577 bytes, over the 1 MiB limit for .env");
    EXPECT_EQ(std::getenv("PGAPPNAME"), nullptr);
}

TEST(Dotenv, DoublingReferencesStopAtTheBudget) {
    // 40 lines, each twice the one before: 2^40 bytes if nothing stopped it.
    std::string text = "A0=xxxxxxxxxxxxxxxx\n";
    for (int i = 1; i <= 40; ++i)
        text += "A" + std::to_string(i) + "=$A" + std::to_string(i - 1) + "${A" +
                std::to_string(i - 1) + "}\n";
    const std::string m = parse_fails(text);
    EXPECT_NE(m.find("expand to more than 16 MiB"), std::string::npos) << m;
    // Below the budget, doubling works as written.
    std::string small = "B0=xy\nB1=$B0$B0\nB2=$B1$B1\n";
    EXPECT_EQ(parse_ok(small).back(), (std::pair<std::string, std::string>{"B2", "xyxyxyxy"}));
}

TEST(Dotenv, AProjectMaySetConnectionVariablesAndCredentialsOnly) {
    for (const char* name :
         {"PGHOST", "PGPASSWORD", "PGSSLROOTCERT", "PGMI_CONNECTION_STRING", "DATABASE_URL",
          "AZURE_CLIENT_SECRET", "AWS_PROFILE", "GOOGLE_APPLICATION_CREDENTIALS"}) {
        EXPECT_TRUE(dotenv_may_set(name)) << name;
    }
    for (const char* name : {"AWS_CONFIG_FILE",
                             "AWS_SHARED_CREDENTIALS_FILE",
                             "AWS_WEB_IDENTITY_TOKEN_FILE",
                             "AWS_ENDPOINT_URL_STS",
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                             "AZURE_AUTHORITY_HOST",
                             "AZURE_FEDERATED_TOKEN_FILE",
                             "IDENTITY_ENDPOINT",
                             "GCE_METADATA_HOST",
                             "CLOUDSDK_CONFIG",
                             "PGMI_PAGER",
                             "PGMI_AZURE_IMDS_ENDPOINT",
                             "PGMI_TEST_LOOPBACK_ONLY",
                             "LD_PRELOAD",
                             "PATH",
                             "HOME",
                             "OPENSSL_CONF",
                             "SSL_CERT_FILE",
                             "https_proxy",
                             "SSLKEYLOGFILE",
                             "pghost",
                             "NODE_ENV"}) {
        EXPECT_FALSE(dotenv_may_set(name)) << name;
    }
}

TEST_F(DotenvLoading, RefusedVariablesAreNotAppliedAndTheOnesThatMatterAreNamed) {
    ::unsetenv("OPENSSL_CONF");
    ::unsetenv("MY_APP_MODE");
    dir.write(".env",
              "PGAPPNAME=ok\nOPENSSL_CONF=/tmp/evil.cnf\nMY_APP_MODE=dev\n"
              "https_proxy=http://127.0.0.1:9\n");
    const config::DotenvLoad load = load_project_dotenv(dir.path().string()).value();
    EXPECT_EQ(load.applied, (std::vector<std::string>{"PGAPPNAME"}));
    EXPECT_EQ(load.refused,
              (std::vector<std::string>{"OPENSSL_CONF", "MY_APP_MODE", "https_proxy"}));
    EXPECT_EQ(std::getenv("OPENSSL_CONF"), nullptr);
    EXPECT_EQ(std::getenv("MY_APP_MODE"), nullptr);
    EXPECT_EQ(load.warning, "WARNING: " + (dir.path() / ".env").string() +
                                " sets OPENSSL_CONF, https_proxy, which a project may not "
                                "choose, so they were not applied.\nA project's .env may set "
                                "connection variables (PG*, PGMI_CONNECTION_STRING, DATABASE_URL) "
                                "and cloud credentials; export anything else in your own "
                                "environment.");
    dir.write(".env", "PGAPPNAME=ok\nMY_APP_MODE=dev\n");
    EXPECT_EQ(load_project_dotenv(dir.path().string()).value().warning, "");
}

}  // namespace
}  // namespace pgmi::config
