// JSON-RPC 2.0 as MCP's stdio transport frames it: one message per line. This file turns one
// line into what it asks for (a request, a notification, a client's response) or into the error
// response the sender must get, and builds the responses. Pure functions: no I/O, no state.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pgmi::mcp {

// Ordered, so responses read in the order they are built ("jsonrpc", "id", "result").
using Json = nlohmann::ordered_json;

/// JSON-RPC error codes used by the server.
enum RpcCode : int {
    kParseError = -32700,
    kInvalidRequest = -32600,
    kMethodNotFound = -32601,
    kInvalidParams = -32602,
    kInternalError = -32603,
    kServerBusy = -32000,
};

struct Incoming {
    enum class Kind {
        Request,       // has an id: must be answered
        Notification,  // no id: never answered
        Response,      // a client's answer to something the server asked: ignored
        Invalid,       // answer with `error` and go on
    };
    Kind kind = Kind::Invalid;
    Json id;  // the id to echo (null when absent or unusable)
    std::string method;
    Json params;                // null when absent
    std::optional<Json> error;  // Invalid: the complete error response to send
};

/// Deepest nesting of arrays and objects accepted in a message. Parsing is iterative, but
/// copying and destroying a value recurse: a line of a million `[` must not exhaust the stack.
inline constexpr size_t kMaxDepth = 64;

/// What one line (without its '\n') says. A line that is not a JSON object (bad JSON, invalid
/// UTF-8, nesting deeper than kMaxDepth, an array, a scalar) is a parse error with id null; a
/// wrong `jsonrpc` or an id that is not a string or number is an invalid request. Never throws.
Incoming classify(std::string_view line);

/// `{"jsonrpc":"2.0","id":id,"result":result}`.
Json result_response(const Json& id, Json result);

/// `{"jsonrpc":"2.0","id":id,"error":{"code":code,"message":message}}`.
Json error_response(const Json& id, int code, std::string_view message);

/// A notification the server sends: `{"jsonrpc":"2.0","method":method,"params":params}`.
Json notification(std::string_view method, Json params);

/// One compact JSON line with its '\n'; invalid UTF-8 inside strings becomes U+FFFD.
std::string to_line(const Json& message);

}  // namespace pgmi::mcp
