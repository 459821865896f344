// Which user --google logs in as, offline: a user the resolver only defaulted ($USER, $USERNAME,
// the OS account) gives way to the principal's IAM database user (an empty username, which the
// Cloud SQL connector fills in); a user someone named is kept. Other methods keep the default.
#include <gtest/gtest.h>

#include "conn/resolver.hpp"
#include "support/support.hpp"

namespace pgmi::conn {
namespace {

ResolvedConnection resolve_google(std::optional<std::string> username,
                                  std::map<std::string, std::string> env, bool google = true) {
    test::TempDir home;
    ConnectionFlags flags;
    flags.database = "d";
    flags.username = std::move(username);
    flags.cloud.google = google;
    flags.cloud.google_instance = "p:us-central1:db";
    env["HOME"] = home.path().string();
    auto r = resolve(flags, env_from(std::move(env)), {});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : ResolvedConnection{};
}

TEST(GoogleUser, ADefaultedUserGivesWayToThePrincipal) {
    for (const auto& env : std::vector<std::map<std::string, std::string>>{
             {{"USER", "unixuser"}}, {{"USERNAME", "winuser"}}, {}}) {
        const ResolvedConnection r = resolve_google(std::nullopt, env);
        EXPECT_EQ(r.config.username, "");
        EXPECT_NE(r.sources.at("user").find("the Google principal's IAM database user"),
                  std::string::npos)
            << r.sources.at("user");
        EXPECT_NE(describe(r).find("the Google principal's IAM database user"), std::string::npos);
    }
}

TEST(GoogleUser, ANamedUserIsKept) {
    EXPECT_EQ(resolve_google("flag-user", {{"USER", "unixuser"}}).config.username, "flag-user");
    const ResolvedConnection r = resolve_google(std::nullopt, {{"PGUSER", "pg-user"}});
    EXPECT_EQ(r.config.username, "pg-user");
    EXPECT_EQ(r.sources.at("user"), "$PGUSER");
}

TEST(GoogleUser, WithoutGoogleTheDefaultStays) {
    const ResolvedConnection r = resolve_google(std::nullopt, {{"USER", "unixuser"}}, false);
    EXPECT_EQ(r.config.username, "unixuser");
    EXPECT_EQ(r.sources.at("user"), "$USER");
}

}  // namespace
}  // namespace pgmi::conn
