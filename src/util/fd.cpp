#include "util/fd.hpp"

#include <unistd.h>

namespace pgmi::util {

void Fd::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // No retry on EINTR: on Linux the descriptor is released even then, and a retry could close
    // a descriptor another thread has just been given.
    if (old >= 0)
        ::close(old);
}

}  // namespace pgmi::util
