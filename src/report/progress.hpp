// The live progress line on a terminal: one line on stderr ("unit 2 of 5 · ./__test__/x.sql ·
// 3.4s"), redrawn in place, cleared before anything else is printed so it never mixes with
// notices. Off (every call a no-op) when stderr is not a terminal or in CI.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace pgmi::report {

class ProgressLine {
  public:
    explicit ProgressLine(bool enabled);
    ~ProgressLine();  // clears the line
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    bool enabled() const { return enabled_; }
    /// Sets the unit counter (1-based k of n).
    void unit(size_t k, size_t n);
    /// Sets what runs now (a test or file path); empty clears it.
    void activity(std::string_view what);
    /// Writes `text` to stderr with the progress line cleared first and redrawn after.
    void print(std::string_view text);

  private:
    void tick();
    void draw_locked();
    void clear_locked();

    const bool enabled_;
    const std::chrono::steady_clock::time_point start_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool drawn_ = false;
    size_t k_ = 0, n_ = 0;
    std::string activity_;
    std::thread ticker_;
};

}  // namespace pgmi::report
