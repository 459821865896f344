// Helpers shared by the test binaries: the per-binary PostgreSQL, running the pgmi binary as a
// child process, and temporary project directories.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ephemeral/server.hpp"

namespace pgmi::test {

/// The PostgreSQL of this test binary, started on first use and stopped at exit.
ephemeral::Server& server();

/// A fresh database name, unique within this binary ("t_<n>_<suffix>").
std::string unique_db(const std::string& suffix = "");

/// Runs one query on `db` of server() as the superuser and returns the first column of each row
/// (NULL as "<null>"). Fails the current test on error.
std::vector<std::string> query(const std::string& db, const std::string& sql);

/// Same, but returns the error message instead of failing (empty when it succeeded).
std::string query_error(const std::string& db, const std::string& sql);

struct RunResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

struct RunOptions {
    std::map<std::string, std::optional<std::string>> env;  // nullopt = unset
    bool clear_pg_env = true;  // unset PG*, DATABASE_URL, PGMI_* before applying env
    std::optional<std::filesystem::path> cwd;
    std::string stdin_data;
    int timeout_seconds = 120;
};

/// Runs the pgmi binary with `args` (argv[1..]); stdout and stderr are captured separately.
RunResult run_pgmi(const std::vector<std::string>& args, const RunOptions& options = {});

/// `argv` run under an address-space limit of `kib` KiB (`ulimit -v`), so a test of "never reads
/// an endless file" fails fast instead of exhausting the machine. Under AddressSanitizer the
/// limit cannot apply (ASan reserves terabytes of shadow address space at start): `argv` is
/// returned unchanged, and the run's timeout is what bounds a regression there.
std::vector<std::string> with_address_space_cap(std::vector<std::string> argv, size_t kib);

/// Runs any program (no shell) the same way.
RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

/// A program running in the background with captured stdout/stderr (for signal tests).
class Process {
  public:
    Process(const std::vector<std::string>& argv, const RunOptions& options = {});
    ~Process();  // kills the process if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    /// Waits for exit (up to options.timeout_seconds) and returns what it printed.
    RunResult wait();

  private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    int timeout_seconds_ = 120;
    bool waited_ = false;
};

/// Starts the pgmi binary in the background.
std::unique_ptr<Process> spawn_pgmi(const std::vector<std::string>& args,
                                    const RunOptions& options = {});

/// A temporary directory removed at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    /// Writes `content` to `relative` (parents created) and returns the full path.
    std::filesystem::path write(const std::string& relative, const std::string& content) const;

  private:
    std::filesystem::path path_;
};

/// The whole content of a file ("" when it cannot be read), for checking what a run wrote.
std::string read_whole_file(const std::filesystem::path& path);

/// Arguments that point pgmi at server() over its Unix socket, deploying into `db`.
std::vector<std::string> connection_args(const std::string& db);

/// `deploy <project>`, connection_args(db), then `extra`.
std::vector<std::string> deploy_args(const std::filesystem::path& project, const std::string& db,
                                     const std::vector<std::string>& extra = {});

/// How many backends of `db` run pg_sleep right now (the asking session aside).
int sleeping_backends(const std::string& db);

/// Waits up to 10 s for a backend of `db` to run pg_sleep; false when none did.
bool wait_for_sleep(const std::string& db);

}  // namespace pgmi::test
