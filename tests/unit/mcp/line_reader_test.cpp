#include "mcp/line_reader.hpp"

#include <gtest/gtest.h>

namespace pgmi::mcp {
namespace {

TEST(LineReader, LinesSplitAcrossChunks) {
    LineReader r(100);
    std::vector<Line> out;
    r.feed("ab", out);
    EXPECT_TRUE(out.empty());
    r.feed("c\nde\n\nf", out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].text, "abc");
    EXPECT_EQ(out[1].text, "de");
    EXPECT_EQ(out[2].text, "");
    auto last = r.finish();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->text, "f");
    EXPECT_FALSE(r.finish());
}

TEST(LineReader, OverlongLinesAreDroppedAndCounted) {
    LineReader r(4);
    std::vector<Line> out;
    r.feed("1234\n12", out);
    r.feed("345", out);
    r.feed("67\nok\n", out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_FALSE(out[0].too_long);
    EXPECT_EQ(out[0].text, "1234");
    EXPECT_TRUE(out[1].too_long);
    EXPECT_TRUE(out[1].text.empty());
    EXPECT_EQ(out[1].length, 7u);
    EXPECT_EQ(out[2].text, "ok") << "the line after an overlong one is read normally";
}

TEST(LineReader, NothingPendingAtEndOfInput) {
    LineReader r(10);
    std::vector<Line> out;
    r.feed("x\n", out);
    EXPECT_FALSE(r.finish());
}

}  // namespace
}  // namespace pgmi::mcp
