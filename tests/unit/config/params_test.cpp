#include "config/params.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/support.hpp"

namespace pgmi::config {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kKeyRule =
    "must start with a letter or underscore and contain only letters, digits and underscores, "
    "1-63 characters (PostgreSQL identifier limit)";

std::string key_error(const std::string& key) {
    return "invalid parameter key '" + key + "': " + kKeyRule;
}

// --param

TEST(ParamFlag, SplitsAtFirstEquals) {
    auto p = parse_param_flag("url=postgres://h/db?sslmode=require");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->first, "url");
    EXPECT_EQ(p->second, "postgres://h/db?sslmode=require");
}

TEST(ParamFlag, EmptyValueAndNoTrimming) {
    auto p = parse_param_flag("env=");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->first, "env");
    EXPECT_EQ(p->second, "");
    auto q = parse_param_flag(" k = v ");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->first, " k ");
    EXPECT_EQ(q->second, " v ");
}

TEST(ParamFlag, MissingEqualsQuotesShortName) {
    auto p = parse_param_flag("env");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().kind, ErrorKind::Config);
    EXPECT_EQ(p.error().message,
              "invalid parameter format: parameter \"env\" is not in key=value format (example: "
              "--param env=production)");
}

TEST(ParamFlag, MissingEqualsNeverQuotesSecretLookingText) {
    for (const std::string secret : {"ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "password:hunter2",
                                     "postgres://u:pw@h/db", "a very long sentence with spaces"}) {
        auto p = parse_param_flag(secret);
        ASSERT_FALSE(p);
        EXPECT_EQ(p.error().kind, ErrorKind::Config);
        EXPECT_EQ(p.error().message.find(secret), std::string::npos) << p.error().message;
        EXPECT_NE(p.error().message.find("not in key=value format"), std::string::npos);
        EXPECT_EQ(p.error().message.find("hunter2"), std::string::npos);
    }
}

TEST(ParamFlag, EmptyKeyHidesValue) {
    auto p = parse_param_flag("=s3cret");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().kind, ErrorKind::Config);
    EXPECT_NE(p.error().message.find("parameter has empty key"), std::string::npos);
    EXPECT_EQ(p.error().message.find("s3cret"), std::string::npos);
    auto q = parse_param_flag("=");
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().message,
              "invalid parameter format: parameter has empty key: \"=\" (example: --param "
              "env=production)");
}

// validate_param

TEST(ValidateParam, AcceptsIdentifiers) {
    EXPECT_TRUE(validate_param("env", "x"));
    EXPECT_TRUE(validate_param("_private", ""));
    EXPECT_TRUE(validate_param("apiVersion2", "v"));
    EXPECT_TRUE(validate_param(std::string(63, 'k'), "v"));
    EXPECT_TRUE(validate_param("k", "h\xC3\xA9llo \xF0\x9F\x98\x80"));
}

TEST(ValidateParam, RejectsBadKeys) {
    for (const std::string key : {"1abc", "my-key", "cl\xC3\xA9", "a.b", "a b"}) {
        auto st = validate_param(key, "v");
        ASSERT_FALSE(st) << key;
        EXPECT_EQ(st.error().kind, ErrorKind::Config);
        EXPECT_EQ(st.error().message, key_error(key));
    }
    const std::string long_key(64, 'k');
    auto st = validate_param(long_key, "v");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, key_error(long_key));
    EXPECT_FALSE(validate_param("", "v"));
}

TEST(ValidateParam, DescribesKeysThatLookLikeValues) {
    auto st = validate_param("DB_URL: postgres://u:hunter2@h/db?sslmode", "require");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message.find("hunter2"), std::string::npos);
    EXPECT_NE(st.error().message.find("invalid parameter key (not shown"), std::string::npos);
    auto long_key = validate_param(std::string(200, 'a'), "v");
    ASSERT_FALSE(long_key);
    EXPECT_EQ(long_key.error().message.find(std::string(65, 'a')), std::string::npos);
}

TEST(ValidateParam, ExportPrefixGetsHint) {
    auto st = validate_param("export FOO", "bar");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message,
              key_error("export FOO") +
                  "; remove the leading \"export\": params files hold plain KEY=VALUE lines");
}

TEST(ValidateParam, RejectsNulAndInvalidUtf8WithoutEchoingValue) {
    auto nul = validate_param("k", std::string("sec\0ret", 7));
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().kind, ErrorKind::Config);
    EXPECT_EQ(nul.error().message,
              "invalid parameter value for 'k': contains NUL byte at offset 3");
    for (const std::string bad :
         {"secret\xFF", "secret\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
        auto st = validate_param("k", bad);
        ASSERT_FALSE(st) << bad;
        EXPECT_EQ(st.error().message, "invalid parameter value for 'k': not valid UTF-8");
    }
}

// params file text

TEST(ParamsText, FullSyntax) {
    const std::string text =
        "\xEF\xBB\xBF# comment\r\n"
        "\r\n"
        "  env = production  \r\n"
        "quoted=\"with spaces # not a comment\"\n"
        "single='x=y'\n"
        "mismatched=\"abc'\n"
        "lone=\"\n"
        "hash=a#b\n"
        "empty=\n"
        "   # indented comment\n"
        "export FOO=bar\n"
        "eq==x=\n"
        "noescape=\"a\\nb\"\n"
        "last=1";
    auto r = parse_params_text(text, "p.env");
    ASSERT_TRUE(r) << r.error().message;
    const Pairs want = {{"env", "production"}, {"quoted", "with spaces # not a comment"},
                        {"single", "x=y"},     {"mismatched", "\"abc'"},
                        {"lone", "\""},        {"hash", "a#b"},
                        {"empty", ""},         {"export FOO", "bar"},
                        {"eq", "=x="},         {"noescape", "a\\nb"},
                        {"last", "1"}};
    EXPECT_EQ(*r, want);
}

TEST(ParamsText, EmptyText) {
    auto r = parse_params_text("", "p");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
    auto bom = parse_params_text("\xEF\xBB\xBF", "p");
    ASSERT_TRUE(bom);
    EXPECT_TRUE(bom->empty());
}

TEST(ParamsText, BadLineNamesFileAndLineNotContent) {
    auto r = parse_params_text("a=1\n# c\nhunter2\n", "secrets.env");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "failed to parse params file 'secrets.env': line 3: invalid format, expected "
              "KEY=VALUE\n\nTip: Verify the file format (KEY=VALUE)");
}

TEST(ParamsText, EmptyKey) {
    auto r = parse_params_text("a=1\n  = s3cret\n", "p.env");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "failed to parse params file 'p.env': line 2: empty key\n\nTip: Verify the file "
              "format (KEY=VALUE)");
}

TEST(ParamsText, LineLimitIs64KiB) {
    const std::string ok = "k=" + std::string(64 * 1024 - 2, 'v') + "\n";
    auto r = parse_params_text(ok, "p");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->at(0).second.size(), 64u * 1024 - 2);
    const std::string too_long = "a=1\nk=" + std::string(64 * 1024, 'v') + "\n";
    auto bad = parse_params_text(too_long, "p");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message,
              "failed to parse params file 'p': line 2: line longer than 64 KiB\n\nTip: Verify "
              "the file format (KEY=VALUE)");
}

TEST(ParamsFile, Unreadable) {
    auto r = read_params_file("/nonexistent/dir/params.env");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "failed to read params file '/nonexistent/dir/params.env': No such file or "
              "directory\n\nTip: check the path, or pass values directly with --param KEY=VALUE");
}

TEST(ParamsFile, NamedPipeRefusedWithoutBlocking) {
    test::TempDir dir;
    const auto path = dir.path() / "params.env";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto r = read_params_file(path.string());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, "failed to read params file '" + path.string() +
                                     "': it is a named pipe, not a regular file\n\nTip: check the "
                                     "path, or pass values directly with --param KEY=VALUE");
}

TEST(ParamsFile, LinkFollowedToARegularFileOnly) {
    test::TempDir dir;
    const auto target = dir.write("real.env", "a=1\n");
    std::filesystem::create_symlink(target, dir.path() / "link.env");
    auto r = read_params_file((dir.path() / "link.env").string());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->size(), 1u);
    std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.env");
    auto zero = read_params_file((dir.path() / "zero.env").string());
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error().message.find("it is a character device, not a regular file"),
              std::string::npos);
}

TEST(ParamsFile, OversizedRefused) {
    test::TempDir dir;
    const auto path = dir.write("big.env", "");
    std::filesystem::resize_file(path, kMaxParamsFileBytes + 1);
    auto r = read_params_file(path.string());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("it is 1048577 bytes, over the 1 MiB limit for a params file"),
              std::string::npos);
}

TEST(ParamsFile, Directory) {
    test::TempDir dir;
    auto r = read_params_file(dir.path().string());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Is a directory"), std::string::npos);
}

// merge

TEST(MergeParams, PrecedenceYamlFilesFlags) {
    test::TempDir dir;
    const auto f1 = dir.write("one.env", "a=file1\nb=file1\nc=file1\n").string();
    const auto f2 = dir.write("two.env", "b=file2\nc=file2\n").string();
    ParamSources src;
    src.yaml = {{"a", "yaml"}, {"y", "yaml"}, {"c", "yaml"}};
    src.files = {f1, f2};
    src.flags = {"c=flag1", "c=flag2", "f=x=y", "e="};
    auto r = merge_params(src);
    ASSERT_TRUE(r) << r.error().message;
    const Params want = {{"a", "file1"}, {"b", "file2"}, {"c", "flag2"},
                         {"e", ""},      {"f", "x=y"},   {"y", "yaml"}};
    EXPECT_EQ(*r, want);
}

TEST(MergeParams, LaterSourcesOverrideCaseInsensitively) {
    test::TempDir dir;
    const auto f = dir.write("p.env", "ENV=file\nApiVersion=2\n").string();
    ParamSources src;
    src.yaml = {{"Env", "yaml"}, {"apiversion", "1"}};
    src.files = {f};
    src.flags = {"env=flag"};
    auto r = merge_params(src);
    ASSERT_TRUE(r) << r.error().message;
    const Params want = {{"apiversion", "2"}, {"env", "flag"}};
    EXPECT_EQ(*r, want);
}

TEST(MergeParams, YamlCaseVariantsLastWins) {
    ParamSources src;
    src.yaml = {{"Env", "a"}, {"ENV", "b"}};
    auto r = merge_params(src);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (Params{{"env", "b"}}));
}

TEST(MergeParams, ValidatesEverySource) {
    ParamSources yaml;
    yaml.yaml = {{"my-key", "v"}};
    auto r = merge_params(yaml);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, key_error("my-key"));

    ParamSources flag;
    flag.flags = {"ok=1", "9lives=x"};
    r = merge_params(flag);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, key_error("9lives"));

    ParamSources value;
    value.flags = {std::string("k=a\0b", 5)};
    r = merge_params(value);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "invalid parameter value for 'k': contains NUL byte at offset 1");

    ParamSources format;
    format.flags = {"noequals"};
    r = merge_params(format);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "invalid parameter format: parameter \"noequals\" is not in key=value format "
              "(example: --param env=production)");
}

TEST(MergeParams, ExportPrefixFromFileIsRejectedWithHint) {
    test::TempDir dir;
    const auto f = dir.write("p.env", "export FOO=bar\n").string();
    ParamSources src;
    src.files = {f};
    auto r = merge_params(src);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("invalid parameter key 'export FOO'"), std::string::npos);
    EXPECT_NE(r.error().message.find("remove the leading \"export\""), std::string::npos);
    EXPECT_EQ(r.error().message.find("bar"), std::string::npos);
}

TEST(MergeParams, FileErrorsStopTheMerge) {
    ParamSources src;
    src.files = {"/nonexistent/p.env"};
    auto r = merge_params(src);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("failed to read params file '/nonexistent/p.env'"),
              std::string::npos);
}

TEST(MergeParams, VerboseReportsCountsOnly) {
    test::TempDir dir;
    const auto f = dir.write("p.env", "a=secret1\nb=secret2\n").string();
    ParamSources src;
    src.yaml = {{"z", "secret0"}};
    src.files = {f};
    src.flags = {"A=secret3", "new=secret4"};
    std::vector<std::string> lines;
    auto r = merge_params(src, [&lines](const std::string& l) { lines.push_back(l); });
    ASSERT_TRUE(r);
    const std::vector<std::string> want = {"Loading parameters from file: " + f,
                                           "Loaded 2 parameters from file (total: 3)",
                                           "CLI parameters override 1 value(s)"};
    EXPECT_EQ(lines, want);
}

TEST(MergeParams, Empty) {
    auto r = merge_params({});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace pgmi::config
