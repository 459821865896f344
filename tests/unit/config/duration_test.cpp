#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace pgmi::config {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

constexpr const char* kAdvice =
    "; use a number with a unit (ns, us, ms, s, m, h), e.g. 30s, 5m, 1h30m, or 0 to disable";

nanoseconds ok(std::string_view text) {
    auto r = parse_duration(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
    return r ? *r : nanoseconds{-12345};
}

std::string fails(std::string_view text) {
    auto r = parse_duration(text);
    EXPECT_FALSE(r) << text;
    if (r)
        return "";
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    return r.error().message;
}

TEST(Duration, Valid) {
    EXPECT_EQ(ok("30s"), 30s);
    EXPECT_EQ(ok("1.5h"), 90min);
    EXPECT_EQ(ok("1h30m"), 90min);
    EXPECT_EQ(ok("500ms"), 500ms);
    EXPECT_EQ(ok("2\xC2\xB5s"), 2us);  // U+00B5
    EXPECT_EQ(ok("2\xCE\xBCs"), 2us);  // U+03BC
    EXPECT_EQ(ok("2us"), 2us);
    EXPECT_EQ(ok("7ns"), 7ns);
    EXPECT_EQ(ok("3m"), 3min);
    EXPECT_EQ(ok("+5s"), 5s);
    EXPECT_EQ(ok(".5s"), 500ms);
    EXPECT_EQ(ok("5.s"), 5s);
    EXPECT_EQ(ok("1h1m1s1ms1us1ns"), 1h + 1min + 1s + 1ms + 1us + 1ns);
    EXPECT_EQ(ok("1.000000001s"), 1s + 1ns);
    EXPECT_EQ(ok("0.1234567890123456789s"), 123456789ns);
    EXPECT_EQ(ok("0s"), 0s);
}

TEST(Duration, ZeroAndNegative) {
    EXPECT_EQ(ok("0"), 0s);
    EXPECT_EQ(ok("-0"), 0s);
    EXPECT_EQ(ok("+0"), 0s);
    EXPECT_EQ(ok("-1s"), -1s);
    EXPECT_EQ(ok("-1.5m"), -90s);
}

TEST(Duration, Limits) {
    EXPECT_EQ(ok("9223372036854775807ns"), nanoseconds{std::numeric_limits<std::int64_t>::max()});
    EXPECT_EQ(ok("-9223372036854775808ns"), nanoseconds{std::numeric_limits<std::int64_t>::min()});
    EXPECT_EQ(ok("2562047h"), 2562047h);
    EXPECT_EQ(fails("9223372036854775808ns"),
              std::string("invalid duration \"9223372036854775808ns\": out of range") + kAdvice);
    EXPECT_NE(fails("2562048h").find("out of range"), std::string::npos);
    EXPECT_NE(fails("99999999999999999999s").find("out of range"), std::string::npos);
    EXPECT_NE(fails("2562047h2562047h").find("out of range"), std::string::npos);
}

TEST(Duration, Invalid) {
    EXPECT_EQ(fails(""), std::string("invalid duration \"\": empty") + kAdvice);
    EXPECT_EQ(fails("5"), std::string("invalid duration \"5\": missing unit") + kAdvice);
    EXPECT_EQ(fails("1.5"), std::string("invalid duration \"1.5\": missing unit") + kAdvice);
    EXPECT_EQ(fails("1x"), std::string("invalid duration \"1x\": unknown unit \"x\"") + kAdvice);
    EXPECT_NE(fails("-").find("empty"), std::string::npos);
    EXPECT_NE(fails("s").find("expected a number"), std::string::npos);
    EXPECT_NE(fails(".s").find("a number needs digits"), std::string::npos);
    EXPECT_NE(fails("1s5").find("missing unit"), std::string::npos);
    EXPECT_NE(fails("00").find("missing unit"), std::string::npos);
    EXPECT_NE(fails(" 5s").find("expected a number"), std::string::npos);
    EXPECT_NE(fails("5S").find("unknown unit \"S\""), std::string::npos);
    EXPECT_NE(fails("1d").find("unknown unit \"d\""), std::string::npos);
    EXPECT_NE(fails("--1s").find("expected a number"), std::string::npos);
}

TEST(Duration, LongInputIsShortened) {
    const std::string text = "1" + std::string(500, 'x');
    const std::string msg = fails(text);
    EXPECT_LT(msg.size(), 300u);
    EXPECT_NE(msg.find("...\""), std::string::npos);
}

}  // namespace
}  // namespace pgmi::config
