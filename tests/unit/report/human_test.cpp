#include "report/human.hpp"

#include <gtest/gtest.h>

namespace pgmi::report {
namespace {

Outcome failed_at(std::string source_line, int column, std::optional<std::string> file = {}) {
    Outcome o;
    o.database = "app";
    Error e = make_error(ErrorKind::Execution, "execution failed: ERROR: boom (SQLSTATE 42601)");
    ServerError s;
    s.sqlstate = "42601";
    s.message = "boom";
    s.hint = "try again";
    e.server = s;
    o.error = e;
    o.location = script::Location{3, column, std::move(source_line)};
    if (file) {
        o.failed_file = *file;
        o.location_in_file = true;
    }
    return o;
}

TEST(ErrorBlock, CompilerStyleHeadAndCaretUnderTheColumn) {
    const std::string block = error_block(failed_at("SELEC 1;", 1), Redactor());
    EXPECT_EQ(block,
              "deploy.sql:3:1: pgmi: error: execution failed: ERROR: boom (SQLSTATE 42601)\n"
              "HINT: try again\n"
              "LINE 3: SELEC 1;\n"
              "        ^\n");
}

TEST(ErrorBlock, CaretKeepsTabsAndCountsCodePoints) {
    // Column 5 is the 'x': a tab, two two-byte letters, a space before it.
    const std::string block =
        error_block(failed_at("\t\xc3\xa9\xc3\xa9 x", 5, "./migrations/002.sql"), Redactor());
    EXPECT_NE(block.find("./migrations/002.sql:3:5: pgmi: error:"), std::string::npos) << block;
    EXPECT_NE(block.find("LINE 3: \t\xc3\xa9\xc3\xa9 x\n        \t   ^\n"), std::string::npos)
        << block;
}

TEST(ErrorBlock, FileNameIsRedactedLikeEverythingElse) {
    Redactor redact;
    redact.add_secret("s3cr3t-value");
    const std::string block = error_block(failed_at("x", 1, "./s3cr3t-value/a.sql"), redact);
    EXPECT_EQ(block.find("s3cr3t-value"), std::string::npos) << block;
}

// Issue 16, paper cut 5: a failing file showed the whole file as CONTEXT and pgmi's own frames.
TEST(ErrorBlock, ALocatedFailureShowsAnExcerptAndNoContextUnlessVerbose) {
    Outcome o = failed_at("SELEC 1;", 1, "./migrations/001.sql");
    o.lines_before = {"CREATE TABLE t(a int);", "INSERT INTO t VALUES (1);"};
    o.lines_after = {"SELECT 2;"};
    o.error->server->hint.clear();
    o.error->server->context =
        "SQL statement \"CREATE TABLE t(a int);\nINSERT INTO t VALUES "
        "(1);\nSELEC 1;\nSELECT 2;\n\"\nPL/pgSQL function "
        "inline_code_block line 6 at EXECUTE";
    EXPECT_EQ(error_block(o, Redactor()),
              "./migrations/001.sql:3:1: pgmi: error: execution failed: ERROR: boom (SQLSTATE "
              "42601)\n"
              "     1: CREATE TABLE t(a int);\n"
              "     2: INSERT INTO t VALUES (1);\n"
              "LINE 3: SELEC 1;\n"
              "        ^\n"
              "     4: SELECT 2;\n");
    const std::string verbose = error_block(o, Redactor(), true);
    EXPECT_NE(verbose.find("CONTEXT: SQL statement \"CREATE TABLE t(a int);\nINSERT"),
              std::string::npos)
        << verbose;
}

TEST(ErrorBlock, AnUnlocatedFailureShowsEachFrameOnOneLine) {
    Outcome o;
    o.database = "app";
    ServerError s;
    s.message = "division by zero";
    s.context =
        "SQL statement \"-- one\n-- two\nUPDATE t SET a = a / 0;\n\"\n"
        "PL/pgSQL function inline_code_block line 6 at EXECUTE";
    o.error = Error{ErrorKind::Execution, "execution failed: ERROR: division by zero", s};
    o.failed_file = "./migrations/001.sql";
    const std::string block = error_block(o, Redactor());
    EXPECT_NE(block.find("CONTEXT: SQL statement \"-- one ... (3 more lines; -v shows them)\n"
                         "PL/pgSQL function inline_code_block line 6 at EXECUTE\n"),
              std::string::npos)
        << block;
    EXPECT_EQ(block.find("-- two"), std::string::npos) << block;
}

TEST(ErrorBlock, PgmisOwnFramesAreNeverShown) {
    EXPECT_EQ(without_internal_frames(
                  "PL/pgSQL function pg_temp_3.pgmi_run_test_source(text) line 51 at RAISE"),
              "");
    EXPECT_EQ(without_internal_frames("PL/pgSQL function inline_code_block line 4 at RAISE\n"
                                      "SQL statement \"/*pgmi-test:2e*/DO $$\nBEGIN\n\"\n"
                                      "PL/pgSQL function pg_temp_4.pgmi_run_test_source(text) "
                                      "line 37 at EXECUTE\n"
                                      "SQL statement \"SELECT "
                                      "pg_temp.pgmi_run_test_source('./__test__/a.sql');\""),
              "PL/pgSQL function inline_code_block line 4 at RAISE\n"
              "SQL statement \"/*pgmi-test:2e*/DO $$\nBEGIN\n\"");
    EXPECT_EQ(without_internal_frames("PL/pgSQL function app.f() line 3 at RAISE"),
              "PL/pgSQL function app.f() line 3 at RAISE");
    Outcome o;
    ServerError s;
    s.message = "Failed in ./__test__/a.sql: expected 5 rows";
    s.context = "PL/pgSQL function pg_temp_3.pgmi_run_test_source(text) line 51 at RAISE";
    o.error = Error{ErrorKind::Execution, "execution failed: " + s.message, s};
    for (bool verbose : {false, true}) {
        const std::string block = error_block(o, Redactor(), verbose);
        EXPECT_EQ(block.find("pgmi_run_test_source"), std::string::npos) << block;
        EXPECT_EQ(block.find("CONTEXT"), std::string::npos) << block;
    }
}

TEST(TerminalSafe, ControlBytesBecomeVisible) {
    EXPECT_EQ(terminal_safe("a\x1b[2Jb"), "a^[[2Jb");
    EXPECT_EQ(terminal_safe("\x1b]0;owned\x07"), "^[]0;owned^G");
    EXPECT_EQ(terminal_safe("fake\rreal"), "fake^Mreal");
    EXPECT_EQ(terminal_safe(std::string("nul\0x\x7f", 6)), "nul^@x^?");
    EXPECT_EQ(terminal_safe("\x08\x0b\x0c\x1f"), "^H^K^L^_");
}

TEST(TerminalSafe, LineBreaksTabsAndUtf8Stay) {
    const std::string text = "line 1\n\tline 2 \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x98 ^ \\x";
    EXPECT_EQ(terminal_safe(text), text);
    EXPECT_EQ(terminal_safe(""), "");
}

TEST(TerminalSafe, C1ControlsEncodedOrLone) {
    EXPECT_EQ(terminal_safe("a\xc2\x9b"
                            "31mb"),
              "a<U+009B>31mb");  // CSI as UTF-8
    EXPECT_EQ(terminal_safe("\xc2\x80\xc2\x9f\xc2\xa0"), "<U+0080><U+009F>\xc2\xa0");
    EXPECT_EQ(terminal_safe("a\x9b"
                            "31mb"),
              "a\\x9b31mb");  // CSI as one byte (8-bit terminal)
    // Invalid UTF-8 that is not a C1 byte is left alone; a C1 byte inside a valid sequence too.
    EXPECT_EQ(terminal_safe("\xe9t\xe9"), "\xe9t\xe9");
    EXPECT_EQ(terminal_safe("\xe2\x80\x9c"), "\xe2\x80\x9c");
    // A surrogate is not valid UTF-8: its bytes are judged one by one.
    EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\xed\xa0\\x80");
}

ServerError hostile_notice() {
    ServerError n;
    n.severity = "NOTICE";
    n.message = "done\x1b[2J\x1b[H password=hunter2";
    n.detail = "detail\r\x1b[1A";
    n.hint = "hint\x07";
    n.context = "PL/pgSQL \x1b]8;;http://x\x1b\\";
    return n;
}

TEST(NoticeText, EscapesAreNeutralisedAndSecretsRedacted) {
    Redactor redact;
    redact.add_secret("hunter2");
    const std::string text =
        notice_text(hostile_notice(), true, std::chrono::steady_clock::now(), redact, {});
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_NE(text.find("] done^[[2J^[[H password=[redacted]\n"), std::string::npos) << text;
    EXPECT_NE(text.find("DETAIL: detail^M^[[1A\n"), std::string::npos) << text;
    EXPECT_NE(text.find("HINT: hint^G\n"), std::string::npos) << text;
    EXPECT_NE(text.find("CONTEXT: PL/pgSQL ^[]8;;http://x^[\\\n"), std::string::npos) << text;
}

ServerError notice(const std::string& severity, const std::string& msg) {
    ServerError n;
    n.severity = severity;
    n.message = msg;
    return n;
}

std::string shown_notice(const ServerError& n, const ui::Terminal& term = {}) {
    return notice_text(n, false, std::chrono::steady_clock::now(), Redactor(), term);
}

// Issue 16: every notice printed as "NOTICE: <msg>" broke TAP streams and greps of notice text.
TEST(NoticeText, NoticeAndInfoAreTheBareMessage) {
    EXPECT_EQ(shown_notice(notice("NOTICE", "ok 1 - a test")), "ok 1 - a test\n");
    EXPECT_EQ(shown_notice(notice("INFO", "TAP version 14")), "TAP version 14\n");
    EXPECT_EQ(shown_notice(notice("DEBUG", "[pgmi] Rollback: x")), "[pgmi] Rollback: x\n");
    EXPECT_EQ(shown_notice(notice("LOG", "l")), "l\n");
    // DETAIL and HINT keep their labels: they are pgmi's framing, not the project's text.
    ServerError n = notice("NOTICE", "m");
    n.detail = "d";
    n.hint = "h";
    EXPECT_EQ(shown_notice(n), "m\nDETAIL: d\nHINT: h\n");
}

TEST(NoticeText, WarningAndAboveAreLabelledInColourOnlyWhereAllowed) {
    EXPECT_EQ(shown_notice(notice("WARNING", "careful")), "WARNING: careful\n");
    // A localised severity (a server older than 9.6) cannot be judged: it is labelled.
    EXPECT_EQ(shown_notice(notice("WARNUNG", "Achtung")), "WARNUNG: Achtung\n");
    EXPECT_EQ(shown_notice(notice("FATAL", "gone")), "FATAL: gone\n");
    ui::Terminal colour;
    colour.color = true;
    EXPECT_EQ(shown_notice(notice("WARNING", "careful"), colour),
              "\x1b[1;33mWARNING:\x1b[0m careful\n");
    EXPECT_EQ(shown_notice(notice("ERROR", "bad"), colour), "\x1b[1;31mERROR:\x1b[0m bad\n");
    EXPECT_EQ(shown_notice(notice("NOTICE", "plain"), colour), "plain\n");
    EXPECT_TRUE(notice_is_labelled(notice("WARNING", "")));
    EXPECT_FALSE(notice_is_labelled(notice("INFO", "")));
}

TEST(ErrorBlock, ServerTextIsNeutralisedAndTheCaretFollowsTheEscapes) {
    Outcome o = failed_at("\x1b[31mSELEC 1;", 6, "./a\x1b]0;t\x07.sql");
    o.error->message = "boom\x1b[2K";
    o.error->server->detail = "\x1b[8m hidden";
    const std::string block = error_block(o, Redactor());
    EXPECT_EQ(block.find('\x1b'), std::string::npos) << block;
    EXPECT_EQ(block.find('\x07'), std::string::npos) << block;
    EXPECT_NE(block.find("./a^[]0;t^G.sql:3:6: pgmi: error: boom^[[2K\n"), std::string::npos)
        << block;
    EXPECT_NE(block.find("DETAIL: ^[[8m hidden\n"), std::string::npos) << block;
    // Column 6 is the 'S': "^[" takes two cells, "[31m" four.
    EXPECT_NE(block.find("LINE 3: ^[[31mSELEC 1;\n              ^\n"), std::string::npos) << block;
}

TEST(SummaryLine, DatabaseNameCannotDriveTheTerminal) {
    Outcome o;
    o.database = "app\x1b]0;owned\x07\rok";
    o.files_loaded = 2;
    const std::string line = summary_line(o, ui::Terminal{});
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    EXPECT_NE(line.find("app^[]0;owned^G^Mok: 2 files loaded in"), std::string::npos) << line;
}

}  // namespace
}  // namespace pgmi::report
