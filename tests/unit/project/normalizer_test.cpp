#include "project/normalizer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "project/checksum.hpp"

namespace pgmi::project {
namespace {

constexpr const char* kSelectUsers =
    "770ec17e2277e313a56c78ecab71d0ee460922cac72efddf9869ca4194276572";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// §2.3, every row.
TEST(Normalizer, WorkedExampleSelect) {
    EXPECT_EQ(normalize("SELECT * FROM users;"), "select * from users;");
    EXPECT_EQ(sha256_hex(normalize("SELECT * FROM users;")), kSelectUsers);
}

TEST(Normalizer, WorkedExampleCommentsAndWhitespace) {
    const std::string in = "-- c\nSELECT  *\r\nFROM USERS; /* x */";
    EXPECT_EQ(normalize(in), "select * from users;");
    EXPECT_EQ(sha256_hex(normalize(in)), kSelectUsers);
}

TEST(Normalizer, WorkedExampleEmpty) {
    for (const char* in : {"", "   ", " \t\r\n\v\f ", "/* unterminated"}) {
        EXPECT_EQ(normalize(in), "") << in;
        EXPECT_EQ(sha256_hex(normalize(in)), kEmpty) << in;
    }
}

TEST(Normalizer, WorkedExampleQuotedIdentifierKeepsCase) {
    EXPECT_EQ(normalize("CREATE TABLE \"Users\" (Id INT); -- note\r\n"),
              "create table \"Users\" (id int);");
}

TEST(Normalizer, WorkedExampleEscapeStringAndNestedComment) {
    EXPECT_EQ(normalize("SELECT E'a\\'--x', 'It''s' /* c /* n */ c */ FROM T;"),
              "select e'a\\'--x', 'It''s' from t;");
}

TEST(Normalizer, WorkedExampleDollarBodyVerbatim) {
    EXPECT_EQ(normalize("DO $Body$ BEGIN /* keep */ RAISE NOTICE 'X'; END $Body$;"),
              "do $Body$ BEGIN /* keep */ RAISE NOTICE 'X'; END $Body$;");
}

TEST(Normalizer, WorkedExampleCommentSeparatesTokens) {
    EXPECT_EQ(normalize("SELECT a/*x*/b;"), "select a b;");
}

TEST(Normalizer, WorkedExampleWhitespaceInLiteralCollapses) {
    EXPECT_EQ(normalize("SELECT 'a   b',\tX"), "select 'a b', x");
}

TEST(Normalizer, WorkedExampleTagIgnoresContext) {
    EXPECT_EQ(normalize("SELECT $1, abc$tag$ FROM t"), "select $1, abc$tag$ FROM t");
}

TEST(Normalizer, RawVector) {
    EXPECT_EQ(sha256_hex("SELECT * FROM users;"),
              "d1ec24bdafb79996d598fd0707064fc6766042c1054c8ca379da5fc6a3a03e5a");
}

// Lexer details of §2.1.
TEST(Normalizer, EscapeStringNeedsStandaloneE) {
    // "xe'" is not an E-string: the backslash does not escape, the string ends at the 2nd quote.
    EXPECT_EQ(normalize("SELECT xE'\\' -- c\n"), "select xe'\\'");
    EXPECT_EQ(normalize("E'\\'X'"), "e'\\'X'");          // E first in the input
    EXPECT_EQ(normalize("(e'\\'X') Y"), "(e'\\'X') y");  // preceded by a non-identifier byte
    EXPECT_EQ(normalize("_E'\\'X'"), "_e'\\'x'");        // '_' is an identifier byte
    EXPECT_EQ(normalize("$E'\\'X'"), "$e'\\'x'");        // so is '$'
    EXPECT_EQ(normalize("\xC3\xA9"
                        "E'\\'X'"),
              "\xC3\xA9"
              "e'\\'x'");  // and any byte >= 0x80
}

TEST(Normalizer, EscapeAtEndOfInput) {
    EXPECT_EQ(normalize("E'\\"), "e'\\");
}

TEST(Normalizer, DoubledQuotesStayInside) {
    EXPECT_EQ(normalize("'a''--B' C"), "'a''--B' c");
    EXPECT_EQ(normalize("\"A\"\"--B\" C"), "\"A\"\"--B\" c");
}

TEST(Normalizer, LineCommentEndsOnlyAtNewline) {
    EXPECT_EQ(normalize("A -- x\rB\nC"), "a c");  // lone \r does not end it
    EXPECT_EQ(normalize("A -- x\r\nC"), "a c");
    EXPECT_EQ(normalize("A --"), "a");
}

TEST(Normalizer, BlockCommentsNest) {
    EXPECT_EQ(normalize("A /* 1 /* 2 */ still */ B"), "a b");
    EXPECT_EQ(normalize("A /* 1 /* 2 */ B"), "a");  // unterminated swallows the rest
    EXPECT_EQ(normalize("A /*/ B */ C"), "a c");    // "/*/" is an opener then '/'
}

TEST(Normalizer, DollarQuotes) {
    EXPECT_EQ(normalize("SELECT $$ A -- B $$ C"), "select $$ A -- B $$ c");
    EXPECT_EQ(normalize("$a$ X $A$ Y $a$ Z"), "$a$ X $A$ Y $a$ z");  // tags are case-sensitive
    EXPECT_EQ(normalize("$_x1$ Q $_x1$"), "$_x1$ Q $_x1$");
    EXPECT_EQ(normalize("$1$ A"), "$1$ a");                // a tag cannot start with a digit
    EXPECT_EQ(normalize("$ab X"), "$ab x");                // no closing '$': not a tag
    EXPECT_EQ(normalize("$f$ A $f"), "$f$ A $f");          // unterminated body kept verbatim
    EXPECT_EQ(normalize("$\xC3\xA9$ A"), "$\xC3\xA9$ a");  // ASCII-only tags
}

TEST(Normalizer, UnicodeWhitespace) {
    // U+00A0, U+0085, U+1680, U+2000, U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    EXPECT_EQ(normalize("\xC2\xA0"
                        "A\xC2\x85"
                        "B\xE1\x9A\x80"
                        "C\xE2\x80\x80"
                        "D\xE2\x80\x8A"
                        "E\xE2\x80\xA8"
                        "F\xE2\x80\xA9"
                        "G\xE2\x80\xAF"
                        "H\xE2\x81\x9F"
                        "I\xE3\x80\x80"),
              "a b c d e f g h i");
    // Not whitespace for Go: U+200B (zero width space), U+FEFF, U+180E.
    EXPECT_EQ(normalize("A\xE2\x80\x8B"
                        "B"),
              "a\xE2\x80\x8B"
              "b");
    EXPECT_EQ(normalize("A\xEF\xBB\xBF"
                        "B"),
              "a\xEF\xBB\xBF"
              "b");
    EXPECT_EQ(normalize("A\xE1\xA0\x8E"
                        "B"),
              "a\xE1\xA0\x8E"
              "b");
}

TEST(Normalizer, InvalidUtf8PassesThrough) {
    EXPECT_EQ(normalize("A\xFF  \xC2 B"), "a\xFF \xC2 b");
    EXPECT_EQ(normalize("\xC2\x20X"), "\xC2 x");  // truncated sequence, then a space
    EXPECT_EQ(normalize("\xC0\xA0"
                        "A"),
              "\xC0\xA0"
              "a");  // overlong U+0020 is not a space
    EXPECT_EQ(normalize("\xE2\x80"), "\xE2\x80");
}

TEST(Normalizer, OnlyAsciiFolds) {
    EXPECT_EQ(normalize("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // "ÉTÉ" -> "ÉtÉ"
}

TEST(Normalizer, NulBytesAreOrdinary) {
    EXPECT_EQ(normalize(std::string("A\0B", 3)), std::string("a\0b", 3));
}

TEST(Normalizer, LongInputIsLinear) {
    // Shapes that would be quadratic in a naive lexer; must finish instantly.
    std::string dollars = "$" + std::string(100000, 'a') + "$";
    for (int i = 0; i < 20000; ++i)
        dollars += "$" + std::string(8, 'a') + "b";
    EXPECT_FALSE(normalize(dollars).empty());
    std::string unclosed;
    for (int i = 0; i < 200000; ++i)
        unclosed += "$a";
    EXPECT_EQ(normalize(unclosed).size(), unclosed.size());
}

}  // namespace
}  // namespace pgmi::project
