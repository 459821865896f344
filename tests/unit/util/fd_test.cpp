#include "util/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pgmi::util {
namespace {

/// True when `fd` is an open descriptor of this process.
bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int open_null() {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return fd;
}

TEST(Fd, DefaultOwnsNothing) {
    const Fd fd;
    EXPECT_FALSE(fd.valid());
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST(Fd, FailedOpenOwnsNothing) {
    const Fd fd(::open("/nonexistent/pgmi-fd-test", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(fd);
}

TEST(Fd, ClosesWhenDestroyed) {
    int raw = -1;
    {
        const Fd fd(open_null());
        raw = fd.get();
        EXPECT_TRUE(fd);
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(Fd, MoveTransfersOwnership) {
    Fd a(open_null());
    const int raw = a.get();
    Fd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is specified
    EXPECT_EQ(b.get(), raw);
    Fd c;
    c = std::move(b);
    EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.get(), raw);
    EXPECT_TRUE(is_open(raw));
}

TEST(Fd, MoveAssignmentClosesWhatWasOwned) {
    Fd a(open_null());
    const int old = a.get();
    Fd b(open_null());
    a = std::move(b);
    EXPECT_FALSE(is_open(old));
    EXPECT_TRUE(is_open(a.get()));
}

TEST(Fd, ReleaseKeepsTheDescriptorOpen) {
    Fd fd(open_null());
    const int raw = fd.release();
    EXPECT_FALSE(fd);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(Fd, ResetClosesTheOldDescriptor) {
    Fd fd(open_null());
    const int old = fd.get();
    fd.reset(open_null());
    EXPECT_NE(fd.get(), old);  // opened while the old one was still open
    EXPECT_FALSE(is_open(old));
    EXPECT_TRUE(is_open(fd.get()));
    fd.reset();
    EXPECT_FALSE(fd);
}

}  // namespace
}  // namespace pgmi::util
