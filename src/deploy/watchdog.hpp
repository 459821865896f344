// Stops server work when the deploy must stop: a thread that watches the --timeout deadline and
// the interrupt signal while a query runs, sends the server a cancel request, and, if the server
// does not give the connection back within a grace period (counted from the moment it fired),
// shuts the socket down so the blocked call returns. The cancel request runs on a thread of its
// own that nobody waits for: on a stalled network path it may never finish, and pgmi must still
// stop within the grace. Work the server had already received ends with the connection (an open
// transaction rolls back when the server notices the client is gone).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "pg/connection.hpp"
#include "util/deadline.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

class Watchdog {
  public:
    Watchdog(pg::Connection& conn, Deadline deadline);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// Why it fired: Timeout, Interrupted or Terminated; nullopt while it has not.
    std::optional<ErrorKind> fired() const;

    /// Where the deploy stood when it stopped: in a statement the server was running, just
    /// before a head's held-back COMMIT, or between execution units.
    enum class At { Statement, BeforeCommit, BetweenUnits };

    /// The error to report instead of `cause` when the watchdog fired (keeps the server fields).
    Error stop_error(const Error& cause, At at = At::Statement) const;

    /// How long the server has to answer a cancel request before pgmi closes the connection.
    static constexpr std::chrono::seconds kCancelGrace{5};

  private:
    void run();
    void send_cancel();

    pg::Connection& conn_;
    Deadline deadline_;
    // Made on the caller's thread at construction; shared with the cancel thread, which may
    // outlive this watchdog and the connection.
    std::shared_ptr<PGcancel> cancel_;
    std::atomic<int> reason_{0};          // 0 = not fired, else static_cast<int>(ErrorKind)+1
    std::atomic<bool> abandoned_{false};  // the grace ran out and the socket was shut down
    std::atomic<bool> done_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
};

}  // namespace pgmi::deploy
