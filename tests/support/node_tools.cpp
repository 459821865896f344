#include "node_tools.hpp"

#include <gtest/gtest.h>

#include <mutex>

namespace pgmi::test {

std::filesystem::path node_tools() {
    static const std::filesystem::path dir = std::filesystem::path(PGMI_SOURCE_DIR) / "tests/node";
    static std::once_flag once;
    static RunResult installed;
    std::call_once(once, [] {
        RunOptions options;
        options.clear_pg_env = false;
        options.timeout_seconds = 600;
        installed = run_program({"/usr/bin/env", "bash", (dir / "install.sh").string()}, options);
    });
    EXPECT_EQ(installed.exit_code, 0) << "tests/node/install.sh failed:\n" << installed.err;
    return dir;
}

RunResult run_node(const std::string& script, const std::vector<std::string>& args,
                   const std::string& stdin_data) {
    const std::filesystem::path dir = node_tools();
    std::vector<std::string> argv = {"/usr/bin/env", "node", (dir / script).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.clear_pg_env = false;
    options.cwd = dir;
    options.stdin_data = stdin_data;
    return run_program(argv, options);
}

}  // namespace pgmi::test
