#include "script/splitter.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace pgmi::script {
namespace {

std::vector<std::string> texts(std::string_view script) {
    std::vector<std::string> out;
    for (const Unit& u : split(script))
        out.emplace_back(u.text);
    return out;
}

using V = std::vector<std::string>;

bool term(std::string_view sql) {
    return is_terminator(mask(sql).mask);
}

// ---- terminator table -------------------------------------------------------------------------

TEST(Terminator, PlainForms) {
    EXPECT_TRUE(term("COMMIT"));
    EXPECT_TRUE(term("END"));
    EXPECT_TRUE(term("ROLLBACK"));
    EXPECT_TRUE(term("ABORT"));
    EXPECT_TRUE(term("commit"));
    EXPECT_TRUE(term("  Rollback  "));
    EXPECT_TRUE(term("COMMIT;"));
}

TEST(Terminator, WorkAndTransaction) {
    for (const char* w : {"COMMIT", "END", "ROLLBACK", "ABORT"}) {
        EXPECT_TRUE(term(std::string(w) + " WORK")) << w;
        EXPECT_TRUE(term(std::string(w) + " TRANSACTION")) << w;
        EXPECT_TRUE(term(std::string(w) + " work")) << w;
    }
}

TEST(Terminator, AndChainForms) {
    EXPECT_TRUE(term("COMMIT AND CHAIN"));
    EXPECT_TRUE(term("COMMIT AND NO CHAIN"));
    EXPECT_TRUE(term("ROLLBACK WORK AND CHAIN"));
    EXPECT_TRUE(term("ABORT TRANSACTION AND NO CHAIN"));
    EXPECT_TRUE(term("end and chain"));
}

TEST(Terminator, CommentsBetweenWords) {
    EXPECT_TRUE(term("COMMIT /* x */ WORK -- y\n AND /*z*/ CHAIN"));
    EXPECT_TRUE(term("/* lead */ -- c\n COMMIT"));
}

TEST(Terminator, SavepointRollbacksAreNot) {
    EXPECT_FALSE(term("ROLLBACK TO SAVEPOINT s"));
    EXPECT_FALSE(term("ROLLBACK TO s"));
    EXPECT_FALSE(term("ROLLBACK TRANSACTION TO x"));
    EXPECT_FALSE(term("ROLLBACK WORK TO SAVEPOINT x"));
    EXPECT_FALSE(term("ABORT TO SAVEPOINT s"));
}

TEST(Terminator, PreparedFormsAreNot) {
    EXPECT_FALSE(term("COMMIT PREPARED 'x'"));
    EXPECT_FALSE(term("ROLLBACK PREPARED 'x'"));
}

TEST(Terminator, PrepareTransactionIs) {
    EXPECT_TRUE(term("PREPARE TRANSACTION 'x'"));
    EXPECT_TRUE(term("prepare transaction E'x'"));
    EXPECT_TRUE(term("PREPARE TRANSACTION $$x$$"));
    EXPECT_FALSE(term("PREPARE TRANSACTION"));
    EXPECT_FALSE(term("PREPARE transaction AS SELECT 1"));
    EXPECT_FALSE(term("PREPARE transaction (int) AS SELECT $1"));
    EXPECT_FALSE(term("PREPARE q AS SELECT 1"));
}

TEST(Terminator, OtherStatementsAreNot) {
    EXPECT_FALSE(term("BEGIN"));
    EXPECT_FALSE(term("START TRANSACTION"));
    EXPECT_FALSE(term("SAVEPOINT s"));
    EXPECT_FALSE(term("RELEASE SAVEPOINT s"));
    EXPECT_FALSE(term("SELECT CASE WHEN true THEN 1 END"));
    EXPECT_FALSE(term("END IF"));
    EXPECT_FALSE(term("COMMITTED"));
    EXPECT_FALSE(term("\"COMMIT\""));
    EXPECT_FALSE(term("'COMMIT'"));
    EXPECT_FALSE(term("-- COMMIT"));
    EXPECT_FALSE(term("(COMMIT)"));
    EXPECT_FALSE(term(""));
}

TEST(TransactionEffect, Kinds) {
    EXPECT_EQ(transaction_effect("BEGIN"), TxEffect::Begin);
    EXPECT_EQ(transaction_effect("begin isolation level serializable"), TxEffect::Begin);
    EXPECT_EQ(transaction_effect("START TRANSACTION READ ONLY"), TxEffect::Begin);
    EXPECT_EQ(transaction_effect("START"), TxEffect::None);
    EXPECT_EQ(transaction_effect("COMMIT"), TxEffect::End);
    EXPECT_EQ(transaction_effect("COMMIT AND NO CHAIN"), TxEffect::End);
    EXPECT_EQ(transaction_effect("COMMIT AND CHAIN"), TxEffect::Chain);
    EXPECT_EQ(transaction_effect("ROLLBACK AND CHAIN"), TxEffect::Chain);
    EXPECT_EQ(transaction_effect("PREPARE TRANSACTION 'g'"), TxEffect::End);
    EXPECT_EQ(transaction_effect("SAVEPOINT a"), TxEffect::None);
    EXPECT_EQ(transaction_effect("COMMIT PREPARED 'g'"), TxEffect::None);
}

// ---- splitting --------------------------------------------------------------------------------

TEST(Split, EmptyScriptIsOneEmptyUnit) {
    const auto u = split("");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].offset, 0u);
    EXPECT_EQ(u[0].text, "");
}

TEST(Split, NoTerminatorIsWholeScript) {
    const std::string s = "CREATE TABLE a(x int);\nINSERT INTO a VALUES (1);\n-- tail\n";
    const auto u = split(s);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].offset, 0u);
    EXPECT_EQ(u[0].text, s);
    EXPECT_EQ(u[0].text.data(), s.data());  // a view, byte-identical
}

TEST(Split, OnlyBlankAfterHeadIsWholeScript) {
    const std::string s = "BEGIN;\nSELECT 1;\nCOMMIT;\n-- done\n/* bye */\n\n";
    EXPECT_EQ(texts(s), V{s});
}

TEST(Split, UnterminatedTerminatorAtEndIsWholeScript) {
    const std::string s = "BEGIN; SELECT 1; COMMIT";
    EXPECT_EQ(texts(s), V{s});
}

TEST(Split, HeadThenTail) {
    const std::string s = "BEGIN;\nSELECT 1;\nCOMMIT;\nVACUUM a;\n  SELECT 2;\n";
    const auto u = split(s);
    ASSERT_EQ(u.size(), 3u);
    EXPECT_EQ(u[0].offset, 0u);
    EXPECT_EQ(u[0].text, "BEGIN;\nSELECT 1;\nCOMMIT;");
    EXPECT_EQ(u[1].offset, 24u);
    EXPECT_EQ(u[1].text, "\nVACUUM a;");
    EXPECT_EQ(u[2].offset, 34u);
    EXPECT_EQ(u[2].text, "\n  SELECT 2;");
}

// Found by a hostile review: the COMMIT after a lone \r was taken as comment, so the head and
// the CONCURRENTLY statement went as one unit while the server committed at that COMMIT.
TEST(Split, ACommitAfterALoneCarriageReturnEndsTheHead) {
    const auto u =
        texts("CREATE TABLE t(x int); -- setup\rCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t(x);\n");
    EXPECT_EQ(u, (V{"CREATE TABLE t(x int); -- setup\rCOMMIT;",
                    "\nCREATE INDEX CONCURRENTLY i ON t(x);"}));
}

// ---- the head's body and terminator ----------------------------------------------------------

TEST(HeadTerminator, MarksWhereTheTerminatorBegins) {
    const std::string s = "BEGIN;\nSELECT 1;\n-- done\nCOMMIT;\nSELECT 2;\n";
    const auto u = split(s);
    ASSERT_EQ(u.size(), 2u);
    ASSERT_TRUE(u[0].has_terminator());
    EXPECT_EQ(u[0].body(), "BEGIN;\nSELECT 1;");
    EXPECT_EQ(u[0].terminator(), "\n-- done\nCOMMIT;");
    EXPECT_TRUE(u[0].body_begins);
    EXPECT_FALSE(u[1].has_terminator());
}

TEST(HeadTerminator, AlsoWhenTheHeadIsTheWholeScript) {
    // The script: nothing after COMMIT, so the head is the whole (byte-identical) script,
    // and its COMMIT must still wait for the body.
    const std::string s = "BEGIN; CREATE TABLE t(x int); SELECT pg_sleep(3); COMMIT;\n-- end\n";
    const auto u = split(s);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].text, s);
    ASSERT_TRUE(u[0].has_terminator());
    EXPECT_EQ(u[0].body(), "BEGIN; CREATE TABLE t(x int); SELECT pg_sleep(3);");
    EXPECT_EQ(u[0].terminator(), " COMMIT;\n-- end\n");
}

TEST(HeadTerminator, EveryTerminatorForm) {
    for (const char* t : {"END", "COMMIT WORK", "commit and no chain", "COMMIT AND CHAIN",
                          "ROLLBACK", "ABORT TRANSACTION", "PREPARE TRANSACTION 'g'", "COMMIT"}) {
        const std::string s = std::string("BEGIN; SELECT 1; ") + t + "; SELECT 2;";
        const auto u = split(s);
        ASSERT_TRUE(u[0].has_terminator()) << s;
        EXPECT_EQ(u[0].terminator(), std::string(" ") + t + ";") << s;
    }
}

TEST(HeadTerminator, ImplicitBodyIsMarked) {
    EXPECT_FALSE(split("CREATE TABLE a(x int); COMMIT; SELECT 1;")[0].body_begins);
    EXPECT_TRUE(split("SET x = 1; START TRANSACTION; SELECT 1; COMMIT;")[0].body_begins);
    EXPECT_TRUE(split("CREATE TABLE a(x int); BEGIN; SELECT 1; COMMIT;")[0].body_begins);
    // BEGIN inside a body of code or a string does not open a block.
    EXPECT_FALSE(split("DO $$ BEGIN END $$; SELECT 'BEGIN;'; COMMIT;")[0].body_begins);
}

TEST(HeadTerminator, NoneWithoutABodyOrATerminator) {
    EXPECT_FALSE(split("COMMIT; SELECT 1;")[0].has_terminator());
    EXPECT_FALSE(split("-- only a comment\nCOMMIT;")[0].has_terminator());
    EXPECT_FALSE(split("SELECT 1; SELECT 2;")[0].has_terminator());
    EXPECT_FALSE(split("")[0].has_terminator());
    // Savepoint rollbacks and prepared commits are statements of the body, not its end.
    const auto u = split("BEGIN; ROLLBACK TO SAVEPOINT a; COMMIT PREPARED 'g'; COMMIT;");
    EXPECT_EQ(u[0].terminator(), " COMMIT;");
}

TEST(Split, LaterCommitsAreOrdinaryTailUnits) {
    EXPECT_EQ(texts("COMMIT; BEGIN; SELECT 1; COMMIT;"),
              (V{"COMMIT;", " BEGIN;", " SELECT 1;", " COMMIT;"}));
}

TEST(Split, TrailingTextWithoutSemicolonIsSentIfNotBlank) {
    EXPECT_EQ(texts("COMMIT; SELECT 1"), (V{"COMMIT;", " SELECT 1"}));
    EXPECT_EQ(texts("COMMIT; SELECT 1; -- end\n"), (V{"COMMIT;", " SELECT 1;"}));
    EXPECT_EQ(texts("COMMIT; SELECT 1; 'x'"), (V{"COMMIT;", " SELECT 1;", " 'x'"}));
}

TEST(Split, CommentOnlyChunksAreSent) {
    EXPECT_EQ(texts("COMMIT; SELECT 1; -- c\n; SELECT 2;"),
              (V{"COMMIT;", " SELECT 1;", " -- c\n;", " SELECT 2;"}));
    EXPECT_EQ(texts("COMMIT;;"), (V{"COMMIT;", ";"}));
}

TEST(Split, LeadingCommentsBelongToTheirStatement) {
    EXPECT_EQ(texts("COMMIT;\n/* a; */\n-- b;\nSELECT 1;"),
              (V{"COMMIT;", "\n/* a; */\n-- b;\nSELECT 1;"}));
}

TEST(Split, EveryTerminatorFormEndsTheHead) {
    for (const char* t :
         {"COMMIT", "END", "ROLLBACK", "ABORT", "COMMIT WORK", "END TRANSACTION", "ROLLBACK WORK",
          "ABORT TRANSACTION", "COMMIT AND CHAIN", "COMMIT AND NO CHAIN", "rollback and chain",
          "commit /* c */ work", "PREPARE TRANSACTION 'x'"}) {
        const std::string s = std::string("BEGIN; SELECT 1; ") + t + "; SELECT 2;";
        EXPECT_EQ(texts(s), (V{std::string("BEGIN; SELECT 1; ") + t + ";", " SELECT 2;"})) << t;
    }
}

TEST(Split, NonTerminatorsDoNotEndTheHead) {
    for (const char* t :
         {"ROLLBACK TO SAVEPOINT s", "ROLLBACK TRANSACTION TO x", "ABORT TO s",
          "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'", "BEGIN", "SAVEPOINT s",
          "SELECT CASE WHEN true THEN 1 END", "PREPARE q AS SELECT 1", "RELEASE s"}) {
        const std::string s = std::string("BEGIN; ") + t + "; SELECT 2;";
        EXPECT_EQ(texts(s), V{s}) << t;
    }
}

TEST(Split, SemicolonsInLiteralsCommentsAndIdentifiersDoNotSplit) {
    const std::string s =
        "COMMIT; SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$i;$t$ /* j; /* k; */ l; */ -- m;\n"
        ";";
    EXPECT_EQ(texts(s), (V{"COMMIT;", s.substr(7)}));
}

TEST(Split, SemicolonsInParenthesesDoNotSplit) {
    EXPECT_EQ(texts("COMMIT; SELECT (1;2); SELECT 3;"),
              (V{"COMMIT;", " SELECT (1;2);", " SELECT 3;"}));
}

TEST(Split, UnbalancedCloseParenSuppressesUntilRebalanced) {
    EXPECT_EQ(texts("COMMIT; SELECT 1); SELECT 2; SELECT (3; SELECT 4;"),
              (V{"COMMIT;", " SELECT 1); SELECT 2; SELECT (3;", " SELECT 4;"}));
}

TEST(Split, UnbalancedOpenParenSuppressesToEnd) {
    EXPECT_EQ(texts("COMMIT; SELECT (1; SELECT 2;"), (V{"COMMIT;", " SELECT (1; SELECT 2;"}));
}

TEST(Split, UnbalancedParenBeforeCommitKeepsWholeScript) {
    const std::string s = "SELECT (1; COMMIT; SELECT 2;";
    EXPECT_EQ(texts(s), V{s});
}

TEST(Split, EndInsideDoBodyIsInvisible) {
    const std::string s =
        "BEGIN;\nDO $$ BEGIN PERFORM 1; END $$;\nCOMMIT;\nDO $$BEGIN COMMIT; END$$;\n";
    EXPECT_EQ(texts(s), (V{"BEGIN;\nDO $$ BEGIN PERFORM 1; END $$;\nCOMMIT;",
                           "\nDO $$BEGIN COMMIT; END$$;"}));
}

TEST(Split, EndInStringOrIdentifierIsInvisible) {
    const std::string s = "SELECT 'x'; \"end\"; 'END'; SELECT 1;";
    EXPECT_EQ(texts(s), V{s});
}

TEST(Split, BeginAtomicBody) {
    const std::string f =
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\n"
        "END;";
    EXPECT_EQ(texts("COMMIT;\n" + f + "\nSELECT 3;"), (V{"COMMIT;", "\n" + f, "\nSELECT 3;"}));
}

TEST(Split, BeginAtomicBodyInHeadIsNotATerminator) {
    const std::string s =
        "BEGIN; CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END; COMMIT; SELECT 1;";
    EXPECT_EQ(texts(s),
              (V{"BEGIN; CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END; "
                 "COMMIT;",
                 " SELECT 1;"}));
}

TEST(Split, BeginAtomicWithCaseEndInside) {
    const std::string f =
        "create or replace function f(x int) returns int language sql begin atomic\n"
        "  select case when x > 0 then 1 else 0 end;\n"
        "  select case x when 1 then (case when true then 2 end) end;\n"
        "end;";
    EXPECT_EQ(texts("COMMIT;" + f + "SELECT 1;"), (V{"COMMIT;", f, "SELECT 1;"}));
}

TEST(Split, EmptyBeginAtomicBody) {
    const std::string f = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END;";
    EXPECT_EQ(texts("COMMIT; " + f + " SELECT 1;"), (V{"COMMIT;", " " + f, " SELECT 1;"}));
}

TEST(Split, BeginAtomicWithCommentsBetween) {
    const std::string f =
        "CREATE FUNCTION f() RETURNS int BEGIN /* x */ -- y\n ATOMIC SELECT 1; END;";
    EXPECT_EQ(texts("COMMIT;" + f + "SELECT 2;"), (V{"COMMIT;", f, "SELECT 2;"}));
}

TEST(Split, BeginCommaAtomicOpensNothing) {
    EXPECT_EQ(texts("COMMIT; SELECT begin, atomic FROM t; SELECT 2;"),
              (V{"COMMIT;", " SELECT begin, atomic FROM t;", " SELECT 2;"}));
}

TEST(Split, BeginAtomicOutsideRoutineOpensNothing) {
    EXPECT_EQ(texts("COMMIT; CREATE VIEW v AS SELECT begin atomic FROM t; SELECT 2;"),
              (V{"COMMIT;", " CREATE VIEW v AS SELECT begin atomic FROM t;", " SELECT 2;"}));
}

TEST(Split, QuotedBeginAtomicOpensNothing) {
    EXPECT_EQ(texts("COMMIT; CREATE FUNCTION f() AS $$ BEGIN ATOMIC $$; SELECT 2;"),
              (V{"COMMIT;", " CREATE FUNCTION f() AS $$ BEGIN ATOMIC $$;", " SELECT 2;"}));
}

TEST(Split, UnterminatedBeginAtomicRunsToEnd) {
    EXPECT_EQ(texts("COMMIT; CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;"),
              (V{"COMMIT;", " CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;"}));
}

TEST(Split, LowercaseAndCrlf) {
    EXPECT_EQ(texts("begin;\r\nselect 1;\r\ncommit;\r\nselect 2;\r\n"),
              (V{"begin;\r\nselect 1;\r\ncommit;", "\r\nselect 2;"}));
}

TEST(Split, MultibyteText) {
    EXPECT_EQ(texts("COMMIT; SELECT 'é;ü'; SELECT ä;"),
              (V{"COMMIT;", " SELECT 'é;ü';", " SELECT ä;"}));
}

TEST(Split, OffsetsAndConcatenation) {
    const std::string s = "SELECT 1; COMMIT; SELECT 2; /* x */ SELECT 3;\n\n-- trailing\n";
    const auto u = split(s);
    std::string joined;
    size_t expect = 0;
    for (const Unit& x : u) {
        EXPECT_EQ(x.offset, expect);
        EXPECT_EQ(x.text, std::string_view(s).substr(x.offset, x.text.size()));
        expect += x.text.size();
        joined += x.text;
    }
    EXPECT_EQ(joined, "SELECT 1; COMMIT; SELECT 2; /* x */ SELECT 3;");
}

TEST(Statements, CoversScriptAndMarksEffects) {
    const std::string s = "BEGIN; SAVEPOINT a; COMMIT AND CHAIN; COMMIT; SELECT 1";
    const auto st = statements(mask(s));
    ASSERT_EQ(st.size(), 5u);
    EXPECT_EQ(st[0].effect, TxEffect::Begin);
    EXPECT_EQ(st[1].effect, TxEffect::None);
    EXPECT_EQ(st[2].effect, TxEffect::Chain);
    EXPECT_EQ(st[3].effect, TxEffect::End);
    EXPECT_EQ(st[4].effect, TxEffect::None);
    EXPECT_TRUE(st[3].terminated);
    EXPECT_FALSE(st[4].terminated);
    EXPECT_EQ(st[4].end, s.size());
    EXPECT_EQ(st[1].begin, 6u);
    EXPECT_EQ(st[1].end, 19u);
}

TEST(Statements, AtomicBodyFlag) {
    const auto st = statements(mask("CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END; SELECT 2;"));
    ASSERT_EQ(st.size(), 2u);
    EXPECT_TRUE(st[0].has_atomic_body);
    EXPECT_FALSE(st[1].has_atomic_body);
}

TEST(Split, LargeScript) {
    std::string s = "BEGIN;\nCREATE TABLE t(x int);\nCOMMIT;\n";
    const std::string stmt =
        "INSERT INTO t VALUES (1), (2), ('a;b'), (\"q;\"), ($$x;$$); -- comment; here; padding "
        "padding padding "
        "padding\n";
    constexpr int kStatements = 100000;
    s.reserve(kStatements * (stmt.size() + 40));
    for (int i = 0; i < kStatements; ++i) {
        s += stmt;
        if (i % 10 == 0)
            s += "/* padding padding padding padding padding */\n";
    }
    ASSERT_GT(s.size(), 10u * 1000 * 1000);
    const auto u = split(s);
    EXPECT_EQ(u.size(), static_cast<size_t>(kStatements) + 1);
    EXPECT_EQ(u[1].text, "\n" + stmt.substr(0, stmt.find(" --")));
    EXPECT_EQ(u[u.size() - 1].text,
              stmt.substr(stmt.find(" --")) + stmt.substr(0, stmt.find(" --")));
    // Indexing and iterating agree, and the units tile the script from its head on.
    size_t pos = 0;
    size_t k = 0;
    for (const Unit& x : u) {
        ASSERT_EQ(x.offset, pos);
        ASSERT_EQ(x.text, u[k].text);
        pos += x.text.size();
        ++k;
    }
    EXPECT_EQ(k, u.size());
    EXPECT_TRUE(is_blank(mask(std::string_view(s).substr(pos)).mask));  // a comment is left
}

TEST(Split, WithoutAMaskSameAsWithOne) {
    const std::string s =
        "SET x = 1; BEGIN; SELECT 'a;b', E'\\';', $f$ ; $f$, \"q;\" /* ; */ -- ;\n; COMMIT;\n"
        "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END; SELECT 2 ; unterminated";
    const auto streamed = split(s);
    const auto masked = split(s, mask(s));
    ASSERT_EQ(streamed.size(), masked.size());
    ASSERT_EQ(streamed.size(), 4u);
    for (size_t i = 0; i < streamed.size(); ++i) {
        EXPECT_EQ(streamed[i].offset, masked[i].offset) << i;
        EXPECT_EQ(streamed[i].text, masked[i].text) << i;
        EXPECT_EQ(streamed[i].terminator_at, masked[i].terminator_at) << i;
        EXPECT_EQ(streamed[i].body_begins, masked[i].body_begins) << i;
    }
    EXPECT_EQ(streamed[3].text, " unterminated");
}

TEST(Split, RandomInputsKeepInvariants) {
    std::mt19937 rng(777);
    const std::vector<std::string> pieces = {
        "COMMIT",   "BEGIN",   " ",  ";",  "(",     ")",   "'",    "\"",     "$$",
        "--",       "\n",      "/*", "*/", "E'\\'", "END", "CASE", "ATOMIC", "CREATE FUNCTION f() ",
        "SELECT 1", "\xc3\xa9"};
    for (int round = 0; round < 3000; ++round) {
        std::string s;
        const int n = static_cast<int>(rng() % 30);
        for (int i = 0; i < n; ++i)
            s += pieces[rng() % pieces.size()];
        const auto u = split(s);
        const auto masked = split(s, mask(s));
        ASSERT_GE(u.size(), 1u);
        ASSERT_EQ(u.size(), masked.size()) << s;
        size_t pos = 0;
        size_t k = 0;
        for (const Unit& x : u) {
            ASSERT_EQ(x.text.data(), masked[k].text.data()) << s;
            ASSERT_EQ(x.text.size(), masked[k].text.size()) << s;
            ASSERT_EQ(x.terminator_at, masked[k].terminator_at) << s;
            ++k;
            ASSERT_EQ(x.offset, pos) << s;
            ASSERT_LE(x.offset + x.text.size(), s.size());
            ASSERT_EQ(x.text.data(), s.data() + x.offset);
            pos = x.offset + x.text.size();
        }
        ASSERT_TRUE(is_blank(mask(s).mask.substr(pos))) << s;
    }
}

}  // namespace
}  // namespace pgmi::script
