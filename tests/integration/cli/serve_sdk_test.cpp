// `pgmi serve` driven by a client nobody here wrote: the official MCP TypeScript SDK
// (tests/node/mcp_serve_check.mjs), with every tool's structuredContent checked by ajv against
// the outputSchema the server publishes, deploys to this binary's real server and to a
// throwaway one, and a cancelled deploy whose backend must leave pg_stat_activity.
#include <gtest/gtest.h>

#include <iostream>

#include "support/node_tools.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

TEST(ServeSdk, TheOfficialClientUsesEveryTool) {
    TempDir dir;
    const auto project = dir.path() / "project";
    const RunResult init = run_pgmi({"init", project.string(), "-t", "basic"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const auto sleep = dir.write("sleep/deploy.sql", "SELECT pg_sleep(120);\n").parent_path();
    const RunResult r =
        run_node("mcp_serve_check.mjs", {PGMI_BINARY, server().uri("postgres"), dir.path().string(),
                                         project.string(), sleep.string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("# all checks passed"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.out.find("not ok"), std::string::npos) << r.out;
    // The plan line proves the script ran to its end.
    EXPECT_NE(r.out.find("\n1.."), std::string::npos) << r.out;
    std::cout << r.out;
}

}  // namespace
}  // namespace pgmi::test
