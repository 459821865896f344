// Stops server work when the deploy must stop: a thread that watches the --timeout deadline and
// the interrupt signal while a query runs, sends the server a cancel request, and, if the server
// does not give the connection back within a grace period, shuts the socket down so the blocked
// call returns. No server work goes on after pgmi exits.
#pragma once

#include <atomic>
#include <condition_variable>
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

    /// The error to report instead of `cause` when the watchdog fired (keeps the server fields).
    Error stop_error(const Error& cause) const;

  private:
    void run();

    pg::Connection& conn_;
    Deadline deadline_;
    std::atomic<int> reason_{0};  // 0 = not fired, else static_cast<int>(ErrorKind)+1
    std::atomic<bool> done_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
};

}  // namespace pgmi::deploy
