#include "ephemeral/supervisor.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace pgmi::ephemeral::detail {

using std::chrono::milliseconds;

// ---- the process-wide registry, the helper thread, signals -------------------------------
//
// A helper thread ("keeper") lives for the rest of the process once a server exists. It does two
// things, strictly one after the other:
//  * forks every initdb/postgres child (so PR_SET_PDEATHSIG, which fires when the *forking
//    thread* ends, only fires when the whole process ends), and
//  * runs the interrupt cleanup: the SIGINT/SIGTERM handler only writes the signal number to a
//    self-pipe (async-signal-safe); the keeper wakes up, stops every registered server
//    (SIGQUIT, then SIGKILL), removes their directories, restores the previous disposition and
//    sends the signal to the process again, so it ends exactly as it would have.
// The handlers are installed while at least one server is registered, and only replace the
// default disposition: an ignored signal stays ignored, and a handler the program installed
// before is called instead (that program handles the signal and unwinds; the Server destructors
// and the atexit hook then stop the servers). A handler installed after ours simply wins.

namespace {

struct Registry {
    std::mutex mu;
    std::vector<Record*> states;
};

struct Keeper {
    int wake_r = -1;
    int wake_w = -1;
    std::mutex serial;  // one launch at a time
    std::mutex mu;
    std::condition_variable cv;
    Spawn* job = nullptr;
};

std::atomic<Registry*> g_registry{nullptr};
std::atomic<Keeper*> g_keeper{nullptr};
std::atomic<int> g_wake_fd{-1};
struct sigaction g_prev[2];  // dispositions replaced by ours (SIGINT, SIGTERM)
bool g_installed[2] = {false, false};
constexpr int kSignals[2] = {SIGINT, SIGTERM};

int sig_index(int sig) {
    return sig == SIGINT ? 0 : 1;
}

void on_signal(int sig, siginfo_t* info, void* uctx) {
    int saved_errno = errno;
    const struct sigaction& prev = g_prev[sig_index(sig)];
    if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, info, uctx);
    } else if ((prev.sa_flags & SA_SIGINFO) == 0 && prev.sa_handler != SIG_DFL &&
               prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
    } else {
        int fd = g_wake_fd.load();
        auto byte = static_cast<unsigned char>(sig);
        if (fd < 0 || ::write(fd, &byte, 1) != 1) {
            // No keeper to clean up: behave as the previous (default) disposition.
            ::sigaction(sig, &prev, nullptr);
            ::raise(sig);
        }
    }
    errno = saved_errno;
}

bool is_ours(const struct sigaction& sa) {
    return (sa.sa_flags & SA_SIGINFO) != 0 && sa.sa_sigaction == &on_signal;
}

void install_handlers() {
    for (int i = 0; i < 2; ++i) {
        struct sigaction cur {};
        if (g_installed[i] || ::sigaction(kSignals[i], nullptr, &cur) != 0)
            continue;
        if (is_ours(cur))
            continue;
        if ((cur.sa_flags & SA_SIGINFO) == 0 && cur.sa_handler == SIG_IGN)
            continue;
        g_prev[i] = cur;
        struct sigaction ours {};
        ours.sa_sigaction = &on_signal;
        ours.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&ours.sa_mask);
        if (::sigaction(kSignals[i], &ours, nullptr) == 0)
            g_installed[i] = true;
    }
}

void uninstall_handlers() {
    for (int i = 0; i < 2; ++i) {
        if (!g_installed[i])
            continue;
        struct sigaction cur {};
        if (::sigaction(kSignals[i], nullptr, &cur) == 0 && is_ours(cur)) {
            ::sigaction(kSignals[i], &g_prev[i], nullptr);
        }
        g_installed[i] = false;
    }
}

void cleanup_all(int first_signal, milliseconds grace);

// In a child made by fork() (without exec) nothing of the parent's servers is ours: forget the
// registry and the keeper (whose thread does not exist here) and put the dispositions back.
void after_fork_in_child() {
    for (int i = 0; i < 2; ++i) {
        if (g_installed[i])
            ::sigaction(kSignals[i], &g_prev[i], nullptr);
        g_installed[i] = false;
    }
    g_wake_fd.store(-1);
    Keeper* k = g_keeper.exchange(nullptr);
    if (k != nullptr) {
        ::close(k->wake_r);
        ::close(k->wake_w);
    }
    g_registry.store(nullptr);  // the old one is leaked: its mutex may be held by a lost thread
}

void process_hooks_once() {
    static const bool once = [] {
        std::atexit([] { cleanup_all(SIGINT, milliseconds(5000)); });
        ::pthread_atfork(nullptr, nullptr, &after_fork_in_child);
        return true;
    }();
    (void)once;
}

Registry& registry() {
    Registry* r = g_registry.load();
    if (r == nullptr) {
        process_hooks_once();
        auto* fresh = new Registry();  // never freed: used by the atexit hook and the keeper
        if (g_registry.compare_exchange_strong(r, fresh)) {
            r = fresh;
        } else {
            delete fresh;
        }
    }
    return *r;
}

// Child side of a launch: only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(const Spawn& s, const std::vector<char*>& argv,
                             const std::vector<char*>& envp, int err_fd, pid_t parent) {
    auto fail = [err_fd](int stage) {
        int payload[2] = {stage, errno};
        ssize_t ignored = ::write(err_fd, payload, sizeof payload);
        (void)ignored;
        ::_exit(127);
    };
    ::setpgid(0, 0);  // keep terminal signals (Ctrl-C) away from the server
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        ::signal(sig, SIG_DFL);
    }
    if (s.run_as.switch_user) {
        if (::setgroups(s.run_as.groups.size(), s.run_as.groups.data()) != 0)
            fail(1);
        if (::setgid(s.run_as.gid) != 0)
            fail(1);
        if (::setuid(s.run_as.uid) != 0)
            fail(1);
    }
    // Stop with the whole process (also when killed with SIGKILL).
    ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (::getppid() != parent)
        ::_exit(127);
    if (::chdir(s.cwd.c_str()) != 0)
        fail(2);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(s.output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0)
        fail(3);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
        fail(3);
    if (in > 2)
        ::close(in);
    if (out > 2)
        ::close(out);
    // Nothing else of ours may leak into the server (other servers' sockets, pipes).
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 3; fd < 65536; ++fd)
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execve(argv[0], argv.data(), envp.data());
    fail(4);
    ::_exit(127);
}

void run_launch(Spawn& s) {
    std::vector<char*> argv;
    for (auto& a : s.args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : s.env)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        s.error = "pipe: " + errno_text(errno);
        return;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        s.error = "fork: " + errno_text(errno);
        ::close(err_pipe[0]);
        ::close(err_pipe[1]);
        return;
    }
    if (pid == 0)
        exec_child(s, argv, envp, err_pipe[1], parent);
    ::close(err_pipe[1]);
    int payload[2] = {0, 0};
    ssize_t n;
    do {
        n = ::read(err_pipe[0], payload, sizeof payload);
    } while (n < 0 && errno == EINTR);
    ::close(err_pipe[0]);
    if (n == static_cast<ssize_t>(sizeof payload)) {
        const char* stage = payload[0] == 1   ? "switching to the postgres user"
                            : payload[0] == 2 ? "changing directory"
                            : payload[0] == 3 ? "opening the log file"
                                              : "exec";
        s.error = "cannot start " + s.args[0] + ": " + stage + ": " + errno_text(payload[1]);
        int st = 0;
        ::waitpid(pid, &st, 0);
        return;
    }
    s.pid = pid;
    if (s.record != nullptr) {
        std::lock_guard lock(registry().mu);
        s.record->pid = pid;
    }
}

void keeper_loop(Keeper* k) {
    for (;;) {
        unsigned char byte = 0;
        ssize_t n = ::read(k->wake_r, &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        if (byte == 'L') {
            Spawn* job = nullptr;
            {
                std::lock_guard lock(k->mu);
                job = k->job;
            }
            if (job == nullptr)
                continue;
            run_launch(*job);
            {
                std::lock_guard lock(k->mu);
                job->done = true;
            }
            k->cv.notify_all();
        } else if (byte == SIGINT || byte == SIGTERM) {
            int sig = byte;
            cleanup_all(SIGQUIT, milliseconds(3000));
            // Deliver the signal again with the disposition we replaced (the default).
            ::sigaction(sig, &g_prev[sig_index(sig)], nullptr);
            ::kill(::getpid(), sig);
        }
    }
}

Result<Keeper*> keeper() {
    Keeper* k = g_keeper.load();
    if (k != nullptr)
        return k;
    static std::mutex create_mu;
    std::lock_guard lock(create_mu);
    k = g_keeper.load();
    if (k != nullptr)
        return k;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return make_error(ErrorKind::General, "pipe: " + errno_text(errno));
    }
    // The write end is non-blocking: the signal handler must never block.
    ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    k = new Keeper();  // lives as long as the process (its thread is detached)
    k->wake_r = fds[0];
    k->wake_w = fds[1];
    try {
        std::thread(keeper_loop, k).detach();
    } catch (const std::exception& e) {
        ::close(fds[0]);
        ::close(fds[1]);
        delete k;
        return make_error(ErrorKind::General,
                          std::string("cannot start helper thread: ") + e.what());
    }
    g_keeper.store(k);
    g_wake_fd.store(k->wake_w);
    return k;
}

}  // namespace

Result<pid_t> launch(Spawn& s) {
    auto k = keeper();
    if (!k)
        return std::move(k).error();
    Keeper* kp = *k;
    std::lock_guard serial(kp->serial);
    {
        std::lock_guard lock(kp->mu);
        kp->job = &s;
    }
    unsigned char byte = 'L';
    while (::write(kp->wake_w, &byte, 1) != 1) {
        if (errno != EINTR && errno != EAGAIN) {
            return make_error(ErrorKind::General, "cannot wake helper thread");
        }
        std::this_thread::sleep_for(milliseconds(1));
    }
    {
        std::unique_lock lock(kp->mu);
        kp->cv.wait(lock, [&] { return s.done; });
        kp->job = nullptr;
    }
    if (s.pid < 0)
        return make_error(ErrorKind::General, s.error);
    return s.pid;
}

namespace {

void register_state(Record* st) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    r.states.push_back(st);
    install_handlers();
}

void unregister_state(Record* st) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    r.states.erase(std::remove(r.states.begin(), r.states.end(), st), r.states.end());
    if (r.states.empty())
        uninstall_handlers();
}

// Stops every server of this process and removes its directory (signal and exit paths).
void cleanup_all(int first_signal, milliseconds grace) {
    Registry* r = g_registry.load();
    if (r == nullptr)
        return;
    std::lock_guard lock(r->mu);
    pid_t self = ::getpid();
    for (Record* st : r->states) {  // signal all first, then wait: stops run in parallel
        if (st->owner == self && st->pid > 0)
            ::kill(st->pid, first_signal);
    }
    for (Record* st : r->states) {
        if (st->owner != self)
            continue;
        if (st->pid > 0) {
            terminate(st->pid, first_signal, grace);
            st->pid = 0;
        }
        if (!st->removed) {
            remove_dir(st->root);
            st->removed = true;
        }
    }
}

}  // namespace

std::vector<std::string> child_env() {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("PG", 0) == 0)
            continue;  // PGDATA, PGPORT, PGOPTIONS, ... are not for us
        env.emplace_back(kv);
    }
    return env;
}

std::mutex& registry_mutex() {
    return registry().mu;
}

void register_record(Record* st) {
    register_state(st);
}

void retire(Record* r) {
    if (r->owner != ::getpid())
        return;  // a forked copy: the server belongs to the parent
    {
        std::lock_guard lock(registry().mu);
        if (r->pid > 0)
            terminate(r->pid, SIGINT, milliseconds(10000));
        r->pid = 0;
        if (!r->removed && !r->root.empty())
            remove_dir(r->root);
        r->removed = true;
    }
    unregister_state(r);
}

}  // namespace pgmi::ephemeral::detail
