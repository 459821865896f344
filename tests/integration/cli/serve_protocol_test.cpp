// `pgmi serve` spoken to byte by byte over its real stdin/stdout: JSON-RPC framing and every
// protocol error of commands §11 (the server keeps serving after each), version negotiation,
// notifications that must not be answered, huge and hostile lines, and the behaviour beyond
// the reference: ping during a deploy, notifications/cancelled cancelling the server's work,
// progress notifications, end of input and SIGTERM stopping a running deploy, secrets masked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// `pgmi serve` with a pipe on each side; stderr goes to a file.
class Serve {
  public:
    explicit Serve(const std::vector<std::pair<std::string, std::string>>& env = {}) {
        int in[2];
        int out[2];
        EXPECT_EQ(pipe2(in, O_CLOEXEC), 0);
        EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
        err_path_ = dir_.path() / "stderr";
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(err, 2);
            for (const char* v : {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                                  "DATABASE_URL", "PGMI_CONNECTION_STRING"}) {
                unsetenv(v);
            }
            for (const auto& [k, v] : env)
                setenv(k.c_str(), v.c_str(), 1);
            if (chdir(dir_.path().c_str()) != 0)
                _exit(127);
            execl(PGMI_BINARY, PGMI_BINARY, "serve", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = in[1];
        from_ = out[0];
    }
    ~Serve() {
        if (to_ >= 0)
            close(to_);
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(from_);
    }
    Serve(const Serve&) = delete;
    Serve& operator=(const Serve&) = delete;

    const TempDir& dir() const { return dir_; }
    pid_t pid() const { return pid_; }

    void send_raw(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = write(to_, bytes.data(), bytes.size());
            ASSERT_GT(n, 0) << "write to pgmi serve failed";
            bytes.remove_prefix(static_cast<size_t>(n));
        }
    }
    void send(const json& message) { send_raw(message.dump() + "\n"); }
    void close_input() {
        close(to_);
        to_ = -1;
    }

    /// The next line on stdout, parsed; null when none came within `wait`.
    json next(std::chrono::milliseconds wait = 60s) {
        const auto until = std::chrono::steady_clock::now() + wait;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                lines_ += 1;
                return json::parse(line);
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return nullptr;
            pollfd p{from_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
                return nullptr;
            char chunk[65536];
            const ssize_t n = read(from_, chunk, sizeof chunk);
            if (n <= 0)
                return nullptr;
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }

    /// The response to request `id` (notifications before it are kept in `notifications`).
    json response(const json& id, std::chrono::milliseconds wait = 120s) {
        for (;;) {
            json m = next(wait);
            if (m.is_null() || (m.contains("id") && m["id"] == id))
                return m;
            notifications.push_back(m);
        }
    }

    json call(int id, const std::string& method, const json& params = nullptr) {
        json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
        if (!params.is_null())
            m["params"] = params;
        send(m);
        return response(id);
    }

    /// Exit code after end of input or a signal (-1: still running after `wait`).
    int wait_exit(std::chrono::seconds wait = 30s) {
        const auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

    std::string err() const { return read_whole_file(err_path_); }
    /// Everything read from stdout so far that was not consumed (for "nothing else came").
    const std::string& pending() const { return buffer_; }

    std::vector<json> notifications;

  private:
    TempDir dir_;
    std::filesystem::path err_path_;
    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    bool exited_ = false;
    std::string buffer_;
    int lines_ = 0;
};

int code_of(const json& response) {
    return response.at("error").at("code").get<int>();
}

std::string message_of(const json& response) {
    return response.at("error").at("message").get<std::string>();
}

json tool(const std::string& name, const json& arguments) {
    return {{"name", name}, {"arguments", arguments}};
}

TEST(ServeProtocol, MalformedMessagesGetTheirErrorAndTheServerGoesOn) {
    Serve s;
    s.send_raw("this is not json\n");
    json r = s.next();
    EXPECT_EQ(code_of(r), -32700);
    EXPECT_TRUE(r["id"].is_null());
    EXPECT_EQ(message_of(r).rfind("parse error: ", 0), 0u) << r;

    s.send_raw("[1,2]\n");
    EXPECT_EQ(code_of(s.next()), -32700);
    s.send_raw("42\n");
    EXPECT_EQ(code_of(s.next()), -32700);
    s.send_raw("\"just a string\"\n");
    EXPECT_EQ(code_of(s.next()), -32700);
    // Invalid UTF-8 inside a string.
    s.send_raw(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"\xff\xfe\"}}\n");
    EXPECT_EQ(code_of(s.next()), -32700);
    // A message split over two lines is two broken frames.
    s.send_raw("{\"jsonrpc\":\"2.0\",\n\"id\":2,\"method\":\"ping\"}\n");
    EXPECT_EQ(code_of(s.next()), -32700);
    EXPECT_EQ(code_of(s.next()), -32700);
    // Nesting that would exhaust a recursive copy.
    s.send_raw("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":" +
               std::string(100000, '[') + std::string(100000, ']') + "}\n");
    r = s.next();
    EXPECT_EQ(code_of(r), -32700);
    EXPECT_NE(message_of(r).find("nesting"), std::string::npos) << r;

    r = s.call(4, "ping");
    EXPECT_EQ(r["result"], json::object()) << "the server must still serve: " << r;

    s.send(json{{"jsonrpc", "1.0"}, {"id", 5}, {"method", "ping"}});
    r = s.next();
    EXPECT_EQ(code_of(r), -32600);
    EXPECT_EQ(message_of(r), "jsonrpc must be \"2.0\"");
    EXPECT_EQ(r["id"], 5);
    s.send(json{{"id", 6}, {"method", "ping"}});
    EXPECT_EQ(code_of(s.next()), -32600);

    for (const json& bad_id : {json(nullptr), json(true), json::object(), json::array()}) {
        s.send(json{{"jsonrpc", "2.0"}, {"id", bad_id}, {"method", "ping"}});
        r = s.next();
        EXPECT_EQ(code_of(r), -32600) << bad_id;
        EXPECT_EQ(message_of(r), "id must be a string or number");
        EXPECT_TRUE(r["id"].is_null());
    }
    r = s.call(7, "resources/list");
    EXPECT_EQ(code_of(r), -32601);
    EXPECT_EQ(message_of(r), "method not found: resources/list");
    r = s.call(8, "tools/call");
    EXPECT_EQ(code_of(r), -32602);
    EXPECT_EQ(message_of(r).rfind("invalid tools/call params: ", 0), 0u) << r;
    r = s.call(9, "tools/call", json{{"name", 42}});
    EXPECT_EQ(code_of(r), -32602);
    r = s.call(10, "tools/call", tool("drop_everything", json::object()));
    EXPECT_EQ(code_of(r), -32602);
    EXPECT_EQ(message_of(r), "unknown tool: drop_everything");
    r = s.call(11, "tools/call", json{{"name", "info"}, {"arguments", json::array()}});
    EXPECT_EQ(code_of(r), -32602);

    // Of the notifications/* methods, only the two a client sends as notifications go
    // unanswered with an id; any other is a method this server lacks (the client would wait).
    s.send(json{{"jsonrpc", "2.0"}, {"id", 20}, {"method", "notifications/initialized"}});
    s.send(json{{"jsonrpc", "2.0"}, {"id", 21}, {"method", "notifications/progress"}});
    r = s.next();
    EXPECT_EQ(r["id"], 21) << "notifications/initialized must stay unanswered: " << r;
    EXPECT_EQ(code_of(r), -32601);
    EXPECT_EQ(message_of(r), "method not found: notifications/progress");

    // String ids are echoed as strings; 12 and "12" are different requests.
    s.send(json{{"jsonrpc", "2.0"}, {"id", "12"}, {"method", "ping"}});
    r = s.next();
    EXPECT_EQ(r["id"], "12");

    s.close_input();
    EXPECT_EQ(s.wait_exit(), 0);
}

// Started with stdin closed, serve's signal pipe took descriptor 0 and serve read it as its
// input, waiting forever (hostile review). A closed stdin is an empty input: exit 0 at once.
TEST(ServeProtocol, StartedWithStdinClosedEndsAsAtEndOfInput) {
    RunOptions options;
    options.timeout_seconds = 20;
    auto r = run_program({"/bin/sh", "-c", "exec \"$0\" serve 0<&-", PGMI_BINARY}, options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(ServeProtocol, InitializeNegotiatesTheProtocolVersion) {
    Serve s;
    for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
        json r =
            s.call(1, "initialize", json{{"protocolVersion", v}, {"capabilities", json::object()}});
        EXPECT_EQ(r["result"]["protocolVersion"], v);
        EXPECT_EQ(r["result"]["serverInfo"]["name"], "pgmi");
        EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
    }
    json r = s.call(2, "initialize", json{{"protocolVersion", "2030-01-01"}});
    EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25") << "offer the newest, never an error";
    r = s.call(3, "initialize", json::object());
    EXPECT_EQ(code_of(r), -32602);
    EXPECT_EQ(message_of(r), "missing required parameter: protocolVersion");
    r = s.call(4, "initialize");
    EXPECT_EQ(code_of(r), -32602);
    EXPECT_EQ(message_of(r).rfind("invalid initialize params: ", 0), 0u);
    r = s.call(5, "initialize", json{{"protocolVersion", 7}});
    EXPECT_EQ(code_of(r), -32602);
}

TEST(ServeProtocol, NotificationsAreNeverAnsweredNorRun) {
    Serve s;
    const auto made = s.dir().path() / "made";
    // A tools/call without id is a notification: not run.
    s.send(json{{"jsonrpc", "2.0"},
                {"method", "tools/call"},
                {"params", tool("init", json{{"path", made.string()}})}});
    s.send(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    // These two are notifications even with an id.
    s.send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "notifications/initialized"}});
    s.send(json{{"jsonrpc", "2.0"},
                {"id", 2},
                {"method", "notifications/cancelled"},
                {"params", {{"requestId", 99}}}});
    s.send(json{{"jsonrpc", "2.0"}, {"method", "ping"}});
    s.send_raw("\n   \n\t\n");  // blank lines are skipped
    const json r = s.call(3, "ping");
    EXPECT_EQ(r["id"], 3) << "the first line after the notifications must answer the ping";
    EXPECT_TRUE(s.notifications.empty()) << s.notifications.front();
    EXPECT_FALSE(std::filesystem::exists(made));
}

TEST(ServeProtocol, HugeLinesAreServedOrRefusedWithoutEndingTheServer) {
    Serve s;
    // 10 MB of valid JSON is served.
    const std::string big(10 * 1024 * 1024, 'x');
    s.send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}, {"params", {{"pad", big}}}});
    json r = s.next();
    EXPECT_EQ(r["id"], 1);
    EXPECT_EQ(r["result"], json::object());
    // Beyond the limit: a parse error naming the size; the rest of the stream is still read.
    std::thread writer([&] { s.send_raw(std::string(40 * 1024 * 1024, 'y') + "\n"); });
    r = s.next();
    writer.join();
    EXPECT_EQ(code_of(r), -32700);
    EXPECT_NE(message_of(r).find("exceeds the limit"), std::string::npos) << r;
    r = s.call(2, "ping");
    EXPECT_EQ(r["result"], json::object());
    // A final line without '\n' is processed at end of input.
    s.send_raw(R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
    s.close_input();
    r = s.next();
    EXPECT_EQ(r["id"], 3);
    EXPECT_EQ(s.wait_exit(), 0);
}

TEST(ServeProtocol, ToolFailuresAreResultsWithExitCodes) {
    Serve s;
    json r = s.call(1, "tools/call", tool("ai_skill", json{{"name", "nope"}}));
    ASSERT_TRUE(r.contains("result")) << r;
    EXPECT_EQ(r["result"]["isError"], true);
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 1);  // spec: not a usage error
    r = s.call(2, "tools/call", tool("info", json{{"path", 17}}));
    EXPECT_EQ(r["result"]["isError"], true);
    EXPECT_NE(r["result"]["structuredContent"]["message"].get<std::string>().find("string"),
              std::string::npos);
    r = s.call(3, "tools/call",
               tool("deploy", json{{"path", "x"},
                                   {"database", "d"},
                                   {"overwrite", true},
                                   {"confirmDatabaseName", "D"}}));
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 12);
    EXPECT_NE(r["result"]["structuredContent"]["message"].get<std::string>().find(
                  "does not match database"),
              std::string::npos);
    r = s.call(4, "tools/call", tool("deploy", json::object()));
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 10);
    r = s.call(5, "tools/call",
               tool("deploy", json{{"path", "p"},
                                   {"database", "d"},
                                   {"connection", "postgresql:///x"},
                                   {"timeout", "soon"}}));
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 10);
}

/// A project whose deploy.sql sleeps, so it can be cancelled while it runs.
std::filesystem::path sleeping_project(const TempDir& dir) {
    dir.write("sleep/deploy.sql", "SELECT pg_sleep(120);\n");
    return dir.path() / "sleep";
}

/// Sends tools/call deploy (id 1) of sleeping_project() into `db` of this binary's server.
void start_sleeping_deploy(Serve& s, const std::string& db) {
    s.send(json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "tools/call"},
                {"params", tool("deploy", json{{"path", sleeping_project(s.dir()).string()},
                                               {"connection", server().uri("postgres")},
                                               {"database", db}})}});
}

TEST(ServeProtocol, PingIsAnsweredAndCancelStopsTheServerWork) {
    Serve s;
    const std::string db = unique_db("cancel");
    s.send(json{{"jsonrpc", "2.0"},
                {"id", "deploy-1"},
                {"method", "tools/call"},
                {"params",
                 {{"name", "deploy"},
                  {"arguments",
                   {{"path", sleeping_project(s.dir()).string()},
                    {"connection", server().uri("postgres")},
                    {"database", db}}},
                  {"_meta", {{"progressToken", "tok-7"}}}}}});
    ASSERT_TRUE(wait_for_sleep(db)) << s.err();
    const auto asked = std::chrono::steady_clock::now();
    json r = s.call(2, "ping");
    EXPECT_EQ(r["result"], json::object());
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 10s) << "ping waited for the deploy";

    s.send(json{{"jsonrpc", "2.0"},
                {"method", "notifications/cancelled"},
                {"params", {{"requestId", "deploy-1"}, {"reason", "user"}}}});
    // The statement is cancelled on the server...
    bool gone = false;
    for (int i = 0; i < 1500 && !gone; ++i) {
        gone = sleeping_backends(db) == 0;
        if (!gone)
            std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(gone) << "the deploy's pg_sleep still runs after the cancel";
    // ...and, as the spec asks of receivers, the cancelled request gets no response: after the
    // server has exited, nothing it wrote answers deploy-1.
    s.close_input();
    EXPECT_EQ(s.wait_exit(), 0) << s.err();
    for (json m = s.next(5s); !m.is_null(); m = s.next(5s)) {
        EXPECT_FALSE(m.contains("id") && m["id"] == "deploy-1") << m;
        s.notifications.push_back(m);
    }

    bool progressed = false;
    for (const json& n : s.notifications) {
        if (n["method"] == "notifications/progress" && n["params"]["progressToken"] == "tok-7")
            progressed = true;
    }
    EXPECT_TRUE(progressed) << "no notifications/progress for the token";
}

TEST(ServeProtocol, EndOfInputStopsARunningDeployAndExitsZero) {
    Serve s;
    const std::string db = unique_db("eof");
    start_sleeping_deploy(s, db);
    ASSERT_TRUE(wait_for_sleep(db)) << s.err();
    s.close_input();
    EXPECT_EQ(s.wait_exit(), 0) << s.err();
    EXPECT_EQ(sleeping_backends(db), 0);
}

TEST(ServeProtocol, SigtermStopsARunningDeployAndExits143) {
    Serve s;
    const std::string db = unique_db("term");
    start_sleeping_deploy(s, db);
    ASSERT_TRUE(wait_for_sleep(db)) << s.err();
    kill(s.pid(), SIGTERM);
    json r = s.response(1);
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 143) << r;
    EXPECT_EQ(s.wait_exit(), 143) << s.err();
    EXPECT_EQ(sleeping_backends(db), 0);
}

TEST(ServeProtocol, SecretsNeverReachResponsesOrStderr) {
    const std::string secret = "Sup3r-S3cret-pw";
    Serve s(std::vector<std::pair<std::string, std::string>>{{"PGPASSWORD", "An0ther-s3cret"}});
    // The server trusts this connection, so the password is not checked, but pgmi knows it is
    // one: a failure and a notice that repeat it must not show it.
    s.dir().write("leak/deploy.sql",
                  "DO $$ BEGIN RAISE NOTICE 'notice %', '" + secret +
                      "'; RAISE NOTICE 'env An0ther-s3cret'; RAISE EXCEPTION 'failed with " +
                      secret + "'; END $$;\n");
    std::string uri = server().uri("postgres");
    const auto scheme = uri.find("://");
    ASSERT_NE(scheme, std::string::npos);
    const auto at = uri.find('@', scheme);
    if (at != std::string::npos && at < uri.find('/', scheme + 3))
        uri.insert(at, ":" + secret);
    else
        uri.insert(scheme + 3, "postgres:" + secret + "@");
    json r = s.call(1, "tools/call",
                    tool("deploy", json{{"path", (s.dir().path() / "leak").string()},
                                        {"connection", uri},
                                        {"database", unique_db("leak")}}));
    ASSERT_TRUE(r.contains("result")) << r;
    EXPECT_EQ(r["result"]["isError"], true);
    EXPECT_EQ(r["result"]["structuredContent"]["exitCode"], 13) << r;
    s.close_input();
    EXPECT_EQ(s.wait_exit(), 0);
    const std::string everything = r.dump() + s.err();
    EXPECT_EQ(everything.find(secret), std::string::npos) << everything;
    EXPECT_EQ(everything.find("An0ther-s3cret"), std::string::npos) << everything;
    EXPECT_NE(everything.find("failed with"), std::string::npos) << everything;
}

}  // namespace
}  // namespace pgmi::test
