// read_regular_file against what a hostile directory can hold (named pipes, devices, links, huge
// and growing files) and write_file_atomic against planted links. Every hostile case must end
// quickly with the right fault; none may block or read without bound.
#include "util/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/support.hpp"
#include "util/fd.hpp"

namespace pgmi::util {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

FileError fails(const fs::path& path, const ReadOptions& options = {}) {
    ReadResult r = read_regular_file(path, options);
    EXPECT_FALSE(r.has_value()) << path;
    return r ? FileError{} : r.error();
}

// --- read_regular_file ---

TEST(ReadRegularFile, ReadsAWholeFile) {
    test::TempDir dir;
    const auto p = dir.write("a.txt", std::string("line\n\0binary", 12));
    ReadResult r = read_regular_file(p);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value(), std::string("line\n\0binary", 12));
}

TEST(ReadRegularFile, EmptyFile) {
    test::TempDir dir;
    const auto p = dir.write("empty", "");
    ReadResult r = read_regular_file(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.value(), "");
}

TEST(ReadRegularFile, MissingFile) {
    test::TempDir dir;
    const FileError e = fails(dir.path() / "nope");
    EXPECT_EQ(e.fault, FileFault::Missing);
    EXPECT_EQ(e.os_error, ENOENT);
    EXPECT_EQ(e.message, (dir.path() / "nope").string() + " does not exist");
    // A path through a regular file is missing too (ENOTDIR).
    const auto f = dir.write("file", "x");
    EXPECT_EQ(fails(f / "below").fault, FileFault::Missing);
}

TEST(ReadRegularFile, NamedPipeRefusedWithoutBlocking) {
    test::TempDir dir;
    const fs::path p = dir.path() / "pipe";
    ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
    // No writer ever opens the pipe: a blocking open would hang this test forever.
    const FileError e = fails(p);
    EXPECT_EQ(e.fault, FileFault::Special);
    EXPECT_EQ(e.mode, static_cast<mode_t>(S_IFIFO));
    EXPECT_EQ(e.message, p.string() + " is a named pipe, not a regular file");
    EXPECT_EQ(e.reason, "is a named pipe, not a regular file");
    // Reached through a followed link, still refused.
    fs::create_symlink(p, dir.path() / "link");
    EXPECT_EQ(fails(dir.path() / "link", {.follow_symlinks = true}).fault, FileFault::Special);
}

TEST(ReadRegularFile, DeviceRefused) {
    const FileError e = fails("/dev/zero");
    EXPECT_EQ(e.fault, FileFault::Special);
    EXPECT_EQ(e.message, "/dev/zero is a character device, not a regular file");
}

TEST(ReadRegularFile, LinkToDeviceRefusedEitherWay) {
    test::TempDir dir;
    const fs::path link = dir.path() / "zero";
    fs::create_symlink("/dev/zero", link);
    EXPECT_EQ(fails(link).fault, FileFault::Symlink);
    EXPECT_EQ(fails(link, {.follow_symlinks = true}).fault, FileFault::Special);
}

TEST(ReadRegularFile, DirectoryRefused) {
    test::TempDir dir;
    const FileError e = fails(dir.path());
    EXPECT_EQ(e.fault, FileFault::Directory);
    EXPECT_EQ(e.os_error, EISDIR);
    EXPECT_EQ(e.message, dir.path().string() + " is a directory, not a regular file");
}

TEST(ReadRegularFile, LinksRefusedUnlessFollowed) {
    test::TempDir dir;
    const auto target = dir.write("real.txt", "secret");
    const fs::path link = dir.path() / "link.txt";
    fs::create_symlink(target, link);
    const FileError e = fails(link);
    EXPECT_EQ(e.fault, FileFault::Symlink);
    EXPECT_EQ(e.message, link.string() + " is a symbolic link, not a regular file");
    EXPECT_EQ(e.message.find("secret"), std::string::npos);

    ReadResult followed = read_regular_file(link, {.follow_symlinks = true});
    ASSERT_TRUE(followed) << followed.error().message;
    EXPECT_EQ(followed.value(), "secret");
}

TEST(ReadRegularFile, DanglingLink) {
    test::TempDir dir;
    fs::create_symlink("nowhere", dir.path() / "gone");
    EXPECT_EQ(fails(dir.path() / "gone").fault, FileFault::Symlink);
    EXPECT_EQ(fails(dir.path() / "gone", {.follow_symlinks = true}).fault, FileFault::Missing);
}

TEST(ReadRegularFile, CapExactAcceptedOneMoreRefused) {
    test::TempDir dir;
    const auto exact = dir.write("exact", std::string(1024, 'x'));
    ReadResult ok = read_regular_file(exact, {.max_bytes = 1024});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok.value().size(), 1024u);

    const auto over = dir.write("over", std::string(1025, 'x'));
    const FileError e = fails(over, {.max_bytes = 1024, .limit_for = "pgmi.yaml"});
    EXPECT_EQ(e.fault, FileFault::TooLarge);
    EXPECT_EQ(e.size, 1025u);
    EXPECT_EQ(e.message, over.string() + " is 1025 bytes, over the 1 KiB limit for pgmi.yaml");
    EXPECT_EQ(fails(over, {.max_bytes = 1024}).reason, "is 1025 bytes, over the 1 KiB limit");
}

TEST(ReadRegularFile, HugeSparseFileRefusedWithoutReading) {
    test::TempDir dir;
    const fs::path p = dir.path() / "huge";
    { std::ofstream touch(p); }
    // 64 GiB on paper, nothing on disk: reading it would take minutes and all memory.
    fs::resize_file(p, std::uintmax_t{64} << 30);
    const FileError e = fails(p, {.shown = "huge"});
    EXPECT_EQ(e.fault, FileFault::TooLarge);
    EXPECT_EQ(e.message, "huge is 68719476736 bytes, over the 1 MiB limit");
}

TEST(ReadRegularFile, DefaultCapIsOneMebibyte) {
    EXPECT_EQ(ReadOptions{}.max_bytes, std::size_t{1} << 20);
    EXPECT_EQ(kConfigFileMaxBytes, std::size_t{1} << 20);
}

TEST(ReadRegularFile, FileLargerThanItsSizeStopsAtTheCap) {
    // /proc files report size 0 but have content: the bytes read, not st_size, bound the read.
    const FileError e = fails("/proc/self/status", {.max_bytes = 16, .shown = "status"});
    EXPECT_EQ(e.fault, FileFault::Grew);
    EXPECT_EQ(e.message, "status grew past the 16 bytes limit while being read");
}

TEST(ReadRegularFile, RelativeToADirectoryDescriptor) {
    test::TempDir dir;
    dir.write("sub/a.txt", "inside");
    const Fd sub(::open((dir.path() / "sub").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(sub);
    // The directory moves away and a link to somewhere else takes its name: the descriptor
    // still reads the directory that was opened.
    fs::rename(dir.path() / "sub", dir.path() / "moved");
    test::TempDir outside;
    outside.write("a.txt", "outside");
    fs::create_directory_symlink(outside.path(), dir.path() / "sub");
    ReadResult r = read_regular_file("a.txt", {.dir_fd = sub.get(), .shown = "./sub/a.txt"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value(), "inside");
    // A link inside the directory is refused relative to the descriptor too.
    ASSERT_EQ(::symlinkat("a.txt", sub.get(), "link.txt"), 0);
    const FileError e = fails("link.txt", {.dir_fd = sub.get(), .shown = "./sub/link.txt"});
    EXPECT_EQ(e.fault, FileFault::Symlink);
    EXPECT_EQ(e.message, "./sub/link.txt is a symbolic link, not a regular file");
}

TEST(ReadRegularFile, UnreadableFile) {
    // Root reads every file whatever its mode, so as root the read runs in a child that became
    // `nobody`; the child reports what it saw through a pipe.
    test::TempDir dir;
    const auto p = dir.write("locked", "x");
    fs::permissions(p, fs::perms::none);
    std::string seen;
    if (::geteuid() != 0) {
        const FileError e = fails(p);
        seen = std::to_string(static_cast<int>(e.fault)) + " " + std::string(e.step) + " " +
               std::to_string(e.os_error) + " " + e.message;
    } else {
        constexpr uid_t kNobody = 65534;
        ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);  // nobody may look inside, not read
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(fds[0]);
            if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
                ::_exit(2);
            ReadResult r = read_regular_file(p);
            const std::string out = r ? std::string("read it")
                                      : std::to_string(static_cast<int>(r.error().fault)) + " " +
                                            std::string(r.error().step) + " " +
                                            std::to_string(r.error().os_error) + " " +
                                            r.error().message;
            ssize_t ignored = ::write(fds[1], out.data(), out.size());
            (void)ignored;
            ::_exit(0);
        }
        ::close(fds[1]);
        char buf[512];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
            seen.append(buf, static_cast<size_t>(n));
        ::close(fds[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child died";
    }
    EXPECT_EQ(seen, std::to_string(static_cast<int>(FileFault::Unreadable)) + " open " +
                        std::to_string(EACCES) + " cannot read " + p.string() +
                        ": Permission denied");
}

TEST(FileTypeName, EveryKind) {
    EXPECT_EQ(file_type_name(S_IFREG), "regular file");
    EXPECT_EQ(file_type_name(S_IFDIR | 0755), "directory");
    EXPECT_EQ(file_type_name(S_IFLNK), "symbolic link");
    EXPECT_EQ(file_type_name(S_IFIFO), "named pipe");
    EXPECT_EQ(file_type_name(S_IFSOCK), "socket");
    EXPECT_EQ(file_type_name(S_IFCHR), "character device");
    EXPECT_EQ(file_type_name(S_IFBLK), "block device");
    EXPECT_EQ(file_type_name(0), "special file");
}

TEST(FormatSize, ExactUnitsOrBytes) {
    EXPECT_EQ(format_size(0), "0 bytes");
    EXPECT_EQ(format_size(1000), "1000 bytes");
    EXPECT_EQ(format_size(1024), "1 KiB");
    EXPECT_EQ(format_size(1536), "1536 bytes");
    EXPECT_EQ(format_size(64 * kKiB), "64 KiB");
    EXPECT_EQ(format_size(kMiB), "1 MiB");
    EXPECT_EQ(format_size(64 * kMiB), "64 MiB");
}

// --- write_file_atomic ---

class WriteFileAtomic : public ::testing::Test {
  protected:
    void SetUp() override { old_umask_ = ::umask(022); }
    void TearDown() override { ::umask(old_umask_); }
    test::TempDir dir;

  private:
    mode_t old_umask_ = 022;
};

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode;
}

TEST_F(WriteFileAtomic, CreatesAndReplaces) {
    const fs::path p = dir.path() / "report.xml";
    ASSERT_TRUE(write_file_atomic(p, "first"));
    EXPECT_EQ(slurp(p), "first");
    ASSERT_TRUE(write_file_atomic(p, "second, longer"));
    EXPECT_EQ(slurp(p), "second, longer");
    ASSERT_TRUE(write_file_atomic(p, ""));
    EXPECT_EQ(slurp(p), "");
    // Nothing but the file itself is left in the directory.
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"report.xml"});
}

TEST_F(WriteFileAtomic, ModeFollowsTheUmaskByDefault) {
    const fs::path p = dir.path() / "r";
    ASSERT_TRUE(write_file_atomic(p, "x"));
    EXPECT_EQ(mode_of(p) & 07777, 0644u);
    ASSERT_TRUE(write_file_atomic(p, "x", {.mode = 0600}));
    EXPECT_EQ(mode_of(p) & 07777, 0600u);
}

TEST_F(WriteFileAtomic, ExactModeIgnoresTheUmask) {
    ::umask(077);
    const fs::path p = dir.path() / "kept.sql";
    ASSERT_TRUE(write_file_atomic(p, "x", {.mode = 0664, .exact_mode = true}));
    EXPECT_EQ(mode_of(p) & 07777, 0664u);
}

TEST_F(WriteFileAtomic, LinkAtTheTargetIsReplacedNotFollowed) {
    test::TempDir elsewhere;
    const auto victim = elsewhere.write("victim", "VICTIM");
    const fs::path p = dir.path() / "report.xml";
    fs::create_symlink(victim, p);
    ASSERT_TRUE(write_file_atomic(p, "report"));
    EXPECT_EQ(slurp(victim), "VICTIM");
    EXPECT_TRUE(S_ISREG(mode_of(p)));
    EXPECT_EQ(slurp(p), "report");
}

TEST_F(WriteFileAtomic, PlantedLinksBesideTheTargetAreNeverWrittenThrough) {
    test::TempDir elsewhere;
    const auto victim = elsewhere.write("victim", "VICTIM");
    const fs::path p = dir.path() / "report.xml";
    // Names an attacker could predict: the old "<path>.tmp<pid>" and temporary-looking names.
    std::vector<std::string> planted = {"report.xml.tmp" + std::to_string(::getpid()),
                                        "report.xml.tmp", ".report.xml.tmp"};
    std::uint64_t guess = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 64; ++i) {
        guess = guess * 6364136223846793005u + 1442695040888963407u;
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(guess));
        planted.push_back(".report.xml." + std::string(hex) + ".tmp");
    }
    for (const std::string& name : planted)
        fs::create_symlink(victim, dir.path() / name);
    ASSERT_TRUE(write_file_atomic(p, "report"));
    EXPECT_EQ(slurp(victim), "VICTIM");
    EXPECT_EQ(slurp(p), "report");
    // Only the planted links and the report: the temporary was renamed, not left behind.
    std::vector<std::string> expected = planted;
    expected.push_back("report.xml");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(names_in(dir.path()), expected);
}

TEST_F(WriteFileAtomic, FailedRenameLeavesNoTemporary) {
    const fs::path p = dir.path() / "busy";
    fs::create_directory(p);
    dir.write("busy/inside", "x");  // a non-empty directory cannot be renamed over
    const Status s = write_file_atomic(p, "x");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::General);
    EXPECT_EQ(s.error().message.rfind("cannot write " + p.string() + ": rename: ", 0), 0u)
        << s.error().message;
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"busy"});
}

TEST_F(WriteFileAtomic, MissingDirectory) {
    const fs::path p = dir.path() / "no-such-dir" / "r.xml";
    const Status s = write_file_atomic(p, "x");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "cannot write " + p.string() + ": open directory: No such file or directory");
}

TEST_F(WriteFileAtomic, RelativePathInTheWorkingDirectory) {
    const fs::path before = fs::current_path();
    fs::current_path(dir.path());
    const Status s = write_file_atomic("plain.txt", "here");
    fs::current_path(before);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(slurp(dir.path() / "plain.txt"), "here");
}

}  // namespace
}  // namespace pgmi::util
