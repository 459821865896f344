#include "pgbouncer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace pgmi::test {

namespace {

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

bool port_open(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

}  // namespace

Pgbouncer::Pgbouncer(const std::string& pool_mode) {
    ephemeral::Server& pg = server();
    port_ = free_port();
    dir_.write("users.txt", "\"postgres\" \"\"\n");
    dir_.write(
        "pgbouncer.ini",
        "[databases]\n* = host=" + pg.socket_dir().string() + " port=" + std::to_string(pg.port()) +
            "\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " + std::to_string(port_) +
            "\nunix_socket_dir =\nauth_type = trust\nauth_file = " +
            (dir_.path() / "users.txt").string() + "\npool_mode = " + pool_mode +
            "\ndefault_pool_size = 4\nmax_client_conn = 50\nlogfile = " +
            (dir_.path() / "pgbouncer.log").string() +
            "\nadmin_users = postgres\nignore_startup_parameters = extra_float_digits\n");
    chmod(dir_.path().c_str(), 0777);
    pid_ = fork();
    if (pid_ == 0) {
        if (geteuid() == 0) {
            passwd* pw = getpwnam("postgres");
            if (pw == nullptr || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
                _exit(126);
        }
        execl("/usr/sbin/pgbouncer", "pgbouncer", "-q", (dir_.path() / "pgbouncer.ini").c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 200 && !port_open(port_); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!port_open(port_))
        ADD_FAILURE() << "pgbouncer did not start on port " << port_;
}

Pgbouncer::~Pgbouncer() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

std::vector<std::string> Pgbouncer::connection_args(const std::string& db) const {
    return {"--connection",
            "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres", "-d", db};
}

}  // namespace pgmi::test
