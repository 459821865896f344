#include "report/redact.hpp"

#include <gtest/gtest.h>

namespace pgmi::report {
namespace {

TEST(Redact, KeyValuePasswords) {
    EXPECT_EQ(redact_patterns("host=h password=abc user=u"), "host=h password=[redacted] user=u");
    EXPECT_EQ(redact_patterns("PASSWORD = 'a b c' x"), "password=[redacted] x");
    EXPECT_EQ(redact_patterns("sslpassword=x;y"), "sslpassword=[redacted];y");
}

TEST(Redact, UriUserInfoRunsToLastAt) {
    EXPECT_EQ(redact_patterns("postgresql://u:p@ss@h/db"), "postgresql://u:[redacted]@h/db");
    EXPECT_EQ(redact_patterns("no secret in postgresql://u@h/db"),
              "no secret in postgresql://u@h/db");
}

TEST(Redact, KnownSecretsAnywhere) {
    Redactor r;
    r.add_secret("Tr0ub4dor");
    r.add_secret("x");  // too short to mask safely; ignored
    EXPECT_EQ(r("role failed: Tr0ub4dor mentioned"), "role failed: [redacted] mentioned");
    EXPECT_EQ(r("x marks"), "x marks");
}

}  // namespace
}  // namespace pgmi::report
