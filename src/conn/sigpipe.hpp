// Writing to a socket whose peer has gone raises SIGPIPE, which would end pgmi. OpenSSL writes
// with plain write(), so code that drives a TLS socket blocks SIGPIPE on its own thread for the
// duration and swallows one that arrived meanwhile (libpq does the same around its sends). The
// write itself then fails with EPIPE, which the caller handles.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace pgmi::conn {

class SigpipeGuard {
  public:
    SigpipeGuard() {
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &block, &old_);
    }
    ~SigpipeGuard() {
        if (!was_pending_) {
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            const timespec zero{0, 0};
            while (sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

  private:
    sigset_t old_{};
    bool was_pending_ = false;
};

}  // namespace pgmi::conn
