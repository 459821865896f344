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

}  // namespace
}  // namespace pgmi::report
