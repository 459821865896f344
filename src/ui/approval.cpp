#include "ui/approval.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include "ui/terminal.hpp"
#include "util/strings.hpp"

namespace pgmi::ui {

namespace {

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        text.remove_prefix(static_cast<size_t>(n));
    }
}

/// Why waiting must stop now, if it must.
std::optional<Error> stop_reason(const Deadline& deadline, std::string_view what) {
    if (int sig = deadline.stop_signal()) {
        return make_error(sig == SIGTERM ? ErrorKind::Terminated : ErrorKind::Interrupted,
                          fmt::format("interrupted while {}", what));
    }
    if (deadline.expired()) {
        return make_error(ErrorKind::Timeout,
                          fmt::format("timeout: --timeout expired while {}", what));
    }
    return std::nullopt;
}

enum class LineStatus { Line, Eof };

/// Reads one line from `fd` (canonical terminal mode does the editing), waking every 100 ms to
/// honour the deadline and signals.
Result<LineStatus> read_line(int fd, const Deadline& deadline, std::string& line) {
    line.clear();
    for (;;) {
        if (auto stop = stop_reason(deadline, "waiting for the confirmation"))
            return *stop;
        pollfd p{fd, POLLIN, 0};
        int rc = ::poll(&p, 1, 100);
        if (rc < 0 && errno != EINTR)
            return LineStatus::Eof;
        if (rc <= 0)
            continue;
        char c = 0;
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return line.empty() ? LineStatus::Eof : LineStatus::Line;
        if (c == '\n')
            return LineStatus::Line;
        if (line.size() < 4096)
            line += c;
    }
}

}  // namespace

OverwriteApproval OverwriteApproval::detect(const EnvLookup& env, bool force) {
    OverwriteApproval a;
    a.interactive = Terminal::detect(env).interactive;
    a.force = force;
    a.banner = !non_empty(env, "PGMI_NO_BANNER").has_value();
    return a;
}

std::string danger_banner(std::string_view database) {
    const std::string name = util::quote_for_message(database);
    const std::vector<std::string> lines = {
        "          _____",
        "         /     \\",
        "        | () () |        DANGER: --overwrite --force",
        "         \\  ^  /",
        "          |||||",
        "",
        fmt::format("  Database {} will be PERMANENTLY DELETED", name),
        "  and created again, empty. ALL DATA WILL BE LOST.",
    };
    size_t width = 0;
    for (const auto& l : lines)
        width = std::max(width, l.size());
    std::string out = "+" + std::string(width + 2, '-') + "+\n";
    for (const auto& l : lines)
        out += "| " + l + std::string(width - l.size(), ' ') + " |\n";
    out += "+" + std::string(width + 2, '-') + "+\n";
    return out;
}

Status approve_overwrite(std::string_view database, const OverwriteApproval& how,
                         const Deadline& deadline) {
    const std::string name = util::quote_for_message(database);
    if (how.force && !how.interactive) {
        write_all(how.output_fd, fmt::format("--force: dropping and recreating {}\n", name));
        return Status::ok();
    }
    if (how.force) {
        if (how.banner)
            write_all(how.output_fd, danger_banner(database));
        const std::string final_line = fmt::format("--force: DROP DATABASE {} now.", name);
        size_t widest = final_line.size();
        for (int n = how.countdown_seconds; n >= 1; --n) {
            std::string text =
                fmt::format("--force: DROP DATABASE {} in {}s. Ctrl-C aborts.", name, n);
            widest = std::max(widest, text.size());
            write_all(how.output_fd, "\r" + text);
            auto until = Deadline::Clock::now() + std::chrono::seconds(1);
            while (Deadline::Clock::now() < until) {
                if (auto stop = stop_reason(deadline, "counting down to DROP DATABASE")) {
                    write_all(how.output_fd, "\n");
                    return *stop;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        write_all(how.output_fd,
                  "\r" + final_line + std::string(widest - final_line.size(), ' ') + "\n");
        return Status::ok();
    }
    if (!how.interactive) {
        return make_error(ErrorKind::Approval,
                          fmt::format("approval denied: --overwrite must be confirmed at a "
                                      "terminal, and this is not one; pass --force to drop and "
                                      "recreate {} from a script or CI job",
                                      name));
    }
    write_all(how.output_fd,
              fmt::format("WARNING: about to DROP and RECREATE database {}. This deletes all "
                          "data.\nType the database name to confirm: ",
                          name));
    std::string line;
    auto status = read_line(how.input_fd, deadline, line);
    if (!status) {
        write_all(how.output_fd, "\n");
        return status.error();
    }
    if (*status == LineStatus::Eof) {
        write_all(how.output_fd,
                  "\nNo input available. Use --force to bypass confirmation in non-interactive "
                  "mode.\n");
        return make_error(ErrorKind::Approval, "approval denied");
    }
    const std::string typed = std::string(util::trim(line));
    if (typed != database) {
        write_all(how.output_fd, fmt::format("{} does not match {}. Cancelled.\n",
                                             util::quote_for_message(typed), name));
        return make_error(ErrorKind::Approval, "approval denied");
    }
    write_all(how.output_fd, "Confirmed.\n");
    return Status::ok();
}

}  // namespace pgmi::ui
