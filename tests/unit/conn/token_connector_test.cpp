// The token connector with a scripted provider: a fresh token per attempt (retries included),
// each handed to the secret callback first and never shown; token failures end the attempts.
#include "conn/token_connector.hpp"

#include <gtest/gtest.h>

namespace pgmi::conn {
namespace {

class CountingProvider : public cloud::TokenProvider {
  public:
    explicit CountingProvider(bool fail) : fail_(fail) {}
    Result<cloud::Token> token() override {
        ++calls;
        if (fail_)
            return make_error(ErrorKind::Connection,
                              "no Fake credential available (sources tried: "
                              "env: skipped: $FAKE is not set)");
        return cloud::Token{"tok-" + std::to_string(calls) + "-secretvalue",
                            std::chrono::system_clock::now() + std::chrono::minutes(2), "fake env"};
    }
    std::string name() const override { return "Fake"; }
    std::vector<cloud::SourceAttempt> last_attempts() const override {
        return {{"fake env", "chosen"}};
    }
    int calls = 0;

  private:
    bool fail_;
};

ConnectionConfig refused_target() {
    ConnectionConfig c;
    c.host = "127.0.0.1";
    c.port = 1;  // privileged and unused: the connection is refused, a transient failure
    c.username = "someone";
    c.auth = AuthMethod::AzureEntraId;
    c.sslmode = "prefer";
    return c;
}

TEST(TokenConnector, AsksForAFreshTokenOnEveryAttempt) {
    auto provider = std::make_unique<CountingProvider>(false);
    CountingProvider* p = provider.get();
    std::vector<std::string> secrets, lines;
    ConnectorOptions o;
    o.retry.attempts = 3;
    o.retry.base = std::chrono::milliseconds(1);
    o.secret = [&](const std::string& s) { secrets.push_back(s); };
    o.verbose = [&](std::string_view s) { lines.emplace_back(s); };
    o.warning = [&](std::string_view s) { lines.emplace_back(s); };
    auto connector = make_token_connector(refused_target(), std::move(provider), o);
    auto conn = connector->connect("postgres", Deadline{});
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_EQ(p->calls, 3);
    EXPECT_EQ(secrets, (std::vector<std::string>{"tok-1-secretvalue", "tok-2-secretvalue",
                                                 "tok-3-secretvalue"}));
    std::string all = conn.error().message;
    for (const auto& l : lines)
        all += l + "\n";
    EXPECT_EQ(all.find("secretvalue"), std::string::npos) << all;
    EXPECT_NE(all.find("Fake token from fake env for attempt 2"), std::string::npos) << all;
    EXPECT_NE(all.find("Warning: Fake token expires in"), std::string::npos) << all;
}

TEST(TokenConnector, TokenFailureEndsTheAttemptsNamingTheSources) {
    auto provider = std::make_unique<CountingProvider>(true);
    CountingProvider* p = provider.get();
    ConnectorOptions o;
    o.retry.base = std::chrono::milliseconds(1);
    auto connector = make_token_connector(refused_target(), std::move(provider), o);
    auto conn = connector->connect("postgres", Deadline{});
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, ErrorKind::Connection);
    EXPECT_EQ(p->calls, 1);
    EXPECT_EQ(conn.error().message.rfind("failed to acquire Fake token: no Fake credential", 0), 0U)
        << conn.error().message;
    EXPECT_NE(conn.error().message.find("env: skipped: $FAKE is not set"), std::string::npos);
}

}  // namespace
}  // namespace pgmi::conn
