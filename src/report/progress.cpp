#include "report/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace pgmi::report {

ProgressLine::ProgressLine(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()) {
    if (enabled_)
        ticker_ = std::thread([this] { tick(); });
}

ProgressLine::~ProgressLine() {
    if (!enabled_)
        return;
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
        clear_locked();
    }
    cv_.notify_all();
    ticker_.join();
}

void ProgressLine::unit(size_t k, size_t n) {
    if (!enabled_)
        return;
    std::lock_guard<std::mutex> lock(mu_);
    k_ = k;
    n_ = n;
    draw_locked();
}

void ProgressLine::activity(std::string_view what) {
    if (!enabled_)
        return;
    std::lock_guard<std::mutex> lock(mu_);
    activity_ = what;
    draw_locked();
}

void ProgressLine::print(std::string_view text) {
    if (!enabled_) {
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
        return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    clear_locked();
    std::fwrite(text.data(), 1, text.size(), stderr);
    draw_locked();
}

void ProgressLine::tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
        cv_.wait_for(lock, std::chrono::milliseconds(200));
        if (!stop_)
            draw_locked();
    }
}

void ProgressLine::draw_locked() {
    if (n_ == 0 || stop_)
        return;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string line = fmt::format("unit {} of {}", k_, n_);
    if (!activity_.empty())
        line += " \u00b7 " + activity_;
    line += fmt::format(" \u00b7 {:.1f}s", secs);
    // \r + erase-line: redraw in place; the line is never terminated by a newline.
    std::string out = "\r\x1b[2K" + line;
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressLine::clear_locked() {
    if (!drawn_)
        return;
    std::fputs("\r\x1b[2K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace pgmi::report
