// The MCP server over stdio (`pgmi serve`). One thread reads stdin and answers at once what
// needs no work (initialize, ping, tools/list, protocol errors); every tools/call runs on a
// thread of its own, so pings are answered and notifications/cancelled is acted on while a
// deploy runs. Responses and notifications go out one line each, never interleaved. End of
// stdin stops every running call and returns 0 once they have answered; a byte on `wake_fd`
// (a signal, written by the caller's handler) does the same and returns 128 + that signal.
#pragma once

#include <string>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/tool.hpp"

namespace pgmi::mcp {

/// The protocol versions this server speaks, newest first. `initialize` echoes the client's
/// when it is one of them and otherwise answers the newest (never an error).
const std::vector<std::string>& supported_protocol_versions();

struct ServerInfo {
    std::string name;
    std::string version;
    std::string instructions;  // sent in the initialize result; "" = none
};

struct ServerLimits {
    size_t max_line = size_t{32} * 1024 * 1024;  // longer messages are a parse error
    size_t max_running_calls = 16;               // more concurrent tools/call: server busy
};

class Server {
  public:
    Server(ServerInfo info, std::vector<Tool> tools, ServerLimits limits = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Serves `in_fd` → `out_fd` until end of input (0) or a signal number arrives on `wake_fd`
    /// (128 + signal). Blocks without using CPU while idle.
    int run(int in_fd, int out_fd, int wake_fd);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pgmi::mcp
