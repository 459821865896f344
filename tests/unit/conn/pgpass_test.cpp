// The password file: libpq's syntax (escapes, wildcards, comments, short lines), first match,
// socket hosts as localhost, and the permission rule.
#include "conn/pgpass.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/support.hpp"

namespace pgmi::conn {
namespace {

const char* kFile =
    "# comment line\n"
    "\n"
    "db\\:1:5432:app:alice:pa\\:ss\\\\word\n"  // host "db:1", password "pa:ss\word"
    "db2:*:*:bob:bobpw:ignored-extra-field\n"
    "short:5432:app\n"  // fewer than five fields: skipped
    "localhost:5433:*:carol:socketpw\n"
    "*:*:shop:*:shoppw\n"
    "*:*:*:dave:\n"               // empty password = no password
    "\\*:*:*:*:literal-star\r\n"  // host is a literal '*'
    "*:*:*:*:fallback\n";

TEST(Pgpass, ParsesLibpqSyntax) {
    auto entries = parse_pgpass(kFile);
    ASSERT_EQ(entries.size(), 7u);
    EXPECT_EQ(entries[0].host, "db:1");
    EXPECT_EQ(entries[0].password, "pa:ss\\word");
    EXPECT_EQ(entries[0].line, 3);
    EXPECT_TRUE(entries[1].any_port);
    EXPECT_EQ(entries[1].password, "bobpw");
    EXPECT_FALSE(entries[5].any_host);
    EXPECT_EQ(entries[5].host, "*");
    EXPECT_EQ(entries[5].password, "literal-star");
}

TEST(Pgpass, FirstMatchingLineWins) {
    auto e = parse_pgpass(kFile);
    EXPECT_EQ(lookup_pgpass(e, "db:1", 5432, "app", "alice"), "pa:ss\\word");
    EXPECT_EQ(lookup_pgpass(e, "db:1", 5433, "app", "alice"), "fallback");
    EXPECT_EQ(lookup_pgpass(e, "db2", 1, "anything", "bob"), "bobpw");
    EXPECT_EQ(lookup_pgpass(e, "elsewhere", 5432, "shop", "zed"), "shoppw");
    EXPECT_EQ(lookup_pgpass(e, "elsewhere", 5432, "other", "dave"), std::nullopt);
    EXPECT_EQ(lookup_pgpass(e, "*", 5432, "other", "erin"), "literal-star");
    EXPECT_EQ(lookup_pgpass(e, "x", 0, "other", "erin"), "fallback");
}

TEST(Pgpass, SocketConnectionsMatchLocalhost) {
    auto e = parse_pgpass(kFile);
    EXPECT_EQ(lookup_pgpass(e, "/var/run/postgresql", 5433, "db", "carol"), "socketpw");
    EXPECT_EQ(lookup_pgpass(e, "", 5433, "db", "carol"), "socketpw");
    EXPECT_EQ(lookup_pgpass(e, "@abstract", 5433, "db", "carol"), "socketpw");
    EXPECT_EQ(lookup_pgpass(e, "localhost", 5433, "db", "carol"), "socketpw");
    EXPECT_EQ(lookup_pgpass(e, "127.0.0.1", 5433, "db", "carol"), "fallback");
}

TEST(Pgpass, MalformedTextNeverFails) {
    for (const char* text : {"", "\n\n", ":::::", "a:b:c:d", "\\", "a\\", "a:b:c:d:\\",
                             "#a:b:c:d:e", "a:b:c:d:e:f:g", "\r\n"}) {
        auto entries = parse_pgpass(text);
        for (const auto& en : entries)
            EXPECT_GT(en.line, 0);
    }
    EXPECT_EQ(parse_pgpass("a:b:c:d").size(), 0u);
    EXPECT_EQ(parse_pgpass(":::::").size(), 1u);
    EXPECT_EQ(parse_pgpass("a:b:c:d:\\").at(0).password, "\\");
}

TEST(Pgpass, GroupOrWorldAccessibleFileIsIgnoredWithAWarning) {
    test::TempDir dir;
    auto path = dir.write("pgpass", "*:*:*:*:pw\n");
    ::chmod(path.c_str(), 0600);
    PasswordFile good = load_password_file(path);
    EXPECT_TRUE(good.present);
    EXPECT_FALSE(good.ignored);
    EXPECT_EQ(good.warning, "");
    ASSERT_EQ(good.entries.size(), 1u);

    ::chmod(path.c_str(), 0640);
    PasswordFile bad = load_password_file(path);
    EXPECT_TRUE(bad.ignored);
    EXPECT_TRUE(bad.entries.empty());
    EXPECT_EQ(bad.warning, "WARNING: password file \"" + path.string() +
                               "\" has group or world access (mode 0640); it is not used. "
                               "Restrict it with: chmod 0600 " +
                               path.string());
    EXPECT_EQ(bad.warning.find("pw\n"), std::string::npos);

    ::chmod(path.c_str(), 0604);
    EXPECT_TRUE(load_password_file(path).ignored);

    PasswordFile missing = load_password_file(dir.path() / "nope");
    EXPECT_FALSE(missing.present);
    EXPECT_FALSE(missing.ignored);
    EXPECT_EQ(missing.warning, "");

    PasswordFile directory = load_password_file(dir.path());
    EXPECT_TRUE(directory.ignored);
    EXPECT_NE(directory.warning.find("not a plain file"), std::string::npos);
}

// Often a link in a home directory: followed, but the target must be a regular file under the
// cap, and a named pipe or device never blocks or fills memory.
TEST(Pgpass, LinksFollowedToRegularFilesOnly) {
    test::TempDir dir;
    const auto real = dir.write("real", "h:5432:db:u:pw\n");
    ::chmod(real.c_str(), 0600);
    std::filesystem::create_symlink(real, dir.path() / "link");
    PasswordFile linked = load_password_file(dir.path() / "link");
    EXPECT_FALSE(linked.ignored) << linked.warning;
    EXPECT_EQ(linked.entries.size(), 1u);

    std::filesystem::create_symlink("/dev/zero", dir.path() / "zero");
    PasswordFile zero = load_password_file(dir.path() / "zero");
    EXPECT_TRUE(zero.ignored);
    EXPECT_NE(zero.warning.find("not a plain file"), std::string::npos) << zero.warning;

    const auto pipe = dir.path() / "pipe";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    PasswordFile piped = load_password_file(pipe);
    EXPECT_TRUE(piped.ignored);
    EXPECT_NE(piped.warning.find("not a plain file"), std::string::npos) << piped.warning;
}

TEST(Pgpass, OversizedIgnored) {
    test::TempDir dir;
    const auto big = dir.write("big", "h:5432:db:u:pw\n");
    ::chmod(big.c_str(), 0600);
    std::filesystem::resize_file(big, kMaxPasswordFileBytes + 1);
    PasswordFile f = load_password_file(big);
    EXPECT_TRUE(f.ignored);
    EXPECT_TRUE(f.entries.empty());
    EXPECT_EQ(f.warning, "WARNING: password file \"" + big.string() +
                             "\" is 1048577 bytes, over the 1 MiB limit for a password file; it "
                             "is not used");
}

TEST(Pgpass, PathPrecedence) {
    EXPECT_EQ(password_file_path(std::string("/given"), env_from({{"PGPASSFILE", "/env"}})),
              "/given");
    EXPECT_EQ(password_file_path(std::nullopt, env_from({{"PGPASSFILE", "/env"}, {"HOME", "/h"}})),
              "/env");
    EXPECT_EQ(password_file_path(std::nullopt, env_from({{"HOME", "/h"}})), "/h/.pgpass");
}

// --- writing --------------------------------------------------------------------------------

TEST(PgpassWrite, EscapesColonsAndBackslashesOnly) {
    EXPECT_EQ(pgpass_escape("plain"), "plain");
    EXPECT_EQ(pgpass_escape("a:b\\c"), "a\\:b\\\\c");
    EXPECT_EQ(pgpass_escape("*x"), "*x");
    auto line = pgpass_line({"db:1", "5432", "*", "al\\ice"}, "pa:ss\\w*rd");
    ASSERT_TRUE(line) << line.error().message;
    EXPECT_EQ(*line, "db\\:1:5432:*:al\\\\ice:pa\\:ss\\\\w*rd");
    auto back = parse_pgpass(*line);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].host, "db:1");
    EXPECT_TRUE(back[0].any_database);
    EXPECT_EQ(back[0].user, "al\\ice");
    EXPECT_EQ(back[0].password, "pa:ss\\w*rd");
    // A host starting with '#' would turn the line into a comment (found by pgpass_write_fuzz).
    auto hash = pgpass_line({"#h", "1", "d", "u"}, "pw");
    ASSERT_TRUE(hash);
    EXPECT_EQ(*hash, "\\#h:1:d:u:pw");
    ASSERT_EQ(parse_pgpass(*hash).size(), 1u);
    EXPECT_EQ(parse_pgpass(*hash)[0].host, "#h");
}

TEST(PgpassWrite, RefusesWhatTheFileCannotHoldWithoutQuotingIt) {
    for (const auto& [key, password] : std::vector<std::pair<PgpassKey, std::string>>{
             {{"h", "1", "d", "u"}, "two\nlines"},
             {{"h", "1", "d", "u"}, std::string("nul\0x", 5)},
             {{"h\r", "1", "d", "u"}, "pw"},
             {{"h", "1", "d", "u"}, ""}}) {
        auto line = pgpass_line(key, password);
        ASSERT_FALSE(line);
        EXPECT_EQ(line.error().kind, ErrorKind::Config);
        EXPECT_EQ(line.error().message.find("two"), std::string::npos) << "never the value";
    }
}

TEST(PgpassWrite, UpsertPutsTheLineFirstAndReplacesTheSameKeyOnly) {
    const std::string existing =
        "# my servers\n"
        "localhost:5432:*:postgres:old\n"
        "localhost:5432:app:postgres:kept-other-db\r\n"
        "localhost\\:x:5432:*:postgres:kept-other-host\n"
        "localhost:5432:*:postgres:old-duplicate\n"
        "*:*:*:*:wildcard";
    const PgpassKey key{"localhost", "5432", "*", "postgres"};
    const std::string out = pgpass_upsert(existing, key, "localhost:5432:*:postgres:new");
    EXPECT_EQ(out,
              "localhost:5432:*:postgres:new\n"
              "# my servers\n"
              "localhost:5432:app:postgres:kept-other-db\r\n"
              "localhost\\:x:5432:*:postgres:kept-other-host\n"
              "*:*:*:*:wildcard\n");
    EXPECT_EQ(lookup_pgpass(parse_pgpass(out), "/tmp", 5432, "postgres", "postgres"), "new")
        << "a socket connection matches localhost, and the new line wins";
    EXPECT_EQ(pgpass_upsert("", key, "l"), "l\n");
}

TEST(PgpassWrite, SaveCreatesA0600FileInA0700DirectoryAndKeepsOtherLines) {
    test::TempDir dir;
    const auto path = dir.path() / "new" / "sub" / "pgpass";
    ASSERT_TRUE(save_pgpass(path, {"db", "5432", "*", "u"}, "first"));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(path.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(test::read_whole_file(path), "db:5432:*:u:first\n");

    const auto kept = dir.write("home/.pgpass", "# mine\nother:1:*:u:x\ndb:5432:*:u:stale\n");
    ::chmod(kept.c_str(), 0600);
    ASSERT_TRUE(save_pgpass(kept, {"db", "5432", "*", "u"}, "second"));
    EXPECT_EQ(test::read_whole_file(kept), "db:5432:*:u:second\n# mine\nother:1:*:u:x\n");
    auto loaded = load_password_file(kept);
    EXPECT_FALSE(loaded.ignored) << loaded.warning;
}

TEST(PgpassWrite, ALinkStaysALinkAndItsFileIsReplaced) {
    test::TempDir dir;
    const auto target = dir.write("dotfiles/pgpass", "x:1:*:u:old\n");
    const auto link = dir.path() / ".pgpass";
    std::filesystem::create_symlink(target, link);
    ASSERT_TRUE(save_pgpass(link, {"x", "1", "*", "u"}, "new"));
    EXPECT_TRUE(std::filesystem::is_symlink(link));
    EXPECT_EQ(test::read_whole_file(target), "x:1:*:u:new\n");
}

TEST(PgpassWrite, ADirectoryInTheWayIsAnErrorAndNothingIsWritten) {
    test::TempDir dir;
    std::filesystem::create_directory(dir.path() / ".pgpass");
    auto s = save_pgpass(dir.path() / ".pgpass", {"x", "1", "*", "u"}, "secret-value");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message.find("secret-value"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() / ".pgpass"));
}

}  // namespace
}  // namespace pgmi::conn
