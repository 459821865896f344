#include "script/location.hpp"

#include <gtest/gtest.h>

#include <string>

#include "script/splitter.hpp"

namespace pgmi::script {
namespace {

TEST(Location, FirstCharacter) {
    const std::string s = "SELEC 1;";
    const auto loc = locate(s, 0, s, 1);
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->line, 1);
    EXPECT_EQ(loc->column, 1);
    EXPECT_EQ(loc->source_line, "SELEC 1;");
}

TEST(Location, ZeroAndPastEndAreNone) {
    const std::string s = "abc";
    EXPECT_FALSE(locate(s, 0, s, 0));
    EXPECT_FALSE(locate(s, 0, s, -3));
    EXPECT_FALSE(locate(s, 0, s, 5));
    const auto end = locate(s, 0, s, 4);  // length + 1 is allowed (end of input)
    ASSERT_TRUE(end);
    EXPECT_EQ(end->column, 4);
}

TEST(Location, LaterLine) {
    const std::string s = "SELECT 1;\nSELECT\n  oops;\n";
    const auto loc = locate(s, 0, s, 20);  // the 'o' of oops
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->line, 3);
    EXPECT_EQ(loc->column, 3);
    EXPECT_EQ(loc->source_line, "  oops;");
}

TEST(Location, CrlfSourceLineWithoutCarriageReturn) {
    const std::string s = "a;\r\nbad x;\r\nc;";
    const auto loc = locate(s, 0, s, 9);  // 'x'
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->line, 2);
    EXPECT_EQ(loc->column, 5);
    EXPECT_EQ(loc->source_line, "bad x;");
}

TEST(Location, PositionCountsCodePointsOfSentText) {
    // "é" is two bytes but one character for the server.
    const std::string s = "SELECT 'é', oops;";
    const auto loc = locate(s, 0, s, 13);  // the 'o'
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->column, 13);
    EXPECT_EQ(s.substr(13, 4), "oops");
}

TEST(Location, TailUnitResolvesAgainstFullScript) {
    // The unit starts mid-line after multibyte text: columns count code points of the real line.
    const std::string s = "BEGIN; COMMIT;\nSELECT 'ü'; SELECT oops;\n";
    const auto units = split(s);
    ASSERT_EQ(units.size(), 3u);
    const Unit& u = units[2];
    EXPECT_EQ(u.text, " SELECT oops;");
    const auto loc = locate(s, u.offset, u.text, 9);  // 'o' is the 9th character of the unit
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->line, 2);
    EXPECT_EQ(loc->column, 20);
    EXPECT_EQ(loc->source_line, "SELECT 'ü'; SELECT oops;");
}

TEST(Location, TailUnitWithLeadingNewlines) {
    const std::string s = "COMMIT;\n\n-- x\n  SELECT é, bad;";
    const auto units = split(s);
    ASSERT_EQ(units.size(), 2u);
    const auto loc = locate(s, units[1].offset, units[1].text, 20);
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->line, 4);
    EXPECT_EQ(loc->column, 13);
    EXPECT_EQ(loc->source_line, "  SELECT é, bad;");
}

TEST(Location, ByteOfPosition) {
    EXPECT_EQ(byte_of_position("aéb", 1), 0u);
    EXPECT_EQ(byte_of_position("aéb", 2), 1u);
    EXPECT_EQ(byte_of_position("aéb", 3), 3u);
    EXPECT_EQ(byte_of_position("aéb", 4), 4u);
    EXPECT_FALSE(byte_of_position("aéb", 5));
    EXPECT_FALSE(byte_of_position("", 2));
    EXPECT_EQ(byte_of_position("", 1), 0u);
    EXPECT_EQ(byte_of_position("\xf0\x9f\x98\x80x", 2), 4u);  // 4-byte emoji
}

TEST(Location, OffsetPastScriptIsClamped) {
    const std::string s = "ab\ncd";
    const Location loc = locate_offset(s, 99);
    EXPECT_EQ(loc.line, 2);
    EXPECT_EQ(loc.column, 3);
    EXPECT_EQ(loc.source_line, "cd");
    EXPECT_EQ(line_at(s, 99), 2);
    EXPECT_EQ(line_at(s, 0), 1);
    EXPECT_EQ(line_at(s, 3), 2);
}

TEST(Location, AtNewlineItself) {
    const std::string s = "ab\ncd";
    const Location loc = locate_offset(s, 2);
    EXPECT_EQ(loc.line, 1);
    EXPECT_EQ(loc.column, 3);
    EXPECT_EQ(loc.source_line, "ab");
}

TEST(Location, EmptySourceLine) {
    const std::string s = "a\n\nb";
    const Location loc = locate_offset(s, 2);
    EXPECT_EQ(loc.line, 2);
    EXPECT_EQ(loc.column, 1);
    EXPECT_EQ(loc.source_line, "");
}

}  // namespace
TEST(LinesOf, TheRangeClampedToTheText) {
    const std::string text = "one\r\ntwo\nthree\n";
    EXPECT_EQ(lines_of(text, 1, 2), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(lines_of(text, -1, 1), (std::vector<std::string>{"one"}));
    EXPECT_EQ(lines_of(text, 3, 9), (std::vector<std::string>{"three"}));
    EXPECT_TRUE(lines_of(text, 4, 4).empty());  // nothing after the final newline
    EXPECT_TRUE(lines_of(text, 2, 1).empty());
    EXPECT_EQ(lines_of("a\nb", 2, 2), (std::vector<std::string>{"b"}));
}

}  // namespace pgmi::script
