#include "project/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgmi::project {
namespace {

constexpr size_t npos = std::string_view::npos;

TEST(Utf8, ValidInputs) {
    EXPECT_EQ(first_invalid_utf8(""), npos);
    EXPECT_EQ(first_invalid_utf8("plain ascii, long enough for the word path"), npos);
    EXPECT_EQ(first_invalid_utf8(std::string("nul\0inside", 10)), npos);
    EXPECT_EQ(first_invalid_utf8("\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80"), npos);
    EXPECT_EQ(first_invalid_utf8("\xEF\xBF\xBF \xF0\x90\x80\x80 \xF4\x8F\xBF\xBF"), npos);
}

TEST(Utf8, FirstInvalidOffset) {
    EXPECT_EQ(first_invalid_utf8("ab\xFF"), 2u);
    EXPECT_EQ(first_invalid_utf8("abcdefghijk\x80"), 11u);  // after the 8-byte fast path
    EXPECT_EQ(first_invalid_utf8("\xC3\xA9\xC3\x28"), 2u);  // bad continuation
    EXPECT_EQ(first_invalid_utf8("\xC0\x80"), 0u);          // overlong NUL
    EXPECT_EQ(first_invalid_utf8("\xC1\xBF"), 0u);          // overlong
    EXPECT_EQ(first_invalid_utf8("\xE0\x9F\xBF"), 0u);      // overlong 3-byte
    EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
    EXPECT_EQ(first_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);  // overlong 4-byte
    EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
    EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0u);
    EXPECT_EQ(first_invalid_utf8("ok\xE2\x82"), 2u);  // truncated at the end
}

TEST(Utf8, DecodeValues) {
    EXPECT_EQ(decode_utf8("A", 0).value, U'A');
    const CodePoint e = decode_utf8("\xC3\xA9", 0);
    EXPECT_EQ(e.value, U'\u00e9');
    EXPECT_EQ(e.length, 2u);
    const CodePoint ideo = decode_utf8("\xE3\x80\x80", 0);
    EXPECT_EQ(ideo.value, U'\u3000');
    EXPECT_EQ(ideo.length, 3u);
    const CodePoint max = decode_utf8("\xF4\x8F\xBF\xBF", 0);
    EXPECT_EQ(max.value, U'\U0010ffff');
    EXPECT_EQ(max.length, 4u);
    EXPECT_EQ(decode_utf8("\x80", 0).length, 0u);
}

}  // namespace
}  // namespace pgmi::project
