// The npm packages of tests/node for tests that need a real JavaScript tool (a TAP parser, an
// MCP client): installed once per test binary by tests/node/install.sh, then run with node.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support.hpp"

namespace pgmi::test {

/// tests/node with its node_modules installed (install.sh runs once per process). Fails the
/// current test, naming what went wrong, when node, npm or the registry is missing.
std::filesystem::path node_tools();

/// Runs `node <tests/node/script> args...` with `stdin_data` and returns what it printed.
RunResult run_node(const std::string& script, const std::vector<std::string>& args = {},
                   const std::string& stdin_data = "");

}  // namespace pgmi::test
