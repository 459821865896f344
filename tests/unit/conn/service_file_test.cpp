// Service files: libpq's section syntax, the search order, and malformed files.
#include "conn/service_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

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

// A named pipe or device where a service file is expected: a Config error, not a hang or an
// unbounded read. Links are followed (service files are often links) but checked at the target.
TEST(ServiceFile, SpecialFilesRefusedWithoutBlocking) {
    test::TempDir dir;
    const auto pipe = dir.path() / "pipe.conf";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    EnvLookup env = env_from(
        {{"PGSERVICEFILE", pipe.string()}, {"PGSYSCONFDIR", (dir.path() / "none").string()}});
    auto r = lookup_service("s", env);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, "service file " + pipe.string() +
                                     " is a named pipe, not a regular file: invalid configuration");

    std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.conf");
    env = env_from({{"PGSERVICEFILE", (dir.path() / "zero.conf").string()},
                    {"PGSYSCONFDIR", (dir.path() / "none").string()}});
    auto zero = lookup_service("s", env);
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error().message.find("is a character device, not a regular file"),
              std::string::npos);

    const auto real = dir.write("real.conf", "[s]\nhost=h\n");
    std::filesystem::create_symlink(real, dir.path() / "link.conf");
    env = env_from({{"PGSERVICEFILE", (dir.path() / "link.conf").string()},
                    {"PGSYSCONFDIR", (dir.path() / "none").string()}});
    auto linked = lookup_service("s", env);
    ASSERT_TRUE(linked) << linked.error().message;
    EXPECT_EQ(linked->values.at("host"), "h");
}

TEST(ServiceFile, OversizedRefused) {
    test::TempDir dir;
    const auto big = dir.write("big.conf", "[s]\nhost=h\n");
    std::filesystem::resize_file(big, kMaxServiceFileBytes + 1);
    EnvLookup env = env_from(
        {{"PGSERVICEFILE", big.string()}, {"PGSYSCONFDIR", (dir.path() / "none").string()}});
    auto r = lookup_service("s", env);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("is 1048577 bytes, over the 1 MiB limit for a service file"),
              std::string::npos);
}

}  // namespace
}  // namespace pgmi::conn
