// Runs the pgmi binary on a pseudo-terminal, so tests can drive interactive behaviour (the init
// wizard, the splash) the way a person at a terminal would: wait for a prompt, type keys.
// stdin and stdout are the terminal; stderr is the terminal too unless `stderr_pipe` is set,
// in which case it is captured separately.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgmi::test {

class PtySession {
  public:
    struct Options {
        std::map<std::string, std::optional<std::string>> env;  // applied after clearing CI etc.
        std::optional<std::filesystem::path> cwd;
        bool stderr_pipe = false;
    };

    PtySession(const std::vector<std::string>& args, const Options& options) {
        int err_pipe[2] = {-1, -1};
        if (options.stderr_pipe && pipe(err_pipe) != 0) {
            ADD_FAILURE() << "pipe: " << std::strerror(errno);
            return;
        }
        winsize ws{};
        ws.ws_row = 40;
        ws.ws_col = 120;
        pid_ = forkpty(&master_, nullptr, nullptr, &ws);
        if (pid_ < 0) {
            ADD_FAILURE() << "forkpty: " << std::strerror(errno);
            return;
        }
        if (pid_ == 0) {
            if (options.stderr_pipe) {
                dup2(err_pipe[1], 2);
                close(err_pipe[0]);
                close(err_pipe[1]);
            }
            for (const char* name : {"CI", "PGMI_NON_INTERACTIVE", "NO_COLOR", "CLICOLOR",
                                     "CLICOLOR_FORCE", "PGMI_NO_BANNER", "PGHOST", "PGPORT",
                                     "PGUSER", "PGDATABASE", "PGPASSWORD", "DATABASE_URL"})
                unsetenv(name);
            setenv("TERM", "xterm-256color", 1);
            for (const auto& [key, value] : options.env) {
                if (value)
                    setenv(key.c_str(), value->c_str(), 1);
                else
                    unsetenv(key.c_str());
            }
            if (options.cwd && chdir(options.cwd->c_str()) != 0)
                _exit(127);
            std::vector<char*> argv;
            std::string binary = PGMI_BINARY;
            argv.push_back(binary.data());
            std::vector<std::string> copy = args;
            for (auto& a : copy)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        if (options.stderr_pipe) {
            close(err_pipe[1]);
            err_fd_ = err_pipe[0];
        }
    }

    ~PtySession() {
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
        if (master_ >= 0)
            close(master_);
        if (err_fd_ >= 0)
            close(err_fd_);
    }

    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    /// Reads until `needle` appears after the previous match; false on timeout or end of output.
    bool expect(const std::string& needle, int timeout_ms = 15000) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            const auto at = output_.find(needle, matched_);
            if (at != std::string::npos) {
                matched_ = at + needle.size();
                return true;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            if (left <= 0 || !pump(static_cast<int>(left))) {
                ADD_FAILURE() << "did not see \"" << needle << "\" in:\n" << output_;
                return false;
            }
        }
    }

    /// Types `keys` (raw bytes: "\r" is Enter, "\x1b" Esc, "\x03" Ctrl+C).
    void send(const std::string& keys) {
        std::size_t done = 0;
        while (done < keys.size()) {
            const ssize_t n = write(master_, keys.data() + done, keys.size() - done);
            if (n <= 0)
                return;
            done += static_cast<std::size_t>(n);
        }
    }

    /// Reads everything until the program exits; returns its exit code.
    int wait(int timeout_ms = 60000) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (pump(static_cast<int>(
            std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                       deadline - std::chrono::steady_clock::now())
                                       .count())))) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "program did not exit; output:\n" << output_;
                break;
            }
        }
        int status = 0;
        if (waitpid(pid_, &status, 0) == pid_)
            exited_ = true;
        drain_stderr();
        if (WIFEXITED(status))
            return WEXITSTATUS(status);
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    }

    /// Everything the terminal showed so far (stdout, and stderr unless piped).
    const std::string& output() const { return output_; }
    int master() const { return master_; }
    pid_t pid() const { return pid_; }
    /// stderr when `stderr_pipe` was set (complete after wait()).
    const std::string& err() const { return err_; }

  private:
    // Reads what is available within `timeout_ms`; false once the terminal is closed.
    bool pump(int timeout_ms) {
        pollfd fds[2] = {{master_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
        const int n = poll(fds, err_fd_ >= 0 ? 2 : 1, timeout_ms);
        if (n < 0)
            return errno == EINTR;
        if (n == 0)
            return true;  // nothing yet; the caller checks its deadline
        if (err_fd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            char buf[4096];
            const ssize_t r = read(err_fd_, buf, sizeof buf);
            if (r > 0) {
                err_.append(buf, static_cast<std::size_t>(r));
            } else {
                close(err_fd_);
                err_fd_ = -1;
            }
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            char buf[4096];
            const ssize_t r = read(master_, buf, sizeof buf);
            if (r <= 0)
                return false;  // EIO: the child closed the terminal
            output_.append(buf, static_cast<std::size_t>(r));
        }
        return true;
    }

    void drain_stderr() {
        while (err_fd_ >= 0) {
            char buf[4096];
            const ssize_t r = read(err_fd_, buf, sizeof buf);
            if (r <= 0) {
                close(err_fd_);
                err_fd_ = -1;
            } else {
                err_.append(buf, static_cast<std::size_t>(r));
            }
        }
    }

    pid_t pid_ = -1;
    int master_ = -1;
    int err_fd_ = -1;
    bool exited_ = false;
    std::string output_;
    std::string err_;
    std::size_t matched_ = 0;
};

}  // namespace pgmi::test
