#include "support.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

namespace pgmi::test {

namespace {
std::unique_ptr<ephemeral::Server> g_server;
std::atomic<int> g_db_counter{0};
}  // namespace

ephemeral::Server& server() {
    if (!g_server) {
        auto started = ephemeral::Server::start();
        if (!started) {
            std::fprintf(stderr, "cannot start test PostgreSQL: %s\n",
                         started.error().message.c_str());
            std::abort();
        }
        g_server = std::make_unique<ephemeral::Server>(std::move(started).value());
        // Static destruction order is fine: the server owns only its own state.
        std::atexit([] { g_server.reset(); });
    }
    return *g_server;
}

std::string unique_db(const std::string& suffix) {
    std::string name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++g_db_counter);
    if (!suffix.empty())
        name += "_" + suffix;
    return name;
}

std::string query_error(const std::string& db, const std::string& sql) {
    auto conn = pg::Connection::open(server().conn_params(db));
    if (!conn)
        return conn.error().message;
    auto res = conn->exec(sql);
    if (!res)
        return res.error().message;
    return "";
}

std::vector<std::string> query(const std::string& db, const std::string& sql) {
    std::vector<std::string> out;
    auto conn = pg::Connection::open(server().conn_params(db));
    if (!conn) {
        ADD_FAILURE() << "connect to " << db << ": " << conn.error().message;
        return out;
    }
    auto res = conn->exec(sql);
    if (!res) {
        ADD_FAILURE() << "query failed: " << sql << ": " << res.error().message;
        return out;
    }
    for (int r = 0; r < res->rows(); ++r) {
        out.emplace_back(res->is_null(r, 0) ? std::string("<null>")
                                            : std::string(res->value(r, 0)));
    }
    return out;
}

namespace {

struct Child {
    pid_t pid = -1;
    int out = -1;
    int err = -1;
};

/// Forks and execs `argv` with stdin fed from `options.stdin_data` (then closed).
Child start_child(const std::vector<std::string>& argv, const RunOptions& options) {
    Child child;
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe(in_pipe) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return child;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        for (int fd :
             {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
            close(fd);
        }
        if (options.clear_pg_env) {
            std::vector<std::string> drop;
            for (char** e = environ; *e != nullptr; ++e) {
                std::string kv = *e;
                std::string key = kv.substr(0, kv.find('='));
                if (key.rfind("PG", 0) == 0 || key == "DATABASE_URL" || key == "CI" ||
                    key.rfind("AZURE_", 0) == 0 || key.rfind("AWS_", 0) == 0) {
                    drop.push_back(key);
                }
            }
            for (const auto& key : drop)
                unsetenv(key.c_str());
        }
        for (const auto& [key, value] : options.env) {
            if (value) {
                setenv(key.c_str(), value->c_str(), 1);
            } else {
                unsetenv(key.c_str());
            }
        }
        if (options.cwd && chdir(options.cwd->c_str()) != 0)
            _exit(127);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (!options.stdin_data.empty()) {
        ssize_t ignored = write(in_pipe[1], options.stdin_data.data(), options.stdin_data.size());
        (void)ignored;
    }
    close(in_pipe[1]);
    child.pid = pid;
    child.out = out_pipe[0];
    child.err = err_pipe[0];
    return child;
}

/// Reads both pipes to EOF (or the timeout, then kills), reaps the child.
RunResult collect(const Child& child, int timeout_seconds) {
    RunResult result;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    pollfd fds[2] = {{child.out, POLLIN, 0}, {child.err, POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
        if (ms <= 0) {
            kill(child.pid, SIGKILL);
            ADD_FAILURE() << "process timed out";
            break;
        }
        if (poll(fds, 2, ms) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0)
            close(f.fd);
    }
    int status = 0;
    waitpid(child.pid, &status, 0);
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exit_code = 128 + WTERMSIG(status);
    }
    return result;
}

}  // namespace

std::vector<std::string> with_address_space_cap(std::vector<std::string> argv, size_t kib) {
#if defined(__SANITIZE_ADDRESS__)
    (void)kib;
    return argv;
#else
    std::vector<std::string> capped = {
        "/bin/sh", "-c", "ulimit -v " + std::to_string(kib) + " && exec \"$0\" \"$@\""};
    capped.insert(capped.end(), argv.begin(), argv.end());
    return capped;
#endif
}

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options) {
    Child child = start_child(argv, options);
    if (child.pid < 0)
        return {};
    return collect(child, options.timeout_seconds);
}

Process::Process(const std::vector<std::string>& argv, const RunOptions& options)
    : timeout_seconds_(options.timeout_seconds) {
    Child child = start_child(argv, options);
    pid_ = child.pid;
    out_fd_ = child.out;
    err_fd_ = child.err;
}

Process::~Process() {
    if (!waited_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        (void)wait();
    }
}

void Process::signal(int sig) const {
    if (pid_ > 0)
        kill(pid_, sig);
}

RunResult Process::wait() {
    waited_ = true;
    return collect(Child{pid_, out_fd_, err_fd_}, timeout_seconds_);
}

std::unique_ptr<Process> spawn_pgmi(const std::vector<std::string>& args,
                                    const RunOptions& options) {
    std::vector<std::string> argv = {PGMI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Process>(argv, options);
}

RunResult run_pgmi(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv = {PGMI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, options);
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pgmi-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
        ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    }
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& relative,
                                     const std::string& content) const {
    std::filesystem::path p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    return p;
}

std::string read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

std::vector<std::string> connection_args(const std::string& db) {
    return {"--connection", server().uri("postgres"), "-d", db};
}

std::vector<std::string> deploy_args(const std::filesystem::path& project, const std::string& db,
                                     const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"deploy", project.string()};
    for (auto& a : connection_args(db))
        args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

int sleeping_backends(const std::string& db) {
    auto rows = query("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db +
                                      "' AND state = 'active' AND query LIKE '%pg_sleep%' AND "
                                      "pid <> pg_backend_pid()");
    return rows.empty() ? -1 : std::stoi(rows[0]);
}

bool wait_for_sleep(const std::string& db) {
    for (int i = 0; i < 500; ++i) {
        if (sleeping_backends(db) > 0)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace pgmi::test
