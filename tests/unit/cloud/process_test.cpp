#include "cloud/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using namespace pgmi::cloud::testing;
using pgmi::test::TempDir;

TEST(Process, FindOnPathUsesTheGivenPathOnly) {
    TempDir a;
    TempDir b;
    write_script(b, "tool", "exit 0\n");
    a.write("tool", "not executable");
    const std::string path = a.path().string() + "::" + b.path().string();
    EXPECT_EQ(find_on_path("tool", env_from({{"PATH", path}})).value_or(""),
              (b.path() / "tool").string());
    EXPECT_FALSE(find_on_path("tool", env_from({{"PATH", a.path().string()}})));
    EXPECT_FALSE(find_on_path("tool", env_from({})));
    EXPECT_FALSE(find_on_path("", env_from({{"PATH", path}})));
    EXPECT_EQ(find_on_path((b.path() / "tool").string(), env_from({})).value_or(""),
              (b.path() / "tool").string());
}

TEST(Process, CapturesOutputErrorAndExitCode) {
    TempDir d;
    const auto s = write_script(d, "s", "printf 'out:%s' \"$1\"\necho err >&2\nexit 4\n");
    auto r = run_process({s.string(), "a b; echo injected"}, std::chrono::seconds(10));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->out, "out:a b; echo injected");
    EXPECT_EQ(r->err, "err\n");
    EXPECT_EQ(r->exit_code, 4);
    EXPECT_FALSE(r->timed_out);
}

TEST(Process, StdinIsEmpty) {
    TempDir d;
    const auto s = write_script(d, "s", "cat\n");
    auto r = run_process({s.string()}, std::chrono::seconds(10));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->out, "");
    EXPECT_EQ(r->exit_code, 0);
}

TEST(Process, TimeoutKillsTheWholeGroup) {
    TempDir d;
    const auto pidfile = d.path() / "child.pid";
    const auto s = write_script(d, "s", "sleep 30 &\necho $! > '" + pidfile.string() + "'\nwait\n");
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process({s.string()}, std::chrono::milliseconds(400));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->timed_out);
    EXPECT_EQ(r->exit_code, -1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    const pid_t grandchild = std::stoi(read_file(pidfile));
    // The background sleep was in the helper's process group and is gone (or a zombie about
    // to be reaped by init) shortly after.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        const std::string stat = read_file("/proc/" + std::to_string(grandchild) + "/stat");
        gone = stat.empty() || stat.find(") Z") != std::string::npos;
        if (!gone)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(gone);
}

TEST(Process, AGrandchildHoldingThePipesDoesNotDelayTheResult) {
    TempDir d;
    const auto s = write_script(d, "s", "sleep 3 &\necho done\nexit 0\n");
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process({s.string()}, std::chrono::seconds(10));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->timed_out);
    EXPECT_EQ(r->exit_code, 0);
    EXPECT_EQ(r->out, "done\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Process, MissingProgramIsAnError) {
    auto r = run_process({"/nonexistent/program"}, std::chrono::seconds(1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "could not start /nonexistent/program: No such file or directory");
}

}  // namespace
}  // namespace pgmi::cloud
