#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli/version_command.hpp"

namespace pgmi::cli {
namespace {

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto end = s.find('\n', start);
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

/// The version the top-level CMakeLists.txt declares, read from the file itself.
std::string declared_version() {
    std::ifstream in(std::string(PGMI_SOURCE_DIR) + "/CMakeLists.txt");
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    const std::string s = text.str();
    if (!std::regex_search(s, m, std::regex(R"(project\(pgmi VERSION ([0-9.]+))")))
        return "(no project version in CMakeLists.txt)";
    return m[1];
}

/// What a git command prints in the source checkout (first line), or "" when it fails.
std::string git(const std::string& args) {
    const std::string cmd =
        std::string("git -C '") + PGMI_SOURCE_DIR + "' " + args + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr)
        return "";
    char buf[128] = {};
    std::string out = fgets(buf, sizeof buf, p) != nullptr ? buf : "";
    const int status = pclose(p);
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return status == 0 ? (out.empty() ? "ok" : out) : "";
}

TEST(Version, ShortIsTheFirstTwoLinesOfFull) {
    const std::string short_text = version_text(false);
    const std::string full = version_text(true);
    EXPECT_EQ(full.rfind(short_text, 0), 0u);
    EXPECT_EQ(lines(short_text).size(), 2u);
    EXPECT_EQ(lines(full).size(), 6u) << full;
}

TEST(Version, Fields) {
    const auto l = lines(version_text(true));
    ASSERT_EQ(l.size(), 6u);
    EXPECT_EQ(l[0], "pgmi " + declared_version() + " (compat 1)");
    EXPECT_TRUE(std::regex_match(
        l[1], std::regex("Commit: ([0-9a-f]{7,40}|unknown), Built: [0-9TZ:-]+, Platform: "
                         "[a-z]+/[a-z0-9]+")))
        << l[1];
#if defined(__linux__) && defined(__x86_64__)
    EXPECT_EQ(platform(), "linux/amd64");
#endif
    // The commit is read when the binary is built: a commit of this checkout's history (HEAD
    // itself right after a build; an ancestor when a commit came after), or "unknown" outside a
    // checkout.
    const std::string commit = l[1].substr(8, l[1].find(',') - 8);
    if (git("rev-parse --git-dir").empty()) {
        EXPECT_EQ(commit, "unknown");
    } else {
        EXPECT_EQ(git("rev-parse --short=12 " + commit + "^{commit}"), commit) << l[1];
        EXPECT_EQ(git("merge-base --is-ancestor " + commit + " HEAD"), "ok")
            << commit << " is not in HEAD's history";
    }
    EXPECT_NE(l[1].find(", Platform: " + platform()), std::string::npos) << l[1];
    EXPECT_TRUE(
        std::regex_match(l[2], std::regex("Compiler: (GCC|Clang) [0-9]+\\.[0-9]+\\.[0-9]+")))
        << l[2];
    const int pq = PQlibVersion();
    EXPECT_EQ(l[3], "libpq: " + std::to_string(pq / 10000) + "." + std::to_string(pq % 10000));
    EXPECT_EQ(l[4], std::string("OpenSSL: ") + OpenSSL_version(OPENSSL_VERSION));
    EXPECT_EQ(l[5], "Repository: https://github.com/vvka-141/pgmi");
}

}  // namespace
}  // namespace pgmi::cli
