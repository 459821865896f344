#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgmi::util {
namespace {

using namespace std::string_literals;

TEST(Strings, TrimRemovesOnlyAsciiWhiteSpaceAtTheEnds) {
    EXPECT_EQ(trim(" \t\r\n\v\fa b\f\v\n\r\t "), "a b");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim(" \t "), "");
    // A no-break space (U+00A0) is text, not ASCII white space.
    EXPECT_EQ(trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");
}

TEST(Strings, CaseMappingIsAsciiOnly) {
    EXPECT_EQ(to_lower("SEARCH_Path-1"), "search_path-1");
    EXPECT_EQ(to_upper("search_Path-1"), "SEARCH_PATH-1");
    EXPECT_EQ(to_lower("\xC3\x84"), "\xC3\x84");  // Ä stays as it is
    EXPECT_TRUE(iequals("Deploy.SQL", "deploy.sql"));
    EXPECT_FALSE(iequals("deploy.sq", "deploy.sql"));
    EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // no Unicode folding
    EXPECT_FALSE(iequals("[", "{"));                // 0x5B vs 0x7B: not a case pair
}

TEST(Strings, HexRoundTripsEveryByte) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    const std::string hex = hex_encode(all);
    EXPECT_EQ(hex.substr(0, 8), "00010203");
    EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
    EXPECT_EQ(hex_decode(hex), all);
    EXPECT_EQ(hex_decode("ABcd"), "\xAB\xCD"s);
    for (const char* bad : {"", "a", "abc", "0g", "zz", " 0"})
        EXPECT_EQ(hex_decode(bad), std::nullopt) << bad;
    EXPECT_EQ(hex_value('f'), 15);
    EXPECT_EQ(hex_value('G'), -1);
}

TEST(Strings, PercentCodingFollowsRfc3986) {
    EXPECT_EQ(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
    EXPECT_EQ(percent_encode("p@ss w/rd:%"), "p%40ss%20w%2Frd%3A%25");
    EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
    EXPECT_EQ(percent_decode("p%40ss%20w%2frd%3A%25", false), "p@ss w/rd:%");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    for (const char* bad : {"%", "%4", "%G1", "abc%2", "%00"})
        EXPECT_EQ(percent_decode(bad, false), std::nullopt) << bad;
    EXPECT_EQ(percent_decode("a\0b"s, false), std::nullopt) << "a raw NUL";
    std::string all;
    for (int i = 1; i < 256; ++i)
        all += static_cast<char>(i);
    EXPECT_EQ(percent_decode(percent_encode(all), false), all);
}

TEST(Strings, CrlfBecomesLfAndNothingElseChanges) {
    EXPECT_EQ(crlf_to_lf("a\r\nb\r\n"), "a\nb\n");
    EXPECT_EQ(crlf_to_lf("lone\rcr\n\r"), "lone\rcr\n\r");
    EXPECT_EQ(crlf_to_lf("\r\r\n"), "\r\n");
    EXPECT_EQ(crlf_to_lf(""), "");
}

TEST(Strings, NamesForMessagesStayOnOneLine) {
    EXPECT_EQ(quote_for_message("plain"), "\"plain\"");
    EXPECT_EQ(quote_for_message("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quote_for_message("x\ny\x7f"), "\"x\\x0ay\\x7f\"");
    EXPECT_EQ(quote_for_message("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

}  // namespace
}  // namespace pgmi::util
