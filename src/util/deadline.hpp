// One deadline over a whole deploy (--timeout), plus the process's interrupt state, so every
// blocking step can ask "should I stop, and why?".
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace pgmi {

class Deadline {
  public:
    using Clock = std::chrono::steady_clock;

    /// No deadline.
    Deadline() = default;
    /// A deadline `timeout` from now; zero means none.
    static Deadline after(std::chrono::nanoseconds timeout) {
        Deadline d;
        if (timeout.count() > 0)
            d.at_ = Clock::now() + timeout;
        return d;
    }
    bool unlimited() const { return !at_.has_value(); }
    bool expired() const { return at_ && Clock::now() >= *at_; }
    /// Time left (zero when expired); nullopt when unlimited.
    std::optional<std::chrono::milliseconds> remaining() const {
        if (!at_)
            return std::nullopt;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at_ - Clock::now());
        return left.count() > 0 ? left : std::chrono::milliseconds(0);
    }
    std::optional<Clock::time_point> at() const { return at_; }

    /// The same deadline, also stopped when `*stop` becomes non-zero: one run's own stop
    /// request (`pgmi serve` cancels one deploy among several), holding the signal whose
    /// meaning it has (SIGINT: interrupted, SIGTERM: terminated).
    Deadline with_stop(std::shared_ptr<const std::atomic<int>> stop) const {
        Deadline d = *this;
        d.stop_ = std::move(stop);
        return d;
    }

    /// The signal that asks this run to stop: the process's (interrupt_signal()), else the
    /// run's own stop request; 0 while neither asked.
    int stop_signal() const;

  private:
    std::optional<Clock::time_point> at_;
    std::shared_ptr<const std::atomic<int>> stop_;
};

/// The signal that asked pgmi to stop (SIGINT/SIGTERM), or 0. Set by the signal handler.
std::atomic<int>& interrupt_signal();

}  // namespace pgmi
