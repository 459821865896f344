// The tools `pgmi serve` offers (commands §11): the same work as the commands of the same
// names, returned as values instead of printed. Every tool has an inputSchema and an
// outputSchema `{"type":"object","anyOf":[<success>,<error>]}`; failures are results with
// isError and the error variant (message, exitCode, the server's fields when there are any).
#pragma once

#include <string>
#include <vector>

#include "mcp/tool.hpp"
#include "util/error.hpp"

namespace pgmi::cli {

/// Every tool of `pgmi serve`, deploy included.
std::vector<mcp::Tool> serve_tools();

/// The deploy tool (serve_deploy.cpp).
mcp::Tool deploy_tool();

// Helpers shared by the tool definitions.
namespace serve {

/// `{"type":"object","properties":properties,"required":required}`.
mcp::Json object_schema(mcp::Json properties, const std::vector<std::string>& required);

/// The outputSchema of a tool whose success value matches `success`.
mcp::Json output_schema(mcp::Json success);

/// The failure result of `error`: the error variant as structuredContent (its message as the
/// text), plus `extra` members.
mcp::ToolResult failure(const Error& error, mcp::Json extra = mcp::Json::object());

/// The success result of `value`: value pretty-printed as the text, value as structuredContent.
mcp::ToolResult success(mcp::Json value);

/// The string argument `name`: "" when absent or null, a usage error when not a string.
Result<std::string> string_arg(const mcp::Json& args, const char* name);

/// The boolean argument `name`: false when absent or null, a usage error when not a boolean.
Result<bool> bool_arg(const mcp::Json& args, const char* name);

}  // namespace serve

}  // namespace pgmi::cli
