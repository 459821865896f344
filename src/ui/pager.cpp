#include "ui/pager.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/strings.hpp"

extern char** environ;

namespace pgmi::ui {

namespace {

void write_stdout(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && util::is_space(s[i]))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !util::is_space(s[i]))
            ++i;
        if (i > b)
            words.emplace_back(s.substr(b, i - b));
    }
    return words;
}

// Runs argv with `text` on its stdin; false when it could not be started.
bool run_pager(const std::vector<std::string>& argv, std::string_view text) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    if (rc != 0) {
        ::close(fds[1]);
        return false;
    }
    // A pager quit early (q in less) closes the pipe: that is not an error.
    struct sigaction ignore {};
    struct sigaction previous {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::sigaction(SIGPIPE, &previous, nullptr);
    return true;
}

}  // namespace

std::vector<std::string> pager_command(const EnvLookup& env) {
    std::string command = "less -R";
    if (auto p = non_empty(env, "PGMI_PAGER"))
        command = *p;
    else if (auto q = non_empty(env, "PAGER"))
        command = *q;
    std::vector<std::string> argv = split_words(command);
    if (!argv.empty() && argv[0] == "cat")
        argv.clear();
    return argv;
}

void page(std::string_view text, const Terminal& terminal, const EnvLookup& env) {
    if (terminal.interactive) {
        const auto argv = pager_command(env);
        std::fflush(stdout);
        if (!argv.empty() && run_pager(argv, text))
            return;
    }
    write_stdout(text);
}

}  // namespace pgmi::ui
