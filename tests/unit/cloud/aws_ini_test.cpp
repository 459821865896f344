#include "cloud/aws_ini.hpp"

#include <gtest/gtest.h>

namespace pgmi::cloud {
namespace {

IniFile parse_ok(std::string_view text) {
    auto r = parse_aws_ini(text);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : IniFile{};
}

std::string parse_fails(std::string_view text) {
    auto r = parse_aws_ini(text);
    EXPECT_FALSE(r) << text;
    if (r)
        return "";
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    return r.error().message;
}

TEST(AwsIni, SectionsKeysCommentsAndBlanks) {
    const IniFile f = parse_ok(
        "# leading comment\n"
        "; another\n"
        "\n"
        "[default]\n"
        "aws_access_key_id = AKIDDEFAULT\n"
        "AWS_Secret_Access_Key=s3cr3t/with+chars==\n"
        "region = us-west-2 # inline comment\n"
        "hash = a#b\n"
        "  [ profile   dev ]   ; comment after header\n"
        "\taws_access_key_id\t=\tAKIDDEV\n"
        "empty =\n");
    ASSERT_EQ(f.sections.size(), 2U);
    const IniSection& d = f.sections.at("default");
    EXPECT_EQ(d.at("aws_access_key_id"), "AKIDDEFAULT");
    EXPECT_EQ(d.at("aws_secret_access_key"), "s3cr3t/with+chars==");
    EXPECT_EQ(d.at("region"), "us-west-2");
    EXPECT_EQ(d.at("hash"), "a#b");
    const IniSection& dev = f.sections.at("profile dev");
    EXPECT_EQ(dev.at("aws_access_key_id"), "AKIDDEV");
    EXPECT_EQ(dev.at("empty"), "");
}

TEST(AwsIni, BomCrlfDuplicatesAndRepeatedSections) {
    const IniFile f =
        parse_ok("\xEF\xBB\xBF[a]\r\nk = 1\r\nk = 2\r\n[b]\r\nx = y\r\n[a]\r\nother = 3\r\n");
    EXPECT_EQ(f.sections.at("a").at("k"), "2");
    EXPECT_EQ(f.sections.at("a").at("other"), "3");
    EXPECT_EQ(f.sections.at("b").at("x"), "y");
}

TEST(AwsIni, NestedSettingsAreContinuations) {
    const IniFile f = parse_ok(
        "[profile p]\n"
        "s3 =\n"
        "  max_concurrent_requests = 20\n"
        "  addressing_style = path\n"
        "region = eu-west-1\n"
        "  \n"
        "[q]\n"
        "  indented_key = 1\n"
        "  second_key = 2\n");
    EXPECT_EQ(f.sections.at("profile p").at("s3"),
              "max_concurrent_requests = 20\naddressing_style = path");
    EXPECT_EQ(f.sections.at("profile p").at("region"), "eu-west-1");
    // Keys indented alike are separate keys, not continuations.
    EXPECT_EQ(f.sections.at("q").at("indented_key"), "1");
    EXPECT_EQ(f.sections.at("q").at("second_key"), "2");
}

TEST(AwsIni, MalformedInputNamesTheLineNeverTheContent) {
    EXPECT_EQ(parse_fails("aws_secret_access_key = TOPSECRET\n"),
              "line 1: setting outside of a [section]");
    EXPECT_EQ(parse_fails("[default]\nTOPSECRET\n"), "line 2: expected 'key = value'");
    EXPECT_EQ(parse_fails("[default\nk=v\n"), "line 1: section header without a closing ']'");
    EXPECT_EQ(parse_fails("[]\n"), "line 1: empty section name");
    EXPECT_EQ(parse_fails("[a]\n= TOPSECRET\n"), "line 2: empty key before '='");
    EXPECT_EQ(parse_fails("[a]\nk = v\n[b]]\n"), "line 3: brackets inside a section name");
    EXPECT_EQ(parse_fails(std::string_view("[a]\nk = TOP\0SECRET\n", 20)),
              "line 2: contains a NUL byte");
}

TEST(AwsIni, EmptyAndCommentOnlyFilesAreFine) {
    EXPECT_TRUE(parse_ok("").sections.empty());
    EXPECT_TRUE(parse_ok("# nothing\n\n; here").sections.empty());
    EXPECT_EQ(parse_ok("[x]").sections.count("x"), 1U);
}

TEST(AwsIni, ProfileLookupInCredentialsAndConfigFiles) {
    const IniFile creds = parse_ok("[default]\na=1\n[dev]\na=2\n[profile dev]\na=3\n");
    const IniFile conf = parse_ok("[default]\nr=1\n[profile dev]\nr=2\n[dev]\nr=3\n");
    ASSERT_NE(find_credentials_profile(creds, "dev"), nullptr);
    EXPECT_EQ(find_credentials_profile(creds, "dev")->at("a"), "2");
    EXPECT_EQ(find_credentials_profile(creds, "missing"), nullptr);
    ASSERT_NE(find_config_profile(conf, "dev"), nullptr);
    EXPECT_EQ(find_config_profile(conf, "dev")->at("r"), "2");
    ASSERT_NE(find_config_profile(conf, "default"), nullptr);
    EXPECT_EQ(find_config_profile(conf, "default")->at("r"), "1");
    const IniFile conf2 = parse_ok("[profile default]\nr=9\n[default]\nr=1\n");
    EXPECT_EQ(find_config_profile(conf2, "default")->at("r"), "9");
}

}  // namespace
}  // namespace pgmi::cloud
