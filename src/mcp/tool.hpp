// One MCP tool as the server sees it: its name, its one-line description, the JSON Schemas of
// its arguments and of its structuredContent, and the function that runs it. A tool never
// writes to stdout (the protocol's channel); it returns a ToolResult, and failures are results
// with is_error set, never exceptions (an exception that escapes is answered as an internal
// error, and the server goes on).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.hpp"

namespace pgmi::mcp {

/// What a running tool may use of its call.
struct ToolCall {
    /// 0 while the call may go on; otherwise the signal whose meaning the stop has: SIGINT for a
    /// client's notifications/cancelled, SIGHUP for the end of stdin, or the server's own
    /// SIGINT/SIGTERM.
    std::shared_ptr<std::atomic<int>> stop = std::make_shared<std::atomic<int>>(0);
    /// Reports progress: a notifications/progress when the client gave a progressToken,
    /// nothing otherwise. Safe from any thread.
    std::function<void(std::string_view message)> progress = [](std::string_view) {};
};

struct ToolResult {
    Json structured;  // structuredContent (an object); null: text only
    std::string text;
    bool is_error = false;
};

struct Tool {
    std::string name;
    std::string description;
    Json input_schema;
    Json output_schema;  // null: the tool has none
    std::function<ToolResult(const Json& arguments, ToolCall& call)> run;
};

}  // namespace pgmi::mcp
