#include "util/deadline.hpp"

namespace pgmi {

std::atomic<int>& interrupt_signal() {
    static std::atomic<int> sig{0};
    return sig;
}

}  // namespace pgmi
