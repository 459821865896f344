// SIGINT/SIGTERM while a deploy runs: the first signal records itself (the deploy's watchdog
// cancels the server work and the deploy unwinds normally, so the exit code is 130 or 143 and
// an --ephemeral server is still removed); a second one exits at once.
#pragma once

#include <csignal>

namespace pgmi::cli {

class ScopedSignalHandlers {
  public:
    ScopedSignalHandlers();
    ~ScopedSignalHandlers();
    ScopedSignalHandlers(const ScopedSignalHandlers&) = delete;
    ScopedSignalHandlers& operator=(const ScopedSignalHandlers&) = delete;

  private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace pgmi::cli
