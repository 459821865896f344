#include "deploy/watchdog.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sys/socket.h>

#include <csignal>
#include <utility>

namespace pgmi::deploy {

namespace {
constexpr auto kTick = std::chrono::milliseconds(20);
}  // namespace

Watchdog::Watchdog(pg::Connection& conn, Deadline deadline)
    : conn_(conn),
      deadline_(std::move(deadline)),
      cancel_(PQgetCancel(conn.raw()), &PQfreeCancel),
      thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        done_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::optional<ErrorKind> Watchdog::fired() const {
    int r = reason_.load();
    if (r == 0)
        return std::nullopt;
    return static_cast<ErrorKind>(r - 1);
}

Error Watchdog::stop_error(const Error& cause, At at) const {
    Error e = cause;
    std::string why;
    switch (fired().value_or(ErrorKind::Timeout)) {
        case ErrorKind::Interrupted:
            e.kind = ErrorKind::Interrupted;
            why = "interrupted (SIGINT):";
            break;
        case ErrorKind::Terminated:
            e.kind = ErrorKind::Terminated;
            why = "terminated (SIGTERM):";
            break;
        default:
            e.kind = ErrorKind::Timeout;
            why = "timeout: --timeout expired;";
            break;
    }
    if (abandoned_) {
        // Nothing came back, so pgmi cannot say what the server did; only what it will do.
        e.message = fmt::format(
            "{} the server did not answer the cancel request within {}s, so pgmi closed the "
            "connection; the server rolls back the open transaction when it notices",
            why, kCancelGrace.count());
    } else if (at == At::BeforeCommit) {
        e.message = fmt::format(
            "{} pgmi stopped before sending the head's COMMIT, so nothing of the head was "
            "committed",
            why);
    } else if (at == At::BetweenUnits) {
        e.message = fmt::format(
            "{} pgmi stopped between execution units; units it had sent before stay committed",
            why);
    } else {
        e.message = fmt::format(
            "{} the running statement was cancelled and the open transaction rolled back", why);
    }
    return e;
}

void Watchdog::send_cancel() {
    if (!cancel_)
        return;
    // PQcancel connects anew and then waits, without a timeout, for the server to close that
    // connection; on a stalled path the wait never ends. The thread owns its share of the
    // handle and is never joined: the grace below does not depend on it.
    try {
        std::thread([handle = cancel_] {
            // A peer that resets the cancel connection must not end pgmi with SIGPIPE; blocked
            // here, it stays pending on this thread, which ends without ever taking it.
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
            char errbuf[256] = {0};
            (void)PQcancel(handle.get(), errbuf, sizeof errbuf);
        }).detach();
    } catch (const std::system_error&) {
        // No thread: the grace still ends the wait.
    }
}

void Watchdog::run() {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Deadline::Clock::time_point> fired_at;
    while (!done_) {
        cv_.wait_for(lock, kTick);
        if (done_)
            break;
        if (!fired_at) {
            ErrorKind why;
            if (int sig = deadline_.stop_signal()) {
                why = sig == SIGTERM ? ErrorKind::Terminated : ErrorKind::Interrupted;
            } else if (deadline_.expired()) {
                why = ErrorKind::Timeout;
            } else {
                continue;
            }
            reason_ = static_cast<int>(why) + 1;
            fired_at = Deadline::Clock::now();
            send_cancel();
        } else if (Deadline::Clock::now() - *fired_at > kCancelGrace) {
            // The server did not give the connection back: stop waiting for it.
            abandoned_ = true;
            ::shutdown(PQsocket(conn_.raw()), SHUT_RDWR);
            break;
        }
    }
}

}  // namespace pgmi::deploy
