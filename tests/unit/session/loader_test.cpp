#include "session/loader.hpp"

#include <gtest/gtest.h>

namespace pgmi::session {
namespace {

TEST(Loader, CompatVersions) {
    EXPECT_EQ(*resolve_api_version(""), 1);
    EXPECT_EQ(*resolve_api_version("1"), 1);
    auto bad = resolve_api_version("2");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Config);
    EXPECT_EQ(bad.error().message,
              "invalid configuration: unsupported API version \"2\"; supported: [1]");
}

TEST(Loader, CopyRowsDerivePathColumnsAndEscape) {
    project::SourceFile nested{.path = "./a/b/x.SQL",
                               .content = "tab\there\nline\\",
                               .checksum = std::string(64, 'a'),
                               .pgmi_checksum = std::string(64, 'b'),
                               .is_sql = true};
    project::SourceFile root{.path = "./README",
                             .content = "",
                             .checksum = std::string(64, 'c'),
                             .pgmi_checksum = std::string(64, 'd'),
                             .is_sql = false};
    std::string data = source_copy_data({nested, root});
    EXPECT_EQ(data, "./a/b/x.SQL\tx.SQL\t./a/b/\t.SQL\t2\ttab\\there\\nline\\\\\t14\t" +
                        std::string(64, 'a') + "\t" + std::string(64, 'b') +
                        "\t{\".\",\"a\",\"b\",\"x.SQL\"}\tt\tf\tb\n"
                        "./README\tREADME\t./\t\t0\t\t0\t" +
                        std::string(64, 'c') + "\t" + std::string(64, 'd') +
                        "\t{\".\",\"README\"}\tf\tf\t\\N\n");
}

}  // namespace
}  // namespace pgmi::session
