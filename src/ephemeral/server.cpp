// Ephemeral PostgreSQL: process launching, the registry of running servers and the signal/exit
// cleanup. The design is described in server.hpp.
#include "ephemeral/server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace pgmi::ephemeral {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- small helpers -----------------------------------------------------------------------

namespace {

std::string errno_text(int err) {
    return std::strerror(err);
}

bool is_executable(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

bool has_server_binaries(const fs::path& dir) {
    return is_executable(dir / "initdb") && is_executable(dir / "postgres");
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string tail_lines(const std::string& text, size_t n) {
    size_t end = text.size();
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
        --end;
    size_t pos = end;
    for (size_t lines = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++lines == n)
            break;
    }
    return text.substr(pos, end - pos);
}

Status write_text(const fs::path& p, const std::string& content, bool append) {
    std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out << content;
    out.close();
    if (!out)
        return make_error(ErrorKind::General, "cannot write " + p.string());
    return Status::ok();
}

// Version key of a directory name like "15" or "9.6", for "highest first" ordering.
std::vector<int> version_key(const std::string& name) {
    std::vector<int> key;
    int cur = -1;
    for (char c : name) {
        if (c >= '0' && c <= '9') {
            cur = (cur < 0 ? 0 : cur * 10) + (c - '0');
        } else if (cur >= 0) {
            key.push_back(cur);
            cur = -1;
        }
    }
    if (cur >= 0)
        key.push_back(cur);
    return key;
}

// A free loopback TCP port (bind to port 0 and read what the kernel chose).
Result<int> pick_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return make_error(ErrorKind::General, "socket: " + errno_text(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    // sockaddr_in and sockaddr are layout-compatible by contract of the sockets API.
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(fd, sa, sizeof addr) != 0 || ::getsockname(fd, sa, &len) != 0) {
        int err = errno;
        ::close(fd);
        return make_error(ErrorKind::General, "cannot find a free port: " + errno_text(err));
    }
    ::close(fd);
    return static_cast<int>(ntohs(addr.sin_port));
}

std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Whether the process with this pid has ended; reaps it when it is our child.
bool has_exited(pid_t pid) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid)
        return true;
    if (r == 0)
        return false;
    if (errno == EINTR)
        return false;
    // Not (or no longer) our child, e.g. reaped elsewhere: ask the kernel whether it exists.
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

bool wait_exit(pid_t pid, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!has_exited(pid)) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
}

// Ends a process: `first` signal, then SIGQUIT, then SIGKILL, each after a grace period.
void terminate(pid_t pid, int first, milliseconds grace) {
    if (pid <= 0)
        return;
    ::kill(pid, first);
    if (wait_exit(pid, grace))
        return;
    ::kill(pid, SIGQUIT);
    if (wait_exit(pid, milliseconds(3000)))
        return;
    ::kill(pid, SIGKILL);
    wait_exit(pid, milliseconds(5000));
}

void remove_dir(const fs::path& dir) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (!ec && !fs::exists(dir, ec))
            return;
        std::this_thread::sleep_for(milliseconds(50));
    }
}

// The user the server processes run as.
struct RunAs {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

Result<RunAs> decide_run_as() {
    RunAs as;
    if (::geteuid() != 0)
        return as;
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
        return make_error(ErrorKind::General,
                          "running as root: PostgreSQL refuses to run as root and there is no "
                          "'postgres' system user to run it as");
    }
    as.switch_user = true;
    as.uid = pw.pw_uid;
    as.gid = pw.pw_gid;
    int n = 64;
    as.groups.resize(static_cast<size_t>(n));
    if (::getgrouplist(pw.pw_name, pw.pw_gid, as.groups.data(), &n) < 0) {
        as.groups.resize(static_cast<size_t>(n));
        ::getgrouplist(pw.pw_name, pw.pw_gid, as.groups.data(), &n);
    }
    as.groups.resize(static_cast<size_t>(std::max(n, 0)));
    return as;
}

// Whether `uid` can traverse every ancestor of `dir` (only world/owner bits are considered).
bool traversable_by(const fs::path& dir, uid_t uid) {
    fs::path p;
    for (const auto& part : fs::absolute(dir)) {
        p /= part;
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0)
            return false;
        bool ok = (st.st_mode & S_IXOTH) != 0 || (st.st_uid == uid && (st.st_mode & S_IXUSR));
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace

// ---- state of one server -----------------------------------------------------------------

struct Server::State {
    fs::path bindir;
    fs::path root;  // private temp dir: data/, the socket, logs
    fs::path data;
    fs::path log;
    int port = 0;
    Options options;
    RunAs run_as;
    pid_t owner = 0;  // the process that created this server; copies in forked children ignore it
    pid_t pid = 0;    // postmaster or initdb; guarded by the registry mutex
    bool removed = false;  // directory already removed (signal or exit cleanup)

    ~State();
};

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
    std::vector<Server::State*> states;
};

struct Spawn {
    // Everything the child needs, prepared before fork (the child only makes system calls).
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    std::string output;  // stdout+stderr file (appended)
    RunAs run_as;
    Server::State* record = nullptr;  // gets the pid (under the registry mutex)
    // result
    pid_t pid = -1;
    std::string error;
    bool done = false;
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

// Forks and execs on the keeper thread; the pid is also stored into s.record.
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

void register_state(Server::State* st) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    r.states.push_back(st);
    install_handlers();
}

void unregister_state(Server::State* st) {
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
    for (Server::State* st : r->states) {  // signal all first, then wait: stops run in parallel
        if (st->owner == self && st->pid > 0)
            ::kill(st->pid, first_signal);
    }
    for (Server::State* st : r->states) {
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

}  // namespace

Server::State::~State() {
    if (owner != ::getpid())
        return;  // a forked copy: the server belongs to the parent
    {
        std::lock_guard lock(registry().mu);
        if (pid > 0)
            terminate(pid, SIGINT, milliseconds(10000));
        pid = 0;
        if (!removed && !root.empty())
            remove_dir(root);
        removed = true;
    }
    unregister_state(this);
}

// ---- bindir ------------------------------------------------------------------------------

Result<fs::path> find_bindir() {
    // 1. pg_config --bindir
    if (FILE* p = ::popen("pg_config --bindir 2>/dev/null", "r")) {
        char buf[4096];
        std::string out;
        while (size_t n = std::fread(buf, 1, sizeof buf, p))
            out.append(buf, n);
        ::pclose(p);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
            out.pop_back();
        }
        if (!out.empty() && has_server_binaries(out))
            return fs::path(out);
    }
    // 2. PATH (following a symlinked initdb to its real directory)
    if (const char* path = std::getenv("PATH")) {
        std::string_view rest(path);
        while (!rest.empty()) {
            size_t colon = rest.find(':');
            fs::path dir(std::string(rest.substr(0, colon)));
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
            if (dir.empty() || !is_executable(dir / "initdb"))
                continue;
            std::error_code ec;
            fs::path real = fs::canonical(dir / "initdb", ec).parent_path();
            if (!ec && has_server_binaries(real))
                return real;
            if (has_server_binaries(dir))
                return dir;
        }
    }
    // 3. Debian/Ubuntu layout, highest version first
    std::vector<std::pair<std::vector<int>, fs::path>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        fs::path bin = entry.path() / "bin";
        if (has_server_binaries(bin)) {
            found.emplace_back(version_key(entry.path().filename().string()), bin);
        }
    }
    if (!found.empty()) {
        std::sort(found.begin(), found.end(),
                  [](const auto& a, const auto& b) { return a.first > b.first; });
        return found.front().second;
    }
    return make_error(ErrorKind::General,
                      "PostgreSQL server binaries (initdb, postgres) not found: tried "
                      "`pg_config --bindir`, PATH and /usr/lib/postgresql/*/bin");
}

// ---- Server ------------------------------------------------------------------------------

namespace {

const char* kDefaultHba =
    "local all all trust\n"
    "host all all 127.0.0.1/32 trust\n"
    "host all all ::1/128 trust\n";

Spawn make_spawn(const Server::State& st, std::vector<std::string> args, const fs::path& output) {
    Spawn s;
    s.args = std::move(args);
    s.env = child_env();
    s.cwd = st.root.string();
    s.output = output.string();
    s.run_as = st.run_as;
    return s;
}

Status chown_to_server_user(const Server::State& st, const fs::path& p) {
    if (st.run_as.switch_user && ::chown(p.c_str(), st.run_as.uid, st.run_as.gid) != 0) {
        return make_error(ErrorKind::General, "chown " + p.string() + ": " + errno_text(errno));
    }
    return Status::ok();
}

Status run_initdb(Server::State& st) {
    fs::path log = st.root / "initdb.log";
    Spawn s =
        make_spawn(st,
                   {(st.bindir / "initdb").string(), "-D", st.data.string(), "-U",
                    st.options.superuser, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"},
                   log);
    s.record = &st;
    auto pid = launch(s);
    if (!pid)
        return std::move(pid).error();
    int status = 0;
    auto deadline = Clock::now() + std::chrono::seconds(180);
    for (;;) {
        pid_t r = ::waitpid(*pid, &status, WNOHANG);
        if (r == *pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (Clock::now() > deadline) {
            terminate(*pid, SIGTERM, milliseconds(2000));
            status = -1;
            break;
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    {
        std::lock_guard lock(registry().mu);
        st.pid = 0;
    }
    if (status != 0) {
        std::string why = WIFEXITED(status)     ? "exit code " + std::to_string(WEXITSTATUS(status))
                          : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                : "timeout";
        return make_error(ErrorKind::General,
                          "initdb failed (" + why + "):\n" + tail_lines(read_file(log), 30));
    }
    return Status::ok();
}

Status write_config(Server::State& st) {
    std::string hba = st.options.hba.empty() ? kDefaultHba : st.options.hba;
    if (!hba.empty() && hba.back() != '\n')
        hba += '\n';
    if (auto s = write_text(st.data / "pg_hba.conf", hba, false); !s)
        return s;
    std::string conf =
        "\n# pgmi ephemeral server\n"
        "fsync = off\n"
        "synchronous_commit = off\n"
        "full_page_writes = off\n";
    for (const auto& line : st.options.settings)
        conf += line + "\n";
    return write_text(st.data / "postgresql.conf", conf, true);
}

pg::ConnParams params_of(const Server::State& st, const std::string& dbname) {
    return {{"host", st.root.string()},
            {"port", std::to_string(st.port)},
            {"user", st.options.superuser},
            {"dbname", dbname},
            {"connect_timeout", "10"}};
}

PGPing ping(const Server::State& st) {
    pg::ConnParams p = params_of(st, "postgres");
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [k, v] : p) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    return PQpingParams(keys.data(), values.data(), 0);
}

// Starts the postmaster on st.port and waits until it accepts connections. `retry_port` is set
// when the port was taken meanwhile.
Status start_postmaster(Server::State& st, bool& retry_port) {
    retry_port = false;
    std::string before = read_file(st.log);
    Spawn s = make_spawn(st,
                         {(st.bindir / "postgres").string(), "-D", st.data.string(), "-k",
                          st.root.string(), "-p", std::to_string(st.port), "-c",
                          std::string("listen_addresses=") + (st.options.tcp ? "127.0.0.1" : "")},
                         st.log);
    s.record = &st;
    auto pid = launch(s);
    if (!pid)
        return std::move(pid).error();

    auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
        if (has_exited(*pid)) {
            {
                std::lock_guard lock(registry().mu);
                st.pid = 0;
            }
            std::string log = read_file(st.log);
            if (log.size() >= before.size())
                log = log.substr(before.size());
            retry_port = log.find("Address already in use") != std::string::npos;
            return make_error(ErrorKind::General,
                              "postgres exited during startup:\n" + tail_lines(log, 30));
        }
        if (ping(st) == PQPING_OK)
            return Status::ok();
        if (Clock::now() > deadline) {
            {
                std::lock_guard lock(registry().mu);
                terminate(*pid, SIGQUIT, milliseconds(3000));
                st.pid = 0;
            }
            return make_error(ErrorKind::General,
                              "postgres did not accept connections within 60 s:\n" +
                                  tail_lines(read_file(st.log), 30));
        }
        std::this_thread::sleep_for(milliseconds(25));
    }
}

Status start_with_port_retries(Server::State& st, bool keep_port) {
    for (int attempt = 0;; ++attempt) {
        if (!keep_port || st.port == 0) {
            auto port = pick_port();
            if (!port)
                return std::move(port).error();
            st.port = *port;
        }
        bool retry = false;
        Status s = start_postmaster(st, retry);
        if (s || !retry || keep_port || attempt >= 5)
            return s;
    }
}

// Base for the private directory: $TMPDIR or /tmp; /tmp when the socket path would be too long
// for sockaddr_un or the server user could not reach it.
fs::path temp_base(const RunAs& as) {
    fs::path base = "/tmp";
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0')
        base = t;
    // "<base>/pgmi-pg-XXXXXX/.s.PGSQL.65535.lock" must fit in 107 bytes.
    bool too_long = base.string().size() + 40 > 100;
    std::error_code ec;
    if (too_long || !fs::is_directory(base, ec) ||
        (as.switch_user && !traversable_by(base, as.uid))) {
        base = "/tmp";
    }
    return base;
}

}  // namespace

Result<Server> Server::start(const Options& options) {
    auto bindir = find_bindir();
    if (!bindir)
        return std::move(bindir).error();
    auto run_as = decide_run_as();
    if (!run_as)
        return std::move(run_as).error();

    std::string tmpl = (temp_base(*run_as) / "pgmi-pg-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return make_error(ErrorKind::General, "mkdtemp " + tmpl + ": " + errno_text(errno));
    }
    auto state = std::make_unique<State>();
    state->bindir = *bindir;
    state->root = tmpl;
    state->data = state->root / "data";
    state->log = state->root / "server.log";
    state->options = options;
    if (state->options.superuser.empty())
        state->options.superuser = "postgres";
    state->run_as = *run_as;
    state->owner = ::getpid();
    register_state(state.get());
    Server server(std::move(state));  // from here on, failure paths clean up via ~State
    State& st = *server.state_;

    if (auto s = chown_to_server_user(st, st.root); !s)
        return std::move(s).error();
    if (auto s = run_initdb(st); !s)
        return std::move(s).error();
    if (auto s = write_config(st); !s)
        return std::move(s).error();
    if (auto s = start_with_port_retries(st, false); !s)
        return std::move(s).error();
    return server;
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&&) noexcept = default;
Server::~Server() = default;

const fs::path& Server::data_dir() const {
    return state_->data;
}
const fs::path& Server::socket_dir() const {
    return state_->root;
}
int Server::port() const {
    return state_->port;
}
const std::string& Server::superuser() const {
    return state_->options.superuser;
}

pg::ConnParams Server::conn_params(const std::string& dbname) const {
    return params_of(*state_, dbname);
}

std::string Server::uri(const std::string& dbname) const {
    return "postgresql://" + percent_encode(state_->options.superuser) + "@" +
           percent_encode(state_->root.string()) + ":" + std::to_string(state_->port) + "/" +
           percent_encode(dbname);
}

Result<fs::path> Server::write_file(const std::string& name, std::string_view content,
                                    unsigned mode) const {
    fs::path p = state_->data / name;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (auto s = write_text(p, std::string(content), false); !s)
        return std::move(s).error();
    if (::chmod(p.c_str(), static_cast<mode_t>(mode)) != 0) {
        return make_error(ErrorKind::General, "chmod " + p.string() + ": " + errno_text(errno));
    }
    if (auto s = chown_to_server_user(*state_, p); !s)
        return std::move(s).error();
    return p;
}

Status Server::reload_with(const std::string& hba, const std::vector<std::string>& settings) {
    State& st = *state_;
    // A connection made before the reload, to check the files and to see the reload happen
    // (the new pg_hba.conf may no longer let us in).
    auto conn = pg::Connection::open(conn_params("postgres"));
    std::string loaded_before;
    if (conn) {
        auto r = conn->exec("SELECT pg_conf_load_time()::text");
        if (r && r->rows() == 1)
            loaded_before = std::string(r->value(0, 0));
    }

    std::string text = hba.empty() ? kDefaultHba : hba;
    if (text.back() != '\n')
        text += '\n';
    if (auto s = write_text(st.data / "pg_hba.conf", text, false); !s)
        return s;
    if (!settings.empty()) {
        std::string conf = "\n# pgmi ephemeral reload\n";
        for (const auto& line : settings)
            conf += line + "\n";
        if (auto s = write_text(st.data / "postgresql.conf", conf, true); !s)
            return s;
    }

    if (conn) {
        auto bad = conn->exec(
            "SELECT 'pg_hba.conf line ' || line_number || ': ' || error FROM pg_hba_file_rules "
            "WHERE error IS NOT NULL UNION ALL SELECT sourcefile || ' line ' || sourceline || "
            "': ' || error FROM pg_file_settings WHERE error IS NOT NULL");
        if (bad && bad->rows() > 0) {
            std::string msg = "invalid server configuration:";
            for (int i = 0; i < bad->rows(); ++i)
                msg += "\n" + std::string(bad->value(i, 0));
            return make_error(ErrorKind::Config, msg);
        }
    }

    pid_t pid = 0;
    {
        std::lock_guard lock(registry().mu);
        pid = st.pid;
    }
    if (pid <= 0)
        return make_error(ErrorKind::General, "server is not running");
    if (::kill(pid, SIGHUP) != 0) {
        return make_error(ErrorKind::General, "cannot signal postgres: " + errno_text(errno));
    }
    // The backend of `conn` re-reads its configuration after the postmaster did; its
    // pg_conf_load_time() changing shows the reload happened.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    bool seen = false;
    while (conn && !loaded_before.empty() && Clock::now() < deadline) {
        auto r = conn->exec("SELECT pg_conf_load_time()::text");
        if (!r)
            break;
        if (r->rows() == 1 && r->value(0, 0) != loaded_before) {
            seen = true;
            break;
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    std::this_thread::sleep_for(milliseconds(seen ? 50 : 500));
    return Status::ok();
}

void Server::stop() {
    if (!state_)
        return;  // moved-from
    std::lock_guard lock(registry().mu);
    if (state_->pid > 0)
        terminate(state_->pid, SIGINT, milliseconds(10000));
    state_->pid = 0;
}

Status Server::restart() {
    if (!state_)
        return make_error(ErrorKind::General, "server was moved away");
    stop();
    if (state_->removed)
        return make_error(ErrorKind::General, "server directory was removed");
    return start_with_port_retries(*state_, true);
}

}  // namespace pgmi::ephemeral
