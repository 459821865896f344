#include "script/lexer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace pgmi::script {
namespace {

std::string m(std::string_view sql) {
    return mask(sql).mask;
}

TEST(Lexer, EmptyInput) {
    const Masked r = mask("");
    EXPECT_EQ(r.mask, "");
    EXPECT_TRUE(r.regions.empty());
    EXPECT_TRUE(r.block_comments.empty());
}

TEST(Lexer, CodeIsVerbatim) {
    EXPECT_EQ(m("SELECT a, b FROM t;\n"), "SELECT a, b FROM t;\n");
}

TEST(Lexer, LineCommentBlankedNewlineKept) {
    EXPECT_EQ(m("a -- x;y\nb"), "a       \nb");
    EXPECT_EQ(m("a -- x\r\nb"), "a     \r\nb");
    EXPECT_EQ(m("a --x"), "a    ");
    EXPECT_EQ(m("--\nb"), "  \nb");
    EXPECT_EQ(m("--\r\nb"), "  \r\nb");
}

// PostgreSQL's scanner (and psql's) ends a "--" comment at \r as at \n: the server runs what
// follows a lone \r, so pgmi must see it as code too (it once hid a COMMIT there).
TEST(Lexer, LoneCarriageReturnEndsLineComment) {
    EXPECT_EQ(m("--a\r;b\nc"), "   \r;b\nc");
}

TEST(Lexer, LineCommentRegion) {
    const Masked r = mask("x --ab\r\ny");
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_EQ(r.regions[0].kind, RegionKind::LineComment);
    EXPECT_EQ(r.regions[0].begin, 2u);
    EXPECT_EQ(r.regions[0].end, 6u);
    EXPECT_EQ(r.regions[0].body_begin, 4u);
    EXPECT_EQ(r.regions[0].body_end, 6u);
}

TEST(Lexer, BlockCommentIncludingNewlines) {
    EXPECT_EQ(m("a /* x\n; */ b"), "a           b");
}

TEST(Lexer, NestedBlockComment) {
    const Masked r = mask("a /* x /* y */ ; */ b /* c */");
    EXPECT_EQ(r.mask, "a                   b        ");
    ASSERT_EQ(r.block_comments.size(), 2u);
    EXPECT_EQ(r.block_comments[0].begin, 2u);
    EXPECT_EQ(r.block_comments[0].end, 19u);
    EXPECT_EQ(r.block_comments[1].begin, 22u);
    EXPECT_EQ(r.block_comments[1].end, 29u);
    ASSERT_EQ(r.regions.size(), 2u);
    EXPECT_EQ(r.regions[0].body_begin, 4u);
    EXPECT_EQ(r.regions[0].body_end, 17u);
    EXPECT_TRUE(r.regions[0].terminated);
}

TEST(Lexer, UnterminatedBlockCommentRunsToEnd) {
    const Masked r = mask("a /* b /* c */ d");
    EXPECT_EQ(r.mask, "a               ");
    ASSERT_EQ(r.block_comments.size(), 1u);
    EXPECT_EQ(r.block_comments[0].end, 16u);
    EXPECT_FALSE(r.regions[0].terminated);
    EXPECT_EQ(r.regions[0].body_end, 16u);
}

TEST(Lexer, ShortUnterminatedBlockComment) {
    EXPECT_EQ(m("/*"), "  ");
    EXPECT_EQ(m("x/*a"), "x   ");
    EXPECT_EQ(m("/*/"), "   ");
}

TEST(Lexer, CommentStartInsideCommentDoesNotCloseEarly) {
    EXPECT_EQ(m("/*/ x */y"), "        y");
}

TEST(Lexer, StringContentsBlankedDelimitersVisible) {
    EXPECT_EQ(m("x = 'a;b'"), "x = '   '");
    EXPECT_EQ(m("'it''s'"), "'  '' '");
    EXPECT_EQ(m("''"), "''");
    EXPECT_EQ(m("''''"), "''''");
}

TEST(Lexer, BackslashIsLiteralInStandardStrings) {
    EXPECT_EQ(m("'a\\' ;"), "'  ' ;");
}

TEST(Lexer, UnterminatedString) {
    const Masked r = mask("x 'abc; def");
    EXPECT_EQ(r.mask, "x '        ");
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_FALSE(r.regions[0].terminated);
    EXPECT_EQ(r.regions[0].end, 11u);
}

TEST(Lexer, StringNewlinesBlanked) {
    EXPECT_EQ(m("'a\nb'"), "'   '");
}

TEST(Lexer, EscapeString) {
    EXPECT_EQ(m("E'a\\'b';c"), "E'    ';c");
    EXPECT_EQ(m("e'\\\\' ;"), "e'  ' ;");
    EXPECT_EQ(m("x(E'it''s')"), "x(E'  '' ')");
    const Masked r = mask(" E'x'");
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_EQ(r.regions[0].kind, RegionKind::EscapeString);
    EXPECT_EQ(r.regions[0].begin, 1u);
    EXPECT_EQ(r.regions[0].body_begin, 3u);
    EXPECT_EQ(r.regions[0].body_end, 4u);
}

TEST(Lexer, EscapeStringAtStartAndAfterPunctuation) {
    EXPECT_EQ(m("E'\\''"), "E'  '");
    EXPECT_EQ(m("(e'\\'')"), "(e'  ')");
}

TEST(Lexer, EAfterIdentifierIsOrdinaryString) {
    // date'a\' is the identifier "date" and the literal 'a\'.
    EXPECT_EQ(m("date'a\\';x"), "date'  ';x");
    EXPECT_EQ(m("typE'a\\';x"), "typE'  ';x");
    EXPECT_EQ(m("_E'a\\';x"), "_E'  ';x");
    EXPECT_EQ(m("1E'a\\';x"), "1E'  ';x");
    EXPECT_EQ(m("$E'a\\';x"), "$E'  ';x");
    EXPECT_EQ(m("\xc3\xa9"
                "E'a\\';x"),
              "\xc3\xa9"
              "E'  ';x");
}

TEST(Lexer, EscapeStringUnterminatedByBackslashAtEnd) {
    EXPECT_EQ(m("E'ab\\"), "E'   ");
}

TEST(Lexer, QuotedIdentifier) {
    EXPECT_EQ(m("\"a;b\""), "\"   \"");
    EXPECT_EQ(m("\"a\"\"b\""), "\" \"\" \"");
    EXPECT_EQ(m("\"it's -- /* $$\" x"), "\"             \" x");
    EXPECT_EQ(m("\"abc"), "\"   ");
}

TEST(Lexer, DollarQuotes) {
    EXPECT_EQ(m("$$a;b$$;"), "$$   $$;");
    EXPECT_EQ(m("$fn$ x $$ y $fn$;"), "$fn$        $fn$;");
    EXPECT_EQ(m("$_$ ' $_$"), "$_$   $_$");
    EXPECT_EQ(m("$a1$;$a1$"), "$a1$ $a1$");
}

TEST(Lexer, DollarTagIsCaseSensitive) {
    EXPECT_EQ(m("$A$ $a$ $A$;"), "$A$     $A$;");
}

TEST(Lexer, UnterminatedDollarQuote) {
    const Masked r = mask("$x$ abc; $y$");
    EXPECT_EQ(r.mask, "$x$         ");
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_EQ(r.regions[0].kind, RegionKind::DollarQuoted);
    EXPECT_FALSE(r.regions[0].terminated);
    EXPECT_EQ(r.regions[0].body_begin, 3u);
    EXPECT_EQ(r.regions[0].body_end, 12u);
}

TEST(Lexer, DollarRegionBounds) {
    const Masked r = mask("DO $b$x$b$;");
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_EQ(r.regions[0].begin, 3u);
    EXPECT_EQ(r.regions[0].end, 10u);
    EXPECT_EQ(r.regions[0].body_begin, 6u);
    EXPECT_EQ(r.regions[0].body_end, 7u);
}

TEST(Lexer, ParametersAreNotTags) {
    EXPECT_EQ(m("$1;$2"), "$1;$2");
    EXPECT_EQ(m("$1$;x"), "$1$;x");
    EXPECT_EQ(m("$ ;"), "$ ;");
}

TEST(Lexer, DollarInsideIdentifierDoesNotOpenQuote) {
    EXPECT_EQ(m("a$b$; c$b$"), "a$b$; c$b$");
    EXPECT_EQ(m("x$$;y$$"), "x$$;y$$");
    EXPECT_EQ(m("_$t$;"), "_$t$;");
    EXPECT_EQ(m("1$t$;"), "1$t$;");
}

TEST(Lexer, UnicodeLettersInTags) {
    const std::string tag = "$\xc3\xa9t\xc3\xa9$";  // $été$
    EXPECT_EQ(m(tag + ";" + tag + ";"), tag + " " + tag + ";");
}

TEST(Lexer, CommentMarkersInsideLiteralsAreInert) {
    EXPECT_EQ(m("'--' x"), "'  ' x");
    EXPECT_EQ(m("'/*' x"), "'  ' x");
    EXPECT_EQ(m("$$/*$$ x"), "$$  $$ x");
}

TEST(Lexer, QuotesInsideCommentsAreInert) {
    EXPECT_EQ(m("-- it's\nx"), "       \nx");
    EXPECT_EQ(m("/* \"$$ */x"), "         x");
}

TEST(Lexer, RegionsInOrder) {
    const Masked r = mask("a 'b' \"c\" $$d$$ E'e' -- f\n/* g */");
    ASSERT_EQ(r.regions.size(), 6u);
    EXPECT_EQ(r.regions[0].kind, RegionKind::String);
    EXPECT_EQ(r.regions[1].kind, RegionKind::QuotedIdentifier);
    EXPECT_EQ(r.regions[2].kind, RegionKind::DollarQuoted);
    EXPECT_EQ(r.regions[3].kind, RegionKind::EscapeString);
    EXPECT_EQ(r.regions[4].kind, RegionKind::LineComment);
    EXPECT_EQ(r.regions[5].kind, RegionKind::BlockComment);
    for (size_t i = 1; i < r.regions.size(); ++i) {
        EXPECT_LE(r.regions[i - 1].end, r.regions[i].begin);
    }
    EXPECT_EQ(r.block_comments.size(), 1u);
}

TEST(Lexer, MultibyteBytesInsideLiteralsBecomeOneSpaceEach) {
    EXPECT_EQ(m("'\xc3\xa9'"), "'  '");
    EXPECT_EQ(m("\xc3\xa9"), "\xc3\xa9");
}

TEST(Lexer, MaskLengthEqualsInputForRandomInput) {
    std::mt19937 rng(12345);
    const std::string alphabet = "abcE$'\"-/*\\;()\n\r \x80\xc3\xa9_1";
    for (int round = 0; round < 2000; ++round) {
        std::string s;
        const size_t len = rng() % 64;
        for (size_t i = 0; i < len; ++i)
            s += alphabet[rng() % alphabet.size()];
        const Masked r = mask(s);
        ASSERT_EQ(r.mask.size(), s.size()) << s;
        size_t last = 0;
        for (const Region& g : r.regions) {
            ASSERT_LE(last, g.begin);
            ASSERT_LE(g.begin, g.body_begin);
            ASSERT_LE(g.body_begin, g.body_end);
            ASSERT_LE(g.body_end, g.end);
            ASSERT_LE(g.end, s.size());
            last = g.end;
        }
        // Code outside regions is verbatim.
        size_t ri = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            while (ri < r.regions.size() && r.regions[ri].end <= i)
                ++ri;
            if (ri < r.regions.size() && r.regions[ri].begin <= i)
                continue;
            ASSERT_EQ(r.mask[i], s[i]) << s;
        }
    }
}

TEST(Lexer, LinearTimeOnLargeInput) {
    std::string s;
    for (int i = 0; i < 200000; ++i)
        s += "/* c */ 'x' $a$ y $a$ \"q\" -- z\n";
    const Masked r = mask(s);
    EXPECT_EQ(r.mask.size(), s.size());
    EXPECT_EQ(r.block_comments.size(), 200000u);
    EXPECT_EQ(r.regions.size(), 1000000u);
}

TEST(Helpers, IequalsAndUpper) {
    EXPECT_TRUE(iequals("Commit", "COMMIT"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("Commi", "COMMIT"));
    EXPECT_FALSE(iequals("c0mmit", "COMMIT"));
    EXPECT_EQ(to_upper_ascii("abc_\xc3\xa9Z"), "ABC_\xc3\xa9Z");
    EXPECT_TRUE(is_blank(" \t\r\n\f\v"));
    EXPECT_FALSE(is_blank(" ;"));
    EXPECT_TRUE(is_ident_byte('$'));
    EXPECT_TRUE(is_ident_byte('\x80'));
    EXPECT_FALSE(is_ident_byte('.'));
}

std::vector<std::string> tokens(std::string_view sql, bool with_regions = true) {
    const Masked r = mask(sql);
    Tokenizer tz(r.mask,
                 with_regions ? std::span<const Region>(r.regions) : std::span<const Region>());
    std::vector<std::string> out;
    while (const auto t = tz.next()) {
        std::string kind;
        switch (t->kind) {
            case TokenKind::Word:
                kind = "W:";
                break;
            case TokenKind::Symbol:
                kind = "S:";
                break;
            case TokenKind::String:
                kind = "str:";
                break;
            case TokenKind::EscapeString:
                kind = "estr:";
                break;
            case TokenKind::QuotedIdentifier:
                kind = "qid:";
                break;
            case TokenKind::DollarQuoted:
                kind = "dq:";
                break;
        }
        out.push_back(kind + std::string(sql.substr(t->begin, t->end - t->begin)));
    }
    return out;
}

TEST(Tokenizer, WordsSymbolsAndLiterals) {
    EXPECT_EQ(tokens("CALL pg_temp.f('a''b', E'x', $$y$$, \"Q\") -- c\n;"),
              (std::vector<std::string>{"W:CALL", "W:pg_temp", "S:.", "W:f", "S:(", "str:'a''b'",
                                        "S:,", "estr:E'x'", "S:,", "dq:$$y$$", "S:,", "qid:\"Q\"",
                                        "S:)", "S:;"}));
}

TEST(Tokenizer, CommentsAreWhitespace) {
    EXPECT_EQ(tokens("BEGIN/* x */ATOMIC--y\nEND"),
              (std::vector<std::string>{"W:BEGIN", "W:ATOMIC", "W:END"}));
}

TEST(Tokenizer, WithoutRegionsDelimitersAreSymbols) {
    EXPECT_EQ(tokens("x 'a b' y", false), (std::vector<std::string>{"W:x", "S:'", "S:'", "W:y"}));
}

TEST(Tokenizer, DollarAndParamsInWords) {
    EXPECT_EQ(tokens("a$b$ $1 $1$"), (std::vector<std::string>{"W:a$b$", "W:$1", "W:$1$"}));
}

TEST(Tokenizer, RangeStartingInsideLiteralSkipsIt) {
    const std::string sql = "x 'abc' y";
    const Masked r = mask(sql);
    Tokenizer tz(r.mask, r.regions, 4);
    const auto t = tz.next();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->kind, TokenKind::Word);
    EXPECT_EQ(t->begin, 8u);
    EXPECT_FALSE(tz.next());
}

TEST(Tokenizer, RangeEnd) {
    const std::string sql = "a b c";
    const Masked r = mask(sql);
    Tokenizer tz(r.mask, r.regions, 1, 3);
    const auto t = tz.next();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->begin, 2u);
    EXPECT_FALSE(tz.next());
}

TEST(Tokenizer, IsWordAndSymbol) {
    const Masked r = mask("commit ;");
    Tokenizer tz(r.mask, r.regions);
    const auto a = tz.next();
    const auto b = tz.next();
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(tz.is_word(*a, "COMMIT"));
    EXPECT_FALSE(tz.is_word(*a, "COMMITS"));
    EXPECT_TRUE(tz.is_symbol(*b, ';'));
    EXPECT_FALSE(tz.is_symbol(*a, ';'));
    EXPECT_EQ(tz.text(*a), "commit");
}

TEST(RegionScanner, YieldsWhatMaskRecords) {
    const std::string sql =
        "SELECT 'a''b', E'\\'x', \"q\"\"r\", $t$ $$ $t$, $1 -- c\r\n/* a /* b */ */ x$y$ "
        "U&'u' $$ unterminated";
    const Masked m = mask(sql);
    ASSERT_EQ(m.regions.size(), 8u);
    RegionScanner scanner(sql);
    for (const Region& r : m.regions) {
        const auto s = scanner.next();
        ASSERT_TRUE(s.has_value());
        EXPECT_EQ(s->kind, r.kind);
        EXPECT_EQ(s->begin, r.begin);
        EXPECT_EQ(s->end, r.end);
        EXPECT_EQ(s->body_begin, r.body_begin);
        EXPECT_EQ(s->body_end, r.body_end);
        EXPECT_EQ(s->terminated, r.terminated);
    }
    EXPECT_FALSE(scanner.next().has_value());
    EXPECT_FALSE(m.regions.back().terminated);
}

TEST(Tokenizer, OnTheTextWithAScannerSameTokensAsOnTheMask) {
    const std::string sql = "SELECT a$b, 'x;y', E'\\\\' -- z\n, \"id\"/**/($q$ ; $q$);";
    const Masked m = mask(sql);
    Tokenizer masked(m.mask, m.regions);
    Tokenizer raw(sql, RegionScanner(sql));
    size_t count = 0;
    while (const auto t = masked.next()) {
        const auto r = raw.next();
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->kind, t->kind);
        EXPECT_EQ(r->begin, t->begin);
        EXPECT_EQ(r->end, t->end);
        ++count;
    }
    EXPECT_FALSE(raw.next().has_value());
    EXPECT_EQ(count, 12u);
}

}  // namespace
}  // namespace pgmi::script
