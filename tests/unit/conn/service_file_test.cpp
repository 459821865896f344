// Service files: libpq's section syntax, the search order, and malformed files.
#include "conn/service_file.hpp"

#include <gtest/gtest.h>

#include "support/support.hpp"

namespace pgmi::conn {
namespace {

TEST(ServiceFile, ReadsTheNamedSectionOnly) {
    const char* text =
        "# services\n"
        "[other]\n"
        "host=wrong\n"
        "\n"
        "[prod]\n"
        "  host=db.prod\n"
        "port=6432\n"
        "dbname=shop\n"
        "host=ignored-second\n"
        "[later]\n"
        "garbage line that is never read\n";
    auto r = parse_service_file(text, "prod", "f");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(*r);
    EXPECT_EQ(**r, (std::map<std::string, std::string>{
                       {"host", "db.prod"}, {"port", "6432"}, {"dbname", "shop"}}));
    auto none = parse_service_file(text, "absent", "f");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST(ServiceFile, MalformedSectionsAreConfigErrors) {
    auto no_eq = parse_service_file("[s]\nhost\n", "s", "/x/pg_service.conf");
    ASSERT_FALSE(no_eq);
    EXPECT_EQ(no_eq.error().kind, ErrorKind::Config);
    EXPECT_EQ(no_eq.error().message,
              "syntax error in service file \"/x/pg_service.conf\", line 2: invalid configuration");
    auto nested = parse_service_file("[s]\nservice=t\n", "s", "f");
    ASSERT_FALSE(nested);
    EXPECT_NE(nested.error().message.find("nested service"), std::string::npos);
    auto unknown = parse_service_file("[s]\nbogus=1\n", "s", "f");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("line 2: unknown keyword"), std::string::npos);
    // Errors outside the wanted section do not matter (libpq reads only until it is found).
    EXPECT_TRUE(parse_service_file("[a]\nbogus\n[s]\nhost=h\n", "s", "f"));
}

TEST(ServiceFile, SearchOrderAndMissingService) {
    test::TempDir dir;
    dir.write("user.conf", "[u]\nhost=from-user\n[both]\nhost=user-wins\n");
    dir.write("sys/pg_service.conf", "[s]\nhost=from-sys\n[both]\nhost=sys\n");
    EnvLookup env = env_from({{"PGSERVICEFILE", (dir.path() / "user.conf").string()},
                              {"PGSYSCONFDIR", (dir.path() / "sys").string()}});
    auto u = lookup_service("u", env);
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->values.at("host"), "from-user");
    EXPECT_EQ(u->file, dir.path() / "user.conf");
    EXPECT_EQ(lookup_service("s", env)->values.at("host"), "from-sys");
    EXPECT_EQ(lookup_service("both", env)->values.at("host"), "user-wins");
    auto missing = lookup_service("nope", env);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::Config);
    EXPECT_NE(missing.error().message.find("definition of service \"nope\" not found"),
              std::string::npos);
    // ~/.pg_service.conf when PGSERVICEFILE is unset.
    dir.write("home/.pg_service.conf", "[h]\nport=7777\n");
    EnvLookup home = env_from({{"HOME", (dir.path() / "home").string()},
                               {"PGSYSCONFDIR", (dir.path() / "sys").string()}});
    EXPECT_EQ(lookup_service("h", home)->values.at("port"), "7777");
}

}  // namespace
}  // namespace pgmi::conn
