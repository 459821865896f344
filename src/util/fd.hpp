// An owned POSIX file descriptor: closed exactly once, when its owner goes away. Move-only, so
// ownership is always visible in the code; release() hands the descriptor to code that closes it
// itself (fdopendir, a close whose error matters).
#pragma once

#include <utility>

namespace pgmi::util {

class Fd {
  public:
    Fd() = default;
    /// Takes ownership of `fd`; a negative value means "no descriptor" (e.g. a failed open).
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd() { reset(); }

    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    /// The descriptor, still owned (-1 when none).
    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    /// Gives up ownership without closing; returns the descriptor.
    int release() noexcept { return std::exchange(fd_, -1); }

    /// Closes the current descriptor (errors ignored: nothing useful can follow) and owns `fd`.
    void reset(int fd = -1) noexcept;

  private:
    int fd_ = -1;
};

}  // namespace pgmi::util
