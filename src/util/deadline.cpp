#include "util/deadline.hpp"

namespace pgmi {

std::atomic<int>& interrupt_signal() {
    static std::atomic<int> sig{0};
    return sig;
}

int Deadline::stop_signal() const {
    if (const int sig = interrupt_signal().load())
        return sig;
    return stop_ ? stop_->load() : 0;
}

}  // namespace pgmi
