// An exception that escapes a command (std::bad_alloc, a bug) still answers --json with one
// document on stdout and exit code 3. The real binary under a memory limit is exercised by
// tests/integration/cli/hostile_messages_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"

namespace pgmi::cli {
namespace {

struct Printed {
    int code = -1;
    std::string out;
    std::string err;
};

Printed call(std::string_view what, bool json) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    Printed p;
    p.code = unexpected_error(what, json);
    p.out = testing::internal::GetCapturedStdout();
    p.err = testing::internal::GetCapturedStderr();
    return p;
}

TEST(UnexpectedError, JsonEnvelopeOnStdoutAndExit3) {
    const Printed p = call("std::bad_alloc", true);
    EXPECT_EQ(p.code, 3);
    EXPECT_EQ(p.err, "pgmi: internal error: std::bad_alloc\n");
    const auto doc = nlohmann::json::parse(p.out);  // throws (fails the test) when not JSON
    EXPECT_EQ(doc.at("status"), "failed");
    EXPECT_EQ(doc.at("exitCode"), 3);
    EXPECT_EQ(doc.at("error"), "internal error: std::bad_alloc");
}

TEST(UnexpectedError, NothingOnStdoutWithoutJson) {
    const Printed p = call("boom", false);
    EXPECT_EQ(p.code, 3);
    EXPECT_EQ(p.out, "");
    EXPECT_EQ(p.err, "pgmi: internal error: boom\n");
}

TEST(UnexpectedError, PasswordShapesInTheMessageAreMasked) {
    const Printed p = call("cannot parse host=h password=hunter2", true);
    EXPECT_EQ(p.out.find("hunter2"), std::string::npos) << p.out;
    EXPECT_EQ(p.err.find("hunter2"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("password=[redacted]"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace pgmi::cli
