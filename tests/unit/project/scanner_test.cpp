#include "project/scanner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "project/checksum.hpp"
#include "project/normalizer.hpp"

namespace pgmi::project {
namespace {

namespace fs = std::filesystem;

// A temporary project directory. (Local rather than TempDir so this binary does not pull in
// the ephemeral PostgreSQL that tests/support links.)
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "pgmi-scan-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            ADD_FAILURE() << "mkdtemp failed";
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    void write(const std::string& relative, const std::string& content) const {
        const fs::path p = path_ / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    }

  private:
    fs::path path_;
};

/// The first field of `sha256sum FILE`.
std::string sha256sum(const fs::path& file) {
    const std::string command = "sha256sum '" + file.string() + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe)
        return "";
    char buf[65] = {};
    const size_t n = std::fread(buf, 1, 64, pipe.get());
    return std::string(buf, n);
}

class Scanner : public ::testing::Test {
  protected:
    void SetUp() override { dir.write("deploy.sql", "SELECT 1;"); }

    Result<Project> run(const ScanOptions& options = {}) const { return scan(dir.path(), options); }

    /// Scans and fails the test unless it succeeded.
    Project ok(const ScanOptions& options = {}) const {
        auto r = run(options);
        EXPECT_TRUE(r.has_value()) << r.error().message;
        return r ? std::move(r).value() : Project{};
    }

    /// Scans and fails the test unless it failed with `kind`; returns the message.
    /// What a scan by an unprivileged user gives: in-process when this is not root; as root, the
    /// tree is handed to `nobody` and scanned by a child that became `nobody`, because root reads
    /// every file whatever its mode and the permission cases would prove nothing.
    struct Unprivileged {
        bool ok = false;
        int kind = -1;
        std::string message;
    };
    Unprivileged scan_unprivileged() const {
        if (::geteuid() != 0) {
            auto r = run();
            if (r)
                return {true, -1, ""};
            return {false, static_cast<int>(r.error().kind), r.error().message};
        }
        constexpr uid_t kNobody = 65534;
        for (const auto& e : fs::recursive_directory_iterator(
                 dir.path(), fs::directory_options::skip_permission_denied)) {
            EXPECT_EQ(::lchown(e.path().c_str(), kNobody, kNobody), 0) << e.path();
        }
        EXPECT_EQ(::chown(dir.path().c_str(), kNobody, kNobody), 0);
        int fds[2];
        if (::pipe(fds) != 0)
            return {false, -2, "pipe failed"};
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(fds[0]);
            if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
                ::_exit(2);
            auto r = run();
            const std::string out =
                r ? std::string("ok")
                  : std::to_string(static_cast<int>(r.error().kind)) + "\n" + r.error().message;
            ssize_t ignored = ::write(fds[1], out.data(), out.size());
            (void)ignored;
            ::_exit(0);
        }
        ::close(fds[1]);
        std::string got;
        char buf[512];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
            got.append(buf, static_cast<size_t>(n));
        ::close(fds[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the unprivileged scan died";
        if (got == "ok")
            return {true, -1, ""};
        const size_t nl = got.find('\n');
        if (nl == std::string::npos)
            return {false, -2, got};
        return {false, std::stoi(got.substr(0, nl)), got.substr(nl + 1)};
    }

    std::string fails(ErrorKind kind, const ScanOptions& options = {}) const {
        auto r = run(options);
        EXPECT_FALSE(r.has_value());
        if (r)
            return "";
        EXPECT_EQ(static_cast<int>(r.error().kind), static_cast<int>(kind)) << r.error().message;
        return r.error().message;
    }

    static std::vector<std::string> paths(const Project& p) {
        std::vector<std::string> out;
        for (const auto& f : p.files)
            out.push_back(f.path);
        return out;
    }

    static std::vector<std::string> test_paths(const Project& p) {
        std::vector<std::string> out;
        for (const auto& t : p.tests)
            out.push_back(t.path);
        return out;
    }

    TempDir dir;
};

using Paths = std::vector<std::string>;

// --- §1.1 preconditions ---

TEST_F(Scanner, MissingPathIsConfig) {
    const std::string p = (dir.path() / "nope").string();
    auto r = scan(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "project path \"" + p + "\" does not exist: invalid configuration");
}

TEST_F(Scanner, PathIsAFile) {
    const std::string p = (dir.path() / "deploy.sql").string();
    auto r = scan(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message,
              "\"" + p + "\" is a file; pass the project directory: invalid configuration");
}

TEST_F(Scanner, DeploySqlMissingIsProjectMissing) {
    fs::remove(dir.path() / "deploy.sql");
    dir.write("Deploy.sql", "SELECT 1;");  // the existence check is case-sensitive
    const std::string p = dir.path().string();
    EXPECT_EQ(fails(ErrorKind::ProjectMissing),
              "deploy.sql not found in " + p + "\nexpected: " + p +
                  "/deploy.sql \xE2\x80\x94 run `pgmi init` to scaffold one");
}

TEST_F(Scanner, DeploySqlMissingWithTrailingSlash) {
    fs::remove(dir.path() / "deploy.sql");
    const std::string p = dir.path().string() + "/";
    auto r = scan(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::ProjectMissing);
    EXPECT_EQ(r.error().message, "deploy.sql not found in " + p + "\nexpected: " + p +
                                     "deploy.sql \xE2\x80\x94 run `pgmi init` to scaffold one");
}

TEST_F(Scanner, DeploySqlDirectoryIsConfig) {
    fs::remove(dir.path() / "deploy.sql");
    fs::create_directory(dir.path() / "deploy.sql");
    EXPECT_EQ(fails(ErrorKind::Config),
              dir.path().string() + "/deploy.sql is a directory, expected a regular file");
}

TEST_F(Scanner, DeploySqlBomStrippedAndStored) {
    dir.write("deploy.sql",
              "\xEF\xBB\xBF"
              "SELECT 1;\r\n");
    EXPECT_EQ(ok().deploy_sql, "SELECT 1;\r\n");
}

TEST_F(Scanner, DeploySqlInvalidUtf8) {
    dir.write("deploy.sql",
              "\xEF\xBB\xBF"
              "ab\xFF");
    EXPECT_EQ(fails(ErrorKind::Config),
              "deploy.sql is not valid UTF-8 (first invalid byte at offset 5); re-save the file as "
              "UTF-8");
}

TEST_F(Scanner, DeploySqlNulByte) {
    dir.write("deploy.sql", std::string("SELECT\0 1;", 10));
    EXPECT_NE(fails(ErrorKind::Config).find("deploy.sql contains a NUL byte"), std::string::npos);
}

TEST_F(Scanner, DeploySqlCapIsNotTheProjectFileCap) {
    dir.write("deploy.sql", std::string(100, ' ') + "SELECT 1;");
    ScanOptions options;
    options.max_file_size = 4;
    EXPECT_EQ(ok(options).deploy_sql.size(), 109u);
}

TEST_F(Scanner, DeploySqlOverItsCapRefusedWithoutReading) {
    // Sparse: 64 MiB + 1 on paper, nothing written. Only the size is looked at.
    fs::resize_file(dir.path() / "deploy.sql", kDeploySqlMaxBytes + 1);
    EXPECT_EQ(kDeploySqlMaxBytes, size_t{64} << 20);
    EXPECT_EQ(fails(ErrorKind::Config),
              dir.path().string() +
                  "/deploy.sql is 67108865 bytes, over the 64 MiB limit for "
                  "deploy.sql (raise it with PGMI_MAX_FILE_SIZE)");
}

TEST_F(Scanner, DeploySqlCapRaisedByALargerFileCap) {
    fs::resize_file(dir.path() / "deploy.sql", kDeploySqlMaxBytes + 1);
    ScanOptions options;
    options.max_file_size = kDeploySqlMaxBytes + 1;
    // Read in full now: past "SELECT 1;" the sparse zero bytes fail the text rule instead.
    const std::string message = fails(ErrorKind::Config, options);
    EXPECT_NE(message.find("deploy.sql contains a NUL byte (at offset 9)"), std::string::npos)
        << message;
}

TEST_F(Scanner, DeploySqlSymlinkRefusedEvenInsideTheProject) {
    fs::remove(dir.path() / "deploy.sql");
    dir.write(".src/real.sql", "SELECT 2;");
    fs::create_symlink(".src/real.sql", dir.path() / "deploy.sql");
    EXPECT_EQ(fails(ErrorKind::Config),
              dir.path().string() +
                  "/deploy.sql is a symbolic link; pgmi does not follow links inside a project "
                  "(copy the file in; the project directory itself may be a link)");
}

TEST_F(Scanner, DeploySqlSymlinkOutsideTheProjectNeverRead) {
    TempDir outside;
    outside.write("evil.sql", "CREATE TABLE escaped_7f3a(id int); -- OUTSIDE-7f3a");
    fs::remove(dir.path() / "deploy.sql");
    fs::create_symlink(outside.path() / "evil.sql", dir.path() / "deploy.sql");
    const std::string message = fails(ErrorKind::Config);
    EXPECT_NE(message.find("deploy.sql is a symbolic link"), std::string::npos) << message;
    EXPECT_EQ(message.find("OUTSIDE-7f3a"), std::string::npos) << message;
}

TEST_F(Scanner, DanglingDeploySqlSymlinkIsALinkNotMissing) {
    fs::remove(dir.path() / "deploy.sql");
    fs::create_symlink("nowhere.sql", dir.path() / "deploy.sql");
    EXPECT_NE(fails(ErrorKind::Config).find("deploy.sql is a symbolic link"), std::string::npos);
}

TEST_F(Scanner, DeploySqlNamedPipeRefusedWithoutBlocking) {
    fs::remove(dir.path() / "deploy.sql");
    ASSERT_EQ(::mkfifo((dir.path() / "deploy.sql").c_str(), 0600), 0);
    EXPECT_EQ(fails(ErrorKind::Config),
              dir.path().string() +
                  "/deploy.sql is a named pipe, not a regular file; pgmi loads only regular files "
                  "from a project (move it into a hidden directory)");
}

TEST_F(Scanner, DeploySqlLinkToDevZeroRefused) {
    fs::remove(dir.path() / "deploy.sql");
    fs::create_symlink("/dev/zero", dir.path() / "deploy.sql");
    EXPECT_NE(fails(ErrorKind::Config).find("deploy.sql is a symbolic link"), std::string::npos);
}

TEST_F(Scanner, RootSymlinkIsFollowed) {
    dir.write("a.sql", "x");
    TempDir other;
    const fs::path link = other.path() / "project";
    fs::create_directory_symlink(dir.path(), link);
    auto r = scan(link);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(paths(r.value()), Paths{"./a.sql"});
    EXPECT_EQ(r->root, link);
}

TEST_F(Scanner, EmptyProject) {
    const Project p = ok();
    EXPECT_TRUE(p.files.empty());
    EXPECT_TRUE(p.tests.empty());
    EXPECT_TRUE(p.test_dirs.empty());
    EXPECT_EQ(p.scanned_files, 0u);
    EXPECT_EQ(p.deploy_sql, "SELECT 1;");
}

// --- §1.2 walk ---

TEST_F(Scanner, WalkIsCOrderPreOrder) {
    for (const char* f : {"a_b.sql", "a.sql", "a/x.sql", "B.sql", "a/b/y.sql", "a/a.sql", "Z/z.sql",
                          "\xC3\xA9.sql", "z.sql"}) {
        dir.write(f, "x");
    }
    EXPECT_EQ(paths(ok()), (Paths{"./B.sql", "./Z/z.sql", "./a/a.sql", "./a/b/y.sql", "./a/x.sql",
                                  "./a.sql", "./a_b.sql", "./z.sql", "./\xC3\xA9.sql"}));
}

TEST_F(Scanner, SkipsHiddenAndVendoredWithoutEnteringThem) {
    dir.write(".git/config", "x");
    dir.write(".env", "x");
    dir.write("sql/.keep", "");
    dir.write("node_modules/pkg/x.sql", "x");
    dir.write("a/node_modules/y.sql", "x");
    dir.write("__pycache__/m.pyc", std::string("\0\1", 2));
    dir.write("a/__pycache__/z", "x");
    dir.write("b/node_modules", "a file with that name is skipped too");
    // Nothing inside a skipped directory can fail the scan.
    dir.write(".hidden/__mocks__/x.sql", "x");
    dir.write("node_modules/bin.dat", std::string("\0\xff", 2));
    fs::create_symlink("/etc/passwd", dir.path() / ".hidden/link");
    fs::create_symlink("/etc/passwd", dir.path() / ".link");
    dir.write("sql/kept.sql", "x");
    EXPECT_EQ(paths(ok()), Paths{"./sql/kept.sql"});
}

TEST_F(Scanner, RootDeploySqlExcludedInAnyCaseNestedKept) {
    dir.write("DEPLOY.SQL", "x");
    dir.write("Deploy.Sql", "x");
    dir.write("sub/deploy.sql", "nested");
    dir.write("sub/DEPLOY.SQL", "nested");
    dir.write("deploy.sql.bak", "x");
    const Project p = ok();
    EXPECT_EQ(paths(p), (Paths{"./deploy.sql.bak", "./sub/DEPLOY.SQL", "./sub/deploy.sql"}));
    EXPECT_EQ(p.scanned_files, 3u);
}

// --- §1.3 per-file pipeline ---

TEST_F(Scanner, BomStrippedOnceAndChecksummed) {
    dir.write("a.sql",
              "\xEF\xBB\xBF"
              "SELECT 1;");
    dir.write("b.sql",
              "\xEF\xBB\xBF\xEF\xBB\xBF"
              "x");
    const Project p = ok();
    ASSERT_EQ(p.files.size(), 2u);
    EXPECT_EQ(p.files[0].content, "SELECT 1;");
    EXPECT_EQ(p.files[0].checksum, sha256_hex("SELECT 1;"));
    EXPECT_EQ(p.files[1].content,
              "\xEF\xBB\xBF"
              "x");
}

TEST_F(Scanner, ContentKeptVerbatim) {
    const std::string content = "SELECT 1;\r\nSELECT 2;\r\n\xEF\xBB\xBF\n";
    dir.write("a.sql", content);
    EXPECT_EQ(ok().files.at(0).content, content);
}

TEST_F(Scanner, ChecksumsMatchSha256sum) {
    const std::vector<std::string> names = {"a.sql", "b/c.txt", "d.sql"};
    dir.write(names[0], "SELECT * FROM users;");
    dir.write(names[1], "notes\r\n\xC3\xA9t\xC3\xA9\n");
    dir.write(names[2], std::string(70000, 'x') + "\n");
    const Project p = ok();
    ASSERT_EQ(p.files.size(), 3u);
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(p.files[i].checksum, sha256sum(dir.path() / names[i])) << names[i];
    }
    EXPECT_EQ(p.files[0].checksum,
              "d1ec24bdafb79996d598fd0707064fc6766042c1054c8ca379da5fc6a3a03e5a");
    EXPECT_EQ(p.files[0].pgmi_checksum,
              "770ec17e2277e313a56c78ecab71d0ee460922cac72efddf9869ca4194276572");
}

TEST_F(Scanner, NormalizedChecksumForEveryFile) {
    dir.write("README.md", "Hello   World -- not a comment in markdown, still stripped\n");
    const Project p = ok();
    ASSERT_EQ(p.files.size(), 1u);
    EXPECT_FALSE(p.files[0].is_sql);
    EXPECT_EQ(p.files[0].pgmi_checksum, sha256_hex("hello world"));
    EXPECT_EQ(p.files[0].pgmi_checksum, sha256_hex(normalize(p.files[0].content)));
}

TEST_F(Scanner, SqlFlagFollowsScannerRule) {
    for (const char* f : {"a.sql", "b.SQL", "c.sql.bak", "d.PlPgSql", "e.psql", "f.txt", "g"}) {
        dir.write(f, "x");
    }
    std::vector<bool> flags;
    for (const auto& f : ok().files)
        flags.push_back(f.is_sql);
    EXPECT_EQ(flags, (std::vector<bool>{true, true, false, true, true, false, false}));
}

TEST(IsSqlFileName, Extensions) {
    for (const char* yes : {"x.sql", "x.SQL", "x.ddl", "x.dml", "x.dql", "x.dcl", "x.psql",
                            "x.pgsql", "x.plpgsql", "X.PLPGSQL", "a.b.Sql", ".sql"}) {
        EXPECT_TRUE(is_sql_file_name(yes)) << yes;
    }
    for (const char* no : {"x.sql.bak", "x.sqlx", "x", "x.", "sql", "x.txt", "x.sq", ""}) {
        EXPECT_FALSE(is_sql_file_name(no)) << no;
    }
}

TEST_F(Scanner, NulByteRejectedNamingTheFile) {
    dir.write("a.sql", "x");
    dir.write("b/blob.bin", std::string("ab\0cd", 5));
    dir.write("c.sql", std::string("\0", 1));  // never reached: the first error wins
    EXPECT_EQ(fails(ErrorKind::Config),
              "file ./b/blob.bin contains a NUL byte; pgmi loads project files as text, so move "
              "this file outside the project path or into a hidden directory");
}

TEST_F(Scanner, InvalidUtf8RejectedWithOffset) {
    dir.write("latin1.sql", "SELECT 'caf\xE9';");
    EXPECT_EQ(fails(ErrorKind::Config),
              "file ./latin1.sql is not valid UTF-8 (first invalid byte at offset 11); pgmi loads "
              "project files as text");
}

TEST_F(Scanner, InvalidUtf8OffsetCountsTheBom) {
    dir.write("x.sql",
              "\xEF\xBB\xBF"
              "ok\xED\xA0\x80");  // a surrogate
    EXPECT_NE(fails(ErrorKind::Config).find("(first invalid byte at offset 5)"), std::string::npos);
}

TEST_F(Scanner, SizeCapExactAcceptedOneMoreRejected) {
    ScanOptions options;
    options.max_file_size = 10;
    dir.write("a.sql", std::string(10, 'x'));
    EXPECT_EQ(ok(options).files.at(0).content.size(), 10u);
    dir.write("b.sql", std::string(11, 'x'));
    EXPECT_EQ(fails(ErrorKind::Config, options),
              "failed to read ./b.sql: file b.sql is 11 bytes, exceeds 10-byte cap (override via "
              "PGMI_MAX_FILE_SIZE)");
}

TEST_F(Scanner, SizeCapAppliesToBytesOnDisk) {
    ScanOptions options;
    options.max_file_size = 10;
    dir.write("sub/a.sql", "\xEF\xBB\xBF" + std::string(8, 'x'));  // 11 on disk, 8 after the BOM
    EXPECT_EQ(fails(ErrorKind::Config, options),
              "failed to read ./sub/a.sql: file sub/a.sql is 11 bytes, exceeds 10-byte cap "
              "(override via PGMI_MAX_FILE_SIZE)");
}

TEST_F(Scanner, SizeCapDefaultIsTenMebibytes) {
    EXPECT_EQ(ScanOptions{}.max_file_size, 10485760u);
}

TEST_F(Scanner, UnsupportedDunderDirectoryRejected) {
    dir.write("__mocks__/README.md", "even without SQL");
    EXPECT_EQ(fails(ErrorKind::Config),
              "unsupported directory \"__mocks__\" in path \"./__mocks__/README.md\"; only "
              "__test__ and __tests__ are allowed: invalid configuration");
}

TEST_F(Scanner, UnsupportedDunderPathIsGoQuoted) {
    dir.write("a/__x\"y__/b\tc.sql", "x");
    EXPECT_EQ(fails(ErrorKind::Config),
              "unsupported directory \"__x\\\"y__\" in path \"./a/__x\\\"y__/b\\tc.sql\"; only "
              "__test__ and __tests__ are allowed: invalid configuration");
}

TEST_F(Scanner, DunderNamesThatAreNotDirectorySegments) {
    dir.write("__init__.py", "file names never match");
    dir.write("a/__Test__x/b.sql", "no trailing __");
    dir.write("____/c.sql", "too short to capture");
    const Project p = ok();
    EXPECT_EQ(paths(p), (Paths{"./____/c.sql", "./__init__.py", "./a/__Test__x/b.sql"}));
}

TEST_F(Scanner, DunderCaseSensitive) {
    dir.write("__Test__/a.sql", "x");
    EXPECT_NE(fails(ErrorKind::Config).find("\"__Test__\""), std::string::npos);
}

TEST_F(Scanner, DunderMatchesDoNotOverlap) {
    // /__([^/]+)__/ matches consume the following '/', so a segment directly after a matched one
    // is not examined (normative regex behaviour of §1.3 step 6).
    dir.write("__test__/__mocks__/a.sql", "x");
    const Project p = ok();
    EXPECT_EQ(test_paths(p), Paths{"./__test__/__mocks__/a.sql"});
}

TEST_F(Scanner, FileSymlinkRejected) {
    dir.write("a.sql", "x");
    fs::create_symlink("a.sql", dir.path() / "b.sql");
    EXPECT_EQ(fails(ErrorKind::Config),
              "./b.sql is a symbolic link; pgmi does not follow links inside a project (copy the "
              "file in, or move the link into a hidden directory)");
}

TEST_F(Scanner, DirectorySymlinkRejected) {
    dir.write("real/a.sql", "x");
    fs::create_directories(dir.path() / "sub");
    fs::create_directory_symlink(dir.path() / "real", dir.path() / "sub/linked");
    EXPECT_NE(fails(ErrorKind::Config).find("./sub/linked is a symbolic link"), std::string::npos);
}

TEST_F(Scanner, DanglingSymlinkRejected) {
    fs::create_directories(dir.path() / "x");
    fs::create_symlink("nowhere", dir.path() / "x/gone.sql");
    EXPECT_NE(fails(ErrorKind::Config).find("./x/gone.sql is a symbolic link"), std::string::npos);
}

TEST_F(Scanner, RootDeploySqlSymlinkIsNotAProjectFile) {
    dir.write(".real/DEPLOY.SQL", "x");
    fs::create_symlink(".real/DEPLOY.SQL", dir.path() / "DEPLOY.sql");
    EXPECT_TRUE(ok().files.empty());
}

TEST_F(Scanner, NamedPipeRejectedWithoutBlocking) {
    ASSERT_EQ(::mkfifo((dir.path() / "pipe.sql").c_str(), 0600), 0);
    EXPECT_EQ(fails(ErrorKind::Config),
              "./pipe.sql is a named pipe, not a regular file; pgmi loads only regular files from "
              "a project (move it into a hidden directory)");
}

TEST_F(Scanner, NonUtf8FileNameRejected) {
    dir.write("caf\xE9.sql", "x");
    EXPECT_EQ(fails(ErrorKind::Config),
              "file name \"./caf\\xe9.sql\" is not valid UTF-8; rename it (pgmi stores project "
              "paths as text)");
}

TEST_F(Scanner, UnreadableDirectoryIsGeneral) {
    dir.write("locked/a.sql", "x");
    fs::permissions(dir.path() / "locked", fs::perms::none);
    const Unprivileged r = scan_unprivileged();
    fs::permissions(dir.path() / "locked", fs::perms::owner_all);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.kind, static_cast<int>(ErrorKind::General)) << r.message;
    EXPECT_EQ(r.message.rfind("error walking path: open ./locked: ", 0), 0u) << r.message;
}

TEST_F(Scanner, UnreadableDirectoryInsideHiddenIsIgnored) {
    dir.write(".cache/locked/a.sql", "x");
    fs::permissions(dir.path() / ".cache/locked", fs::perms::none);
    const Unprivileged r = scan_unprivileged();
    fs::permissions(dir.path() / ".cache/locked", fs::perms::owner_all);
    EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(Scanner, UnreadableFileIsGeneral) {
    dir.write("a.sql", "x");
    fs::permissions(dir.path() / "a.sql", fs::perms::none);
    const Unprivileged r = scan_unprivileged();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.kind, static_cast<int>(ErrorKind::General)) << r.message;
    EXPECT_EQ(r.message.rfind("failed to read ./a.sql: open a.sql: ", 0), 0u) << r.message;
}

// --- §1.6 tests and test directories ---

TEST_F(Scanner, TestTree) {
    dir.write("src/a.sql", "x");
    dir.write("__test__/_setup.sql", "fixture");
    dir.write("__test__/a_test.sql", "test");
    dir.write("__test__/n/__test__/deep.sql", "gap at ./__test__/n/");
    dir.write("x/__tests__/a/b/t.sql", "no ancestor in the set");
    dir.write("y/__tests__/data.csv", "1,2");  // a directory row, no test row
    dir.write("y/__tests__/sub/_SETUP.PSQL", "fixture");
    dir.write("y/__tests__/sub/_teardown.sql", "an ordinary test");
    dir.write("y/__tests__/sub/notes.md", "");
    const Project p = ok();

    EXPECT_EQ(paths(p), Paths{"./src/a.sql"});
    EXPECT_EQ(test_paths(p),
              (Paths{"./__test__/_setup.sql", "./__test__/a_test.sql",
                     "./__test__/n/__test__/deep.sql", "./x/__tests__/a/b/t.sql",
                     "./y/__tests__/sub/_SETUP.PSQL", "./y/__tests__/sub/_teardown.sql"}));
    EXPECT_EQ(p.scanned_files, 7u);

    const TestFile& setup = p.tests[0];
    EXPECT_EQ(setup.directory, "./__test__/");
    EXPECT_EQ(setup.filename, "_setup.sql");
    EXPECT_EQ(setup.content, "fixture");
    EXPECT_TRUE(setup.is_fixture);
    EXPECT_FALSE(p.tests[1].is_fixture);
    EXPECT_TRUE(p.tests[4].is_fixture);
    EXPECT_FALSE(p.tests[5].is_fixture);
    EXPECT_EQ(p.tests[3].directory, "./x/__tests__/a/b/");
    EXPECT_EQ(p.tests[3].filename, "t.sql");

    struct Row {
        std::string path;
        std::optional<std::string> parent;
        int depth;
    };
    const std::vector<Row> expected = {
        {"./__test__/", std::nullopt, 0},
        {"./y/__tests__/", std::nullopt, 0},
        {"./y/__tests__/sub/", "./y/__tests__/", 1},
        {"./__test__/n/__test__/", "./__test__/", 2},
        {"./x/__tests__/a/b/", std::nullopt, 2},
    };
    ASSERT_EQ(p.test_dirs.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(p.test_dirs[i].path, expected[i].path) << i;
        EXPECT_EQ(p.test_dirs[i].parent_path, expected[i].parent) << i;
        EXPECT_EQ(p.test_dirs[i].depth, expected[i].depth) << i;
    }
}

TEST_F(Scanner, TestDirectoryParentIsNearestPresentAncestor) {
    dir.write("__tests__/t.sql", "x");
    dir.write("__tests__/a/t.sql", "x");
    dir.write("__tests__/a/b/c/t.sql", "x");  // ./__tests__/a/b/ missing: parent is ./__tests__/a/
    const Project p = ok();
    ASSERT_EQ(p.test_dirs.size(), 3u);
    EXPECT_EQ(p.test_dirs[2].path, "./__tests__/a/b/c/");
    EXPECT_EQ(p.test_dirs[2].parent_path, "./__tests__/a/");
    EXPECT_EQ(p.test_dirs[2].depth, 3);
    EXPECT_EQ(p.test_dirs[1].parent_path, "./__tests__/");
}

TEST_F(Scanner, TestFilesStillPassTheTextRules) {
    dir.write("__test__/data.bin", std::string("\0", 1));
    EXPECT_NE(fails(ErrorKind::Config).find("file ./__test__/data.bin contains a NUL byte"),
              std::string::npos);
}

TEST_F(Scanner, TestFilesGetNoChecksumRows) {
    dir.write("__test__/t.sql", "x");
    const Project p = ok();
    EXPECT_TRUE(p.files.empty());
    EXPECT_EQ(p.tests.size(), 1u);
}

TEST_F(Scanner, FileNamedLikeTestDirIsASource) {
    dir.write("__test__.sql", "x");
    dir.write("a/__tests__", "a file, not a directory");
    EXPECT_EQ(paths(ok()), (Paths{"./__test__.sql", "./a/__tests__"}));
}

TEST_F(Scanner, ManyFiles) {
    for (int d = 0; d < 50; ++d) {
        for (int f = 0; f < 100; ++f) {
            dir.write("d" + std::to_string(d) + "/f" + std::to_string(f) + ".sql",
                      "CREATE TABLE t" + std::to_string(f) + " (id int); -- c\n");
        }
    }
    const Project p = ok();
    EXPECT_EQ(p.files.size(), 5000u);
    EXPECT_EQ(p.files.front().path, "./d0/f0.sql");
    EXPECT_EQ(p.files[1].path, "./d0/f1.sql");
    EXPECT_EQ(p.files[2].path, "./d0/f10.sql");  // C order, not natural order
}

// --- links swapped in while the scan runs ---

// A directory of the project is swapped, again and again, with a link to a directory outside it
// while scans run (the attack: readdir says "directory", the walk then opens the link). The walk
// opens every directory relative to its parent's descriptor with O_NOFOLLOW, so a scan either
// loads the real directory or refuses the link; it never returns a file from outside.
TEST_F(Scanner, RacingDirectorySwapNeverLoadsFilesFromOutside) {
    TempDir outside;
    outside.write("creds.txt", "OUTSIDE-SECRET-51c2");
    dir.write("zzz/creds.txt", "inside");
    dir.write("zzz/deeper/more.sql", "SELECT 1;");
    // `.swap` is hidden, so never scanned; each exchange flips ./zzz between the two.
    fs::create_directory_symlink(outside.path(), dir.path() / ".swap");
    const std::string real = (dir.path() / "zzz").string();
    const std::string other = (dir.path() / ".swap").string();
    const std::string parked = (dir.path() / ".parked").string();

    std::atomic<bool> stop{false};
    std::atomic<long> swaps{0};
    std::thread swapper([&] {
        bool atomic_exchange = true;
        while (!stop.load()) {
            if (atomic_exchange) {
                if (::renameat2(AT_FDCWD, real.c_str(), AT_FDCWD, other.c_str(), RENAME_EXCHANGE) ==
                    0) {
                    ++swaps;
                    continue;
                }
                atomic_exchange = errno != EINVAL && errno != ENOSYS;
                continue;
            }
            // File systems without RENAME_EXCHANGE: three renames (./zzz is briefly absent).
            if (::rename(real.c_str(), parked.c_str()) == 0 &&
                ::rename(other.c_str(), real.c_str()) == 0 &&
                ::rename(parked.c_str(), other.c_str()) == 0) {
                ++swaps;
            }
        }
    });

    int loaded_inside = 0;
    int refused = 0;
    std::vector<std::string> escapes;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (int i = 0; i < 20000 && std::chrono::steady_clock::now() < deadline; ++i) {
        auto r = run();
        if (!r) {
            ++refused;
            if (r.error().message.find("OUTSIDE-SECRET") != std::string::npos)
                escapes.push_back("in an error: " + r.error().message);
            continue;
        }
        for (const SourceFile& f : r->files) {
            if (f.content.find("OUTSIDE-SECRET") != std::string::npos)
                escapes.push_back(f.path);
            else if (f.path == "./zzz/creds.txt")
                ++loaded_inside;
        }
    }
    stop = true;
    swapper.join();

    EXPECT_TRUE(escapes.empty()) << escapes.size()
                                 << " scans read outside the project, first: " << escapes.front();
    // The race really ran: the directory was swapped, and scans saw both states.
    EXPECT_GT(swaps.load(), 0);
    EXPECT_GT(refused, 0);
    EXPECT_GT(loaded_inside, 0);
}

// The session tables refuse these paths with a constraint; the scan refuses them first, offline.
TEST_F(Scanner, PathsTheSessionWouldRejectAreConfigErrors) {
    dir.write("a\\b.sql", "SELECT 1;");
    auto backslash = scan(dir.path());
    ASSERT_FALSE(backslash);
    EXPECT_EQ(backslash.error().kind, ErrorKind::Config);
    EXPECT_NE(backslash.error().message.find("contains a backslash"), std::string::npos)
        << backslash.error().message;
    std::filesystem::remove(dir.path() / "a\\b.sql");

    dir.write("x/   ", "SELECT 1;");
    auto spaces = scan(dir.path());
    ASSERT_FALSE(spaces);
    EXPECT_NE(spaces.error().message.find("is only spaces"), std::string::npos)
        << spaces.error().message;
    std::filesystem::remove_all(dir.path() / "x");

    std::string deep;
    for (int i = 0; i < 100; ++i)
        deep += "d/";
    dir.write(deep + "ok.sql", "SELECT 1;");
    auto hundred = scan(dir.path());
    ASSERT_TRUE(hundred) << hundred.error().message << " (100 directories deep is allowed)";
    dir.write(deep + "d/too.sql", "SELECT 1;");
    auto deeper = scan(dir.path());
    ASSERT_FALSE(deeper);
    EXPECT_EQ(deeper.error().kind, ErrorKind::Config);
    EXPECT_NE(deeper.error().message.find("is 101 directories deep; pgmi allows at most 100"),
              std::string::npos)
        << deeper.error().message;
}

// The walk recurses per directory: a deep tree of empty directories (8,000 levels crashed with
// a stack overflow where the fd limit allows that many) is refused past the depth files have.
TEST_F(Scanner, ADirectoryTreeDeeperThanAFileMayBeIsRefusedNotWalked) {
    dir.write("deploy.sql", "SELECT 1;");
    std::string deep;
    for (int i = 0; i < 150; ++i)
        deep += "e/";
    std::filesystem::create_directories(dir.path() / deep);
    auto r = scan(dir.path());
    ASSERT_FALSE(r) << "an empty tree 150 levels deep was walked";
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_NE(r.error().message.find("directory \"./e/e/e/"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("is 101 directories deep; pgmi allows at most 100"),
              std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace pgmi::project
