// Ephemeral PostgreSQL: initdb, configuration, start and stop of one server. The process-wide
// registry, the helper thread and the signal cleanup live in supervisor.cpp; see server.hpp.
#include "ephemeral/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "ephemeral/supervisor.hpp"
#include "util/strings.hpp"

namespace pgmi::ephemeral {

namespace fs = std::filesystem;
using namespace detail;  // NOLINT(google-build-using-namespace): this module's own internals
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- small helpers -----------------------------------------------------------------------

namespace {

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

}  // namespace

// ---- state of one server -----------------------------------------------------------------

struct Server::State : detail::Record {
    fs::path bindir;
    fs::path data;
    fs::path log;
    int port = 0;
    Options options;
    detail::RunAs run_as;

    ~State() { detail::retire(this); }
};

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
        std::lock_guard lock(registry_mutex());
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
                std::lock_guard lock(registry_mutex());
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
                std::lock_guard lock(registry_mutex());
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
    register_record(state.get());
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
    return "postgresql://" + util::percent_encode(state_->options.superuser) + "@" +
           util::percent_encode(state_->root.string()) + ":" + std::to_string(state_->port) + "/" +
           util::percent_encode(dbname);
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
        std::lock_guard lock(registry_mutex());
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
    std::lock_guard lock(registry_mutex());
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
