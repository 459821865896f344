// SIGINT/SIGTERM while a deploy runs: the first signal records itself (the deploy's watchdog
// cancels the server work and the deploy unwinds normally, so the exit code is 130 or 143 and
// an --ephemeral server is still removed); a second one exits at once.
//
// The watchdog only watches the session connection. A step it does not watch (connecting,
// creating or recreating the target) can block on a dead network path, so the first signal also
// arms a backstop (SIGALRM): if the deploy is still running kBackstopSeconds later, pgmi exits
// with the signal's code without waiting any longer.
#pragma once

#include <csignal>

namespace pgmi::cli {

class ScopedSignalHandlers {
  public:
    /// The watchdog's 5-s cancel grace plus ample time to unwind.
    static constexpr unsigned kBackstopSeconds = 15;

    ScopedSignalHandlers();
    ~ScopedSignalHandlers();
    ScopedSignalHandlers(const ScopedSignalHandlers&) = delete;
    ScopedSignalHandlers& operator=(const ScopedSignalHandlers&) = delete;

  private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
    struct sigaction old_alrm_ {};
};

}  // namespace pgmi::cli
