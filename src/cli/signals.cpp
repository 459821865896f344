#include "cli/signals.hpp"

#include <unistd.h>

#include "util/deadline.hpp"

namespace pgmi::cli {

namespace {

void on_signal(int sig) {
    int expected = 0;
    if (interrupt_signal().compare_exchange_strong(expected, sig)) {
        static const char kMsg[] = "pgmi: interrupted, cancelling deployment...\n";
        ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
        (void)ignored;
        return;
    }
    // Second signal: the user does not want to wait for the cancel.
    _exit(sig == SIGTERM ? 143 : 130);
}

}  // namespace

ScopedSignalHandlers::ScopedSignalHandlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
}

ScopedSignalHandlers::~ScopedSignalHandlers() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
}

}  // namespace pgmi::cli
