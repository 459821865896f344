// read_text_file: credential and token files (often links to mounted secrets) are followed, but
// what is read must be a regular file under the limit; a named pipe or device never blocks.
#include "cloud/common.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/support.hpp"

namespace pgmi::cloud::detail {
namespace {

TEST(ReadTextFile, RegularFileAndLinkToOne) {
    test::TempDir dir;
    const auto real = dir.write("token", "abc");
    std::filesystem::create_symlink(real, dir.path() / "mounted");
    for (const auto& p : {real, dir.path() / "mounted"}) {
        auto r = read_text_file(p.string(), "AZURE_FEDERATED_TOKEN_FILE");
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_TRUE(r->has_value());
        EXPECT_EQ(**r, "abc");
    }
}

TEST(ReadTextFile, MissingIsNotAnError) {
    test::TempDir dir;
    auto r = read_text_file((dir.path() / "nope").string(), "x");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
}

TEST(ReadTextFile, NamedPipeRefusedWithoutBlocking) {
    test::TempDir dir;
    const auto pipe = dir.path() / "pipe";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    auto r = read_text_file(pipe.string(), "GOOGLE_APPLICATION_CREDENTIALS");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Config);
    EXPECT_EQ(r.error().message, "GOOGLE_APPLICATION_CREDENTIALS " + pipe.string() +
                                     ": is a named pipe, not a regular file");
}

TEST(ReadTextFile, LinkToDevZeroRefused) {
    test::TempDir dir;
    std::filesystem::create_symlink("/dev/zero", dir.path() / "zero");
    auto r = read_text_file((dir.path() / "zero").string(), "x");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("is a character device, not a regular file"),
              std::string::npos);
}

TEST(ReadTextFile, LimitAndDirectory) {
    test::TempDir dir;
    const auto big = dir.write("big", std::string(4097, 'x'));
    auto r = read_text_file(big.string(), "DMI asset tag", 4096);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "DMI asset tag " + big.string() + ": larger than 4 KiB");
    auto d = read_text_file(dir.path().string(), "x");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "x " + dir.path().string() + ": is a directory");
}

}  // namespace
}  // namespace pgmi::cloud::detail
