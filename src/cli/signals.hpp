// SIGINT/SIGTERM while a deploy runs: the first signal records itself (the deploy's watchdog
// cancels the server work and the deploy unwinds normally, so the exit code is 130 or 143 and
// an --ephemeral server is still removed); a second one exits at once.
//
// Watchdogs guard the session and maintenance connections, and a single-host connect checks for
// the signal itself. A wait nothing watches (libpq's blocking loop over several hosts, a cloud
// credential request, a lock release on the old target's connection) can still block on a dead
// network path, so the first signal also arms a backstop (SIGALRM): if the deploy is still
// running kBackstopSeconds later, pgmi exits with the signal's code without waiting any longer.
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
