#include "ephemeral/process.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace pgmi::ephemeral::detail {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string errno_text(int err) {
    return std::strerror(err);
}

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

}  // namespace pgmi::ephemeral::detail
