#include "cloud/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace pgmi::cloud {
namespace {

constexpr size_t kMaxOut = 1U << 20;
constexpr size_t kMaxErr = 64U << 10;

bool executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

}  // namespace

std::optional<std::string> find_on_path(std::string_view program, const EnvLookup& env) {
    if (program.empty())
        return std::nullopt;
    if (program.find('/') != std::string_view::npos) {
        std::string p(program);
        return executable(p) ? std::optional<std::string>(p) : std::nullopt;
    }
    const std::string path = env("PATH").value_or("");
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {  // an empty entry would mean the current directory: not searched
            std::string candidate = dir + "/" + std::string(program);
            if (executable(candidate))
                return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) {
    if (argv.empty())
        return make_error(ErrorKind::Unexpected, "run_process: empty argv");
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        close_fd(out_pipe[0]);
        close_fd(out_pipe[1]);
        return make_error(ErrorKind::General, std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // Its own process group, so a timeout also ends what the helper started (az is a script).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close_fd(out_pipe[1]);
    close_fd(err_pipe[1]);
    if (rc != 0) {
        close_fd(out_pipe[0]);
        close_fd(err_pipe[0]);
        return make_error(ErrorKind::General,
                          "could not start " + argv[0] + ": " + std::strerror(rc));
    }

    ProcessOutput result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int fds[2] = {out_pipe[0], err_pipe[0]};
    std::string* sinks[2] = {&result.out, &result.err};
    const size_t limits[2] = {kMaxOut, kMaxErr};
    int status = 0;
    bool reaped = false;
    // Read until both pipes close, or until the program has exited and its pipes have nothing
    // more to give (a grandchild may keep them open), or until the deadline.
    while (fds[0] >= 0 || fds[1] >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd p[2];
        nfds_t n = 0;
        int which[2];
        for (int i = 0; i < 2; ++i) {
            if (fds[i] >= 0) {
                p[n] = pollfd{fds[i], POLLIN, 0};
                which[n++] = i;
            }
        }
        const int slice = reaped ? 0 : static_cast<int>(std::min<long long>(left.count(), 50));
        const int ready = ::poll(p, n, slice);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            if (reaped)
                break;  // exited, and nothing left to read
            const pid_t w = ::waitpid(pid, &status, WNOHANG);
            reaped = w == pid || (w < 0 && errno != EINTR);
            continue;
        }
        for (nfds_t k = 0; k < n; ++k) {
            if ((p[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            const int i = which[k];
            char buf[8192];
            const ssize_t got = ::read(fds[i], buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close_fd(fds[i]);
                continue;
            }
            const size_t room = limits[i] - std::min(limits[i], sinks[i]->size());
            sinks[i]->append(buf, std::min(room, static_cast<size_t>(got)));
        }
    }
    close_fd(fds[0]);
    close_fd(fds[1]);
    while (!reaped && !result.timed_out) {  // output closed; the program may still be running
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            reaped = true;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            result.timed_out = true;
            break;
        }
        ::usleep(5000);
    }
    if (!reaped) {
        if (result.timed_out)
            ::kill(-pid, SIGKILL);  // the group led by our child
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (!result.timed_out && WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    return result;
}

}  // namespace pgmi::cloud
