#include "cli/serve_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "cli/serve_tools.hpp"
#include "mcp/server.hpp"
#include "util/build_info.hpp"
#include "util/deadline.hpp"
#include "util/fd.hpp"

namespace pgmi::cli {

namespace {

std::atomic<int> g_wake_fd{-1};

/// First SIGINT/SIGTERM: every running tool is told (interrupt_signal(), which deploys watch)
/// and the server's loop is woken to stop them and answer. A second one exits at once.
void on_signal(int sig) {
    int expected = 0;
    if (!interrupt_signal().compare_exchange_strong(expected, sig))
        _exit(128 + sig);
    const auto byte = static_cast<unsigned char>(sig);
    const int fd = g_wake_fd.load();
    if (fd < 0 || ::write(fd, &byte, 1) != 1)
        _exit(128 + sig);
}

/// The signal plumbing of one `serve`: a pipe the handler writes the signal to, SIGPIPE
/// ignored (a client that goes away is seen as a failed write, not a killed server), and the
/// previous dispositions put back at the end.
class ServeSignals {
  public:
    ServeSignals() {
        int fds[2] = {-1, -1};
        if (::pipe2(fds, O_CLOEXEC) == 0) {
            read_end_ = util::Fd(fds[0]);
            write_end_ = util::Fd(fds[1]);
            g_wake_fd = write_end_.get();
        }
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGPIPE, &ignore, &old_pipe_);
    }
    ~ServeSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        sigaction(SIGPIPE, &old_pipe_, nullptr);
        g_wake_fd = -1;
    }
    ServeSignals(const ServeSignals&) = delete;
    ServeSignals& operator=(const ServeSignals&) = delete;

    int wake_fd() const { return read_end_.get(); }

  private:
    util::Fd read_end_;
    util::Fd write_end_;
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
    struct sigaction old_pipe_ {};
};

constexpr const char* kInstructions =
    "pgmi deploys PostgreSQL projects: it loads every file of a project into session tables "
    "and runs the project's own deploy.sql, which decides what executes, inside one "
    "transaction with its tests. Read ai_overview first and ai_skills for details. Try a "
    "project with deploy {path, ephemeral: true} (a throwaway local server) before deploying "
    "to a real database.";

int run_server() {
    ServeSignals signals;
    mcp::Server server({"pgmi", build_info::kVersion, kInstructions}, serve_tools());
    const int code = server.run(STDIN_FILENO, STDOUT_FILENO, signals.wake_fd());
    if (code > 128) {
        const std::string line = std::string("pgmi: serve stopped by ") +
                                 (code == 128 + SIGTERM ? "SIGTERM" : "SIGINT") + "\n";
        ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
        (void)ignored;
    }
    return code;
}

}  // namespace

void add_serve_command(CLI::App& app, int& result, const Reporter& reporter) {
    auto extra = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand(
        "serve", "Run an MCP server on stdin/stdout for coding assistants and agents");
    cmd->description(
        "Run an MCP server on stdin/stdout for coding assistants and agents\n\n"
        "Speaks the Model Context Protocol (JSON-RPC 2.0, one message per line) on stdin and "
        "stdout; logs and deploy notices go to stderr. Tools: ai_overview, ai_contract, "
        "ai_skills, ai_skill, templates_list, init, info, metadata_plan, metadata_validate and "
        "deploy (to a server, or to a throwaway local one with ephemeral=true). Requests are "
        "read while a deploy runs: ping is answered and notifications/cancelled cancels it. "
        "End of input stops running deploys and exits 0.");
    cmd->footer(
        "Examples:\n"
        "  pgmi serve                          # started by an MCP client\n"
        "  claude mcp add pgmi -- pgmi serve   # register with Claude Code\n");
    cmd->add_option("args", *extra)->group("");
    cmd->callback([extra, &result, &reporter] {
        if (!extra->empty()) {
            result = reporter.usage("unknown command \"" + extra->front() +
                                    "\" for \"pgmi serve\" (serve takes no arguments)");
            return;
        }
        result = run_server();
    });
}

}  // namespace pgmi::cli
