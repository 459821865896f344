// locate_in_do_block: the line of a runtime error inside a file's one DO block, from CONTEXT.
#include "deploy/file_locator.hpp"

#include <gtest/gtest.h>

namespace pgmi::deploy {
namespace {

const std::string kFile =
    "-- a test\n"
    "DO $$\n"
    "BEGIN\n"
    "  PERFORM 1;\n"
    "  RAISE EXCEPTION 'boom';\n"
    "END $$;\n";

std::string context_of(const std::string& executed, int line) {
    return "PL/pgSQL function inline_code_block line " + std::to_string(line) +
           " at RAISE\nSQL statement \"" + executed +
           "\"\nPL/pgSQL function inline_code_block line 7 at EXECUTE";
}

TEST(LocateInDoBlock, TheBodyLineBecomesTheFileLine) {
    // Body line 1 is the rest of the "DO $$" line, so body line 4 is file line 5.
    auto loc = locate_in_do_block(context_of(kFile, 4), kFile);
    ASSERT_TRUE(loc.has_value());
    EXPECT_EQ(loc->line, 5);
    EXPECT_EQ(loc->column, 3);
    EXPECT_EQ(loc->source_line, "  RAISE EXCEPTION 'boom';");
    // The test runner's marker comment before the content.
    loc = locate_in_do_block(context_of("/*pgmi-test:2e2f*/" + kFile, 4), kFile);
    ASSERT_TRUE(loc.has_value());
    EXPECT_EQ(loc->line, 5);
}

TEST(LocateInDoBlock, OnlyWhenTheFrameIsSurelyThisFilesOneDoBlock) {
    // Another text was executed: the DO block is not this file's.
    EXPECT_FALSE(locate_in_do_block(context_of("SELECT 1", 4), kFile));
    // The innermost frame is not a DO block (an error in a plain statement of the file).
    EXPECT_FALSE(locate_in_do_block(
        "SQL statement \"" + kFile + "\"\nPL/pgSQL function inline_code_block line 7 at EXECUTE",
        kFile));
    // Two DO blocks: the line could be in either.
    const std::string two = kFile + "DO $x$ BEGIN NULL; END $x$;\n";
    EXPECT_FALSE(locate_in_do_block(context_of(two, 4), two));
    // A DO inside a string or comment is no DO block.
    const std::string quoted = kFile + "-- DO $$ x $$\nSELECT 'DO $$ y $$';\n";
    EXPECT_TRUE(locate_in_do_block(context_of(quoted, 4), quoted));
    // Past the end, zero, garbage.
    EXPECT_FALSE(locate_in_do_block(context_of(kFile, 99), kFile));
    EXPECT_FALSE(locate_in_do_block(context_of(kFile, 0), kFile));
    EXPECT_FALSE(locate_in_do_block("", kFile));
}

}  // namespace
}  // namespace pgmi::deploy
