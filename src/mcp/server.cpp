#include "mcp/server.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <list>
#include <mutex>
#include <thread>

#include "mcp/line_reader.hpp"

namespace pgmi::mcp {

namespace {

/// Writes whole lines to one descriptor; callers on any thread.
class Writer {
  public:
    explicit Writer(int fd) : fd_(fd) {}

    void send(const Json& message) {
        const std::string line = to_line(message);
        std::lock_guard<std::mutex> lock(mu_);
        if (broken_)
            return;
        std::string_view rest = line;
        while (!rest.empty()) {
            const ssize_t n = ::write(fd_, rest.data(), rest.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                broken_ = true;  // the client closed its end: nothing more can reach it
                return;
            }
            rest.remove_prefix(static_cast<size_t>(n));
        }
    }

  private:
    int fd_;
    std::mutex mu_;
    bool broken_ = false;
};

/// The standard tools/call result of a ToolResult.
Json call_result(const ToolResult& r) {
    Json result = Json::object();
    result["content"] = Json::array({Json{{"type", "text"}, {"text", r.text}}});
    if (!r.structured.is_null())
        result["structuredContent"] = r.structured;
    if (r.is_error)
        result["isError"] = true;
    return result;
}

bool blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
    static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                      "2024-11-05"};
    return versions;
}

struct Server::Impl {
    struct Running {
        Json id;
        std::string key;  // id.dump(): 1 and "1" are different requests
        std::shared_ptr<std::atomic<int>> stop;
        std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
        // The client sent notifications/cancelled for it: its result is not sent (the spec's
        // receivers SHOULD NOT answer a cancelled request; the client has stopped waiting).
        std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
        std::thread thread;
    };

    ServerInfo info;
    std::vector<Tool> tools;  // sorted by name
    ServerLimits limits;
    std::list<Running> running;  // touched by the reading thread only

    const Tool* find_tool(std::string_view name) const {
        for (const Tool& t : tools) {
            if (t.name == name)
                return &t;
        }
        return nullptr;
    }

    Json tools_list() const {
        Json list = Json::array();
        for (const Tool& t : tools) {
            Json entry{
                {"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}};
            if (!t.output_schema.is_null())
                entry["outputSchema"] = t.output_schema;
            list.push_back(std::move(entry));
        }
        return Json{{"tools", std::move(list)}};
    }

    Json initialize(const Json& id, const Json& params) const {
        if (!params.is_object()) {
            return error_response(id, kInvalidParams,
                                  "invalid initialize params: params must be an object");
        }
        const auto version = params.find("protocolVersion");
        if (version == params.end())
            return error_response(id, kInvalidParams,
                                  "missing required parameter: protocolVersion");
        if (!version->is_string()) {
            return error_response(id, kInvalidParams,
                                  "invalid initialize params: protocolVersion must be a string");
        }
        const auto& known = supported_protocol_versions();
        const std::string asked = version->get<std::string>();
        const bool supported = std::find(known.begin(), known.end(), asked) != known.end();
        Json result{{"protocolVersion", supported ? asked : known.front()},
                    {"capabilities", Json{{"tools", Json{{"listChanged", false}}}}},
                    {"serverInfo", Json{{"name", info.name}, {"version", info.version}}}};
        if (!info.instructions.empty())
            result["instructions"] = info.instructions;
        return result_response(id, std::move(result));
    }

    void cancel(const Json& params, int sig) {
        if (!params.is_object())
            return;
        const auto id = params.find("requestId");
        if (id == params.end())
            return;
        const std::string key = id->dump();
        for (Running& r : running) {
            if (r.key == key) {
                r.cancelled->store(true);
                int expected = 0;
                r.stop->compare_exchange_strong(expected, sig);
            }
        }
    }

    void call_tool(const Json& id, const Json& params, Writer& out) {
        if (!params.is_object()) {
            return out.send(error_response(id, kInvalidParams,
                                           "invalid tools/call params: params must be an object"));
        }
        const auto name = params.find("name");
        if (name == params.end() || !name->is_string()) {
            return out.send(error_response(id, kInvalidParams,
                                           "invalid tools/call params: name must be a string"));
        }
        const Tool* tool = find_tool(name->get_ref<const std::string&>());
        if (tool == nullptr) {
            return out.send(error_response(id, kInvalidParams,
                                           "unknown tool: " + name->get_ref<const std::string&>()));
        }
        Json arguments = Json::object();
        if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
            if (!a->is_object()) {
                return out.send(error_response(
                    id, kInvalidParams, "invalid tools/call params: arguments must be an object"));
            }
            arguments = *a;
        }
        Json token;  // the client's progressToken, when it wants progress
        if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
            if (auto t = meta->find("progressToken");
                t != meta->end() && (t->is_string() || t->is_number())) {
                token = *t;
            }
        }
        reap();
        const std::string key = id.dump();
        for (const Running& r : running) {
            if (r.key == key) {
                return out.send(error_response(
                    id, kInvalidRequest, "id " + key + " is already used by a running request"));
            }
        }
        if (running.size() >= limits.max_running_calls) {
            return out.send(error_response(
                id, kServerBusy,
                fmt::format("server busy: {} tool calls are running; retry when one has answered",
                            running.size())));
        }

        Running& r = running.emplace_back();
        r.id = id;
        r.key = key;
        auto call = std::make_shared<ToolCall>();
        r.stop = call->stop;
        if (!token.is_null()) {
            auto counter = std::make_shared<std::atomic<int>>(0);
            call->progress = [&out, token, counter](std::string_view message) {
                out.send(notification("notifications/progress",
                                      Json{{"progressToken", token},
                                           {"progress", ++*counter},
                                           {"message", std::string(message)}}));
            };
        }
        r.thread = std::thread([tool, arguments = std::move(arguments), call, id, &out,
                                done = r.done, cancelled = r.cancelled] {
            ToolResult result;
            try {
                result = tool->run(arguments, *call);
            } catch (const std::exception& e) {
                const std::string message =
                    fmt::format("internal error in tool {}: {}", tool->name, e.what());
                result =
                    ToolResult{Json{{"message", message}, {"exitCode", 3}, {"internalError", true}},
                               message, true};
            }
            if (!cancelled->load())
                out.send(result_response(id, call_result(result)));
            done->store(true);
        });
    }

    /// Joins the calls that have answered.
    void reap() {
        for (auto it = running.begin(); it != running.end();) {
            if (it->done->load()) {
                it->thread.join();
                it = running.erase(it);
            } else {
                ++it;
            }
        }
    }

    /// Stops every running call (with the meaning of `sig`) and waits until each has answered.
    void stop_all(int sig) {
        for (Running& r : running) {
            int expected = 0;
            r.stop->compare_exchange_strong(expected, sig);
        }
        for (Running& r : running)
            r.thread.join();
        running.clear();
    }

    void handle(const Line& line, Writer& out) {
        if (line.too_long) {
            return out.send(error_response(
                nullptr, kParseError,
                fmt::format("parse error: message of {} bytes exceeds the limit of {} bytes",
                            line.length, limits.max_line)));
        }
        if (blank(line.text))
            return;
        Incoming in = classify(line.text);
        switch (in.kind) {
            case Incoming::Kind::Invalid:
                return out.send(*in.error);
            case Incoming::Kind::Response:
                return;  // this server asks nothing of its client
            case Incoming::Kind::Notification:
            case Incoming::Kind::Request:
                break;
        }
        // Notifications are never answered; of the methods sent with an id, only the two the
        // client sends as notifications are taken as such. Any other (notifications/progress
        // with an id) is a request for a method this server lacks: -32601, or the client waits.
        if (in.method == "notifications/cancelled")
            return cancel(in.params, SIGINT);
        if (in.kind == Incoming::Kind::Notification || in.method == "notifications/initialized")
            return;
        if (in.method == "initialize")
            return out.send(initialize(in.id, in.params));
        if (in.method == "ping")
            return out.send(result_response(in.id, Json::object()));
        if (in.method == "tools/list")
            return out.send(result_response(in.id, tools_list()));
        if (in.method == "tools/call")
            return call_tool(in.id, in.params, out);
        out.send(error_response(in.id, kMethodNotFound, "method not found: " + in.method));
    }
};

Server::Server(ServerInfo info, std::vector<Tool> tools, ServerLimits limits)
    : impl_(std::make_unique<Impl>()) {
    std::sort(tools.begin(), tools.end(),
              [](const Tool& a, const Tool& b) { return a.name < b.name; });
    impl_->info = std::move(info);
    impl_->tools = std::move(tools);
    impl_->limits = limits;
}

Server::~Server() {
    impl_->stop_all(SIGINT);
}

int Server::run(int in_fd, int out_fd, int wake_fd) {
    Writer out(out_fd);
    LineReader reader(impl_->limits.max_line);
    std::vector<Line> lines;
    std::string buffer(size_t{64} * 1024, '\0');
    for (;;) {
        pollfd fds[2] = {{in_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        const int ready = ::poll(fds, wake_fd >= 0 ? 2 : 1, -1);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            impl_->stop_all(SIGINT);
            return 1;
        }
        if (wake_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
            unsigned char sig = SIGINT;
            if (::read(wake_fd, &sig, 1) != 1)
                sig = SIGINT;
            impl_->stop_all(sig);
            return 128 + sig;
        }
        if (fds[0].revents == 0)
            continue;
        const ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            if (auto last = reader.finish())
                impl_->handle(*last, out);
            // The client hung up: what still runs is stopped (SIGHUP: no one to wait for).
            impl_->stop_all(SIGHUP);
            return 0;
        }
        lines.clear();
        reader.feed(std::string_view(buffer.data(), static_cast<size_t>(n)), lines);
        for (const Line& line : lines)
            impl_->handle(line, out);
        impl_->reap();
    }
}

}  // namespace pgmi::mcp
