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

// Loading into the process environment. Variable names carry a prefix unique to this file.

class DotenvLoading : public ::testing::Test {
  protected:
    void TearDown() override {
        for (const char* name : {"PGMI_T_A", "PGMI_T_B", "PGMI_T_PRESET", "PGMI_T_PW"}) {
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
    ::setenv("PGMI_T_PRESET", "real", 1);
    dir.write(".env", "PGMI_T_A=from file\nPGMI_T_PRESET=from file\nPGMI_T_B=${PGMI_T_A}!\n");
    const config::DotenvLoad load = load_project_dotenv(dir.path().string()).value();
    EXPECT_EQ(load.warning, "");
    EXPECT_EQ(load.applied, (std::vector<std::string>{"PGMI_T_A", "PGMI_T_B"}));
    EXPECT_STREQ(std::getenv("PGMI_T_A"), "from file");
    EXPECT_STREQ(std::getenv("PGMI_T_B"), "from file!");
    EXPECT_STREQ(std::getenv("PGMI_T_PRESET"), "real");
}

TEST_F(DotenvLoading, BadFileAppliesNothingAndWarnsWithoutContent) {
    const std::string fake_password = "Sup3rS3cretPassw0rd";
    dir.write(".env", "PGMI_T_A=applied?\nPGMI_T_PW=\"" + fake_password + "\" trailing " +
                          fake_password + "\nPGMI_T_B=2\n");
    const std::string path = (dir.path() / ".env").string();
    const std::string warning = load_project_dotenv(dir.path().string()).value().warning;
    EXPECT_EQ(warning, "WARNING: " + path +
                           " could not be parsed (line 2: unexpected text after the closing "
                           "quote), so none of its values were applied.\n"
                           "Every line must be KEY=VALUE, a # comment, or blank.");
    EXPECT_EQ(warning.find(fake_password), std::string::npos);
    EXPECT_EQ(std::getenv("PGMI_T_A"), nullptr);
    EXPECT_EQ(std::getenv("PGMI_T_PW"), nullptr);
    EXPECT_EQ(std::getenv("PGMI_T_B"), nullptr);
}

TEST_F(DotenvLoading, PasswordOnItsOwnLineNeverEchoed) {
    const std::string fake_password = "hunter2-Zq9!";
    dir.write(".env", "PGMI_T_A=1\n" + fake_password + "\n");
    const std::string warning = load_project_dotenv(dir.path().string()).value().warning;
    EXPECT_NE(warning.find("could not be parsed"), std::string::npos);
    EXPECT_EQ(warning.find(fake_password), std::string::npos);
    EXPECT_EQ(std::getenv("PGMI_T_A"), nullptr);
}

// A project file must not copy a secret from the environment (or from itself) into another
// variable: PGUSER=${PGPASSWORD} would send the password as the user name, which servers log.
TEST_F(DotenvLoading, SecretReferencesAreRefusedAndNothingIsApplied) {
    ::setenv("PGMI_T_PW", "hunter2-from-env", 1);
    for (const std::string& line :
         {std::string("PGMI_T_B=${PGPASSWORD}"),
          std::string("PGMI_T_B=\"x${AZURE_CLIENT_SECRET}\""),
          std::string("PGMI_T_B=$AWS_SESSION_TOKEN"), std::string("PGMI_T_B=${my_api_token:-x}"),
          std::string("PGMI_T_B=${DATABASE_URL}"),
          std::string("PGPASSWORD=a\nPGMI_T_B=${PGPASSWORD}")}) {
        dir.write(".env", "PGMI_T_A=1\n" + line + "\n");
        const config::DotenvLoad load = load_project_dotenv(dir.path().string()).value();
        EXPECT_NE(load.warning.find(": ${"), std::string::npos) << line << load.warning;
        EXPECT_NE(load.warning.find("holds a secret; .env may not copy a secret into another "
                                    "variable (set PGMI_T_B itself instead)"),
                  std::string::npos)
            << load.warning;
        EXPECT_EQ(load.warning.find("hunter2"), std::string::npos);
        EXPECT_TRUE(load.applied.empty());
        EXPECT_EQ(std::getenv("PGMI_T_A"), nullptr) << line;
        EXPECT_EQ(std::getenv("PGMI_T_B"), nullptr) << line;
    }
    ::unsetenv("PGMI_T_PW");
    // Setting a secret directly is the user's own choice and still works.
    dir.write(".env", "PGMI_T_PW=direct\nPGMI_T_A=${PGMI_T_B:-plain}\n");
    EXPECT_EQ(load_project_dotenv(dir.path().string()).value().warning, "");
    EXPECT_STREQ(std::getenv("PGMI_T_PW"), "direct");
    EXPECT_STREQ(std::getenv("PGMI_T_A"), "plain");
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
    const auto target = outside.write("env", "PGMI_T_A=through-a-link\n");
    std::filesystem::create_symlink(target, dir.path() / ".env");
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, (dir.path() / ".env").string() +
                                     " is a symbolic link, not a regular file; pgmi does not "
                                     "follow links inside a project (copy the file in)");
    EXPECT_EQ(std::getenv("PGMI_T_A"), nullptr);
}

TEST_F(DotenvLoading, LinkToDevZeroRefused) {
    std::filesystem::create_symlink("/dev/zero", dir.path() / ".env");
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
}

TEST_F(DotenvLoading, OversizedRefusedBeforeReading) {
    const auto path = dir.write(".env", "PGMI_T_A=1\n");
    std::filesystem::resize_file(path, kMaxDotenvBytes + 1);
    auto r = load_project_dotenv(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              path.string() + " is 1048577 bytes, over the 1 MiB limit for .env");
    EXPECT_EQ(std::getenv("PGMI_T_A"), nullptr);
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

}  // namespace
}  // namespace pgmi::config
