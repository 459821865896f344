#include "cli/signals.hpp"

#include <unistd.h>

#include "util/deadline.hpp"

namespace pgmi::cli {

namespace {

int exit_code_for(int sig) {
    return sig == SIGTERM ? 143 : 130;
}

void say(const char* text, size_t size) {
    ssize_t ignored = write(STDERR_FILENO, text, size);
    (void)ignored;
}

void on_signal(int sig) {
    int expected = 0;
    if (interrupt_signal().compare_exchange_strong(expected, sig)) {
        static const char kMsg[] = "pgmi: interrupted, cancelling deployment...\n";
        say(kMsg, sizeof kMsg - 1);
        alarm(ScopedSignalHandlers::kBackstopSeconds);
        return;
    }
    // Second signal: the user does not want to wait for the cancel.
    _exit(exit_code_for(sig));
}

void on_backstop(int) {
    static_assert(ScopedSignalHandlers::kBackstopSeconds == 15, "keep the message in step");
    static const char kMsg[] =
        "pgmi: the deployment did not stop within 15s of the signal (the server or the network "
        "path does not answer); exiting without waiting for it\n";
    say(kMsg, sizeof kMsg - 1);
    _exit(exit_code_for(interrupt_signal().load()));
}

}  // namespace

ScopedSignalHandlers::ScopedSignalHandlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    struct sigaction alrm {};
    alrm.sa_handler = on_backstop;
    sigemptyset(&alrm.sa_mask);
    alrm.sa_flags = 0;
    sigaction(SIGALRM, &alrm, &old_alrm_);
}

ScopedSignalHandlers::~ScopedSignalHandlers() {
    alarm(0);
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGALRM, &old_alrm_, nullptr);
}

}  // namespace pgmi::cli
