#include "deploy/watchdog.hpp"

#include <sys/socket.h>

#include <csignal>

namespace pgmi::deploy {

namespace {
constexpr auto kTick = std::chrono::milliseconds(20);
constexpr auto kCancelGrace = std::chrono::seconds(5);
}  // namespace

Watchdog::Watchdog(pg::Connection& conn, Deadline deadline)
    : conn_(conn), deadline_(deadline), thread_([this] { run(); }) {}

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

Error Watchdog::stop_error(const Error& cause) const {
    Error e = cause;
    switch (fired().value_or(ErrorKind::Timeout)) {
        case ErrorKind::Interrupted:
            e.kind = ErrorKind::Interrupted;
            e.message =
                "interrupted (SIGINT): the running statement was cancelled and the open "
                "transaction rolled back";
            break;
        case ErrorKind::Terminated:
            e.kind = ErrorKind::Terminated;
            e.message =
                "terminated (SIGTERM): the running statement was cancelled and the open "
                "transaction rolled back";
            break;
        default:
            e.kind = ErrorKind::Timeout;
            e.message =
                "timeout: --timeout expired; the running statement was cancelled and the "
                "open transaction rolled back";
            break;
    }
    return e;
}

void Watchdog::run() {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Deadline::Clock::time_point> cancelled_at;
    while (!done_) {
        cv_.wait_for(lock, kTick);
        if (done_)
            break;
        if (!cancelled_at) {
            ErrorKind why;
            if (int sig = interrupt_signal().load()) {
                why = sig == SIGTERM ? ErrorKind::Terminated : ErrorKind::Interrupted;
            } else if (deadline_.expired()) {
                why = ErrorKind::Timeout;
            } else {
                continue;
            }
            reason_ = static_cast<int>(why) + 1;
            (void)conn_.cancel();
            cancelled_at = Deadline::Clock::now();
        } else if (Deadline::Clock::now() - *cancelled_at > kCancelGrace) {
            // The server did not answer the cancel request: stop waiting for it.
            ::shutdown(PQsocket(conn_.raw()), SHUT_RDWR);
            break;
        }
    }
}

}  // namespace pgmi::deploy
