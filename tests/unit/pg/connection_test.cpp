// pg helpers that need no server: COPY text escaping, error formatting, diagnostics of results
// made locally, and option errors reported before any network I/O.
#include "pg/connection.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgmi::pg {
namespace {

std::string copy_text(std::string_view v) {
    std::string out;
    append_copy_text(out, v);
    return out;
}

TEST(CopyText, EscapesSpecialCharacters) {
    EXPECT_EQ(copy_text("plain"), "plain");
    EXPECT_EQ(copy_text(""), "");
    EXPECT_EQ(copy_text("a\tb"), "a\\tb");
    EXPECT_EQ(copy_text("a\nb"), "a\\nb");
    EXPECT_EQ(copy_text("a\r\nb"), "a\\r\\nb");
    EXPECT_EQ(copy_text("back\\slash"), "back\\\\slash");
    EXPECT_EQ(copy_text("\\N"), "\\\\N");
    EXPECT_EQ(copy_text("\b\f\v"), "\\b\\f\\v");
    EXPECT_EQ(copy_text("żółć 🐘"), "żółć 🐘");
    EXPECT_EQ(copy_text(std::string("nul\0byte", 8)), std::string("nul\0byte", 8));
}

TEST(CopyText, Appends) {
    std::string out = "1\t";
    append_copy_text(out, "x\ty");
    out += "\n";
    EXPECT_EQ(out, "1\tx\\ty\n");
}

TEST(Describe, SeveritySqlstateMessage) {
    ServerError e;
    e.severity = "ERROR";
    e.sqlstate = "42601";
    e.message = "syntax error at or near \"SELEC\"";
    EXPECT_EQ(describe(e), "ERROR: syntax error at or near \"SELEC\" (SQLSTATE 42601)");
    e.severity = "FEHLER";  // localised severities are kept as sent
    e.sqlstate.clear();
    EXPECT_EQ(describe(e), "FEHLER: syntax error at or near \"SELEC\"");
}

TEST(Diagnostics, NullAndLocalResultsAreEmpty) {
    ServerError none = diagnostics_of(nullptr);
    EXPECT_EQ(none.sqlstate, "");
    EXPECT_EQ(none.position, 0);
    PGresult* res = PQmakeEmptyPGresult(nullptr, PGRES_FATAL_ERROR);
    ASSERT_NE(res, nullptr);
    ServerError local = diagnostics_of(res);
    EXPECT_EQ(local.severity, "");
    EXPECT_EQ(local.message, "");
    EXPECT_EQ(local.internal_position, 0);
    PQclear(res);
}

TEST(Open, UnknownOptionFailsWithoutNetwork) {
    auto c = Connection::open({{"definitely_not_an_option", "1"}});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    EXPECT_NE(c.error().message.find("invalid connection option \"definitely_not_an_option\""),
              std::string::npos)
        << c.error().message;
    EXPECT_FALSE(c.error().server.has_value());
}

TEST(Open, BadSslmodeFailsWithoutNetwork) {
    auto c = Connection::open({{"host", "127.0.0.1"}, {"sslmode", "sometimes"}});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    EXPECT_NE(c.error().message.find("sslmode"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace pgmi::pg
