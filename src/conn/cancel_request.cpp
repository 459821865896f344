#include "conn/cancel_request.hpp"

#include <cstdint>

namespace pgmi::conn {
namespace {

constexpr uint32_t kCancelRequestCode = 80877102;

uint32_t be32(std::string_view s, std::size_t at) {
    auto b = [&](std::size_t i) { return uint32_t{static_cast<unsigned char>(s[at + i])}; };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

CancelFrame classify_cancel_request(std::string_view received) {
    if (received.size() > kCancelRequestSize)
        return CancelFrame::Rejected;
    if (received.size() >= 8 &&
        (be32(received, 0) != kCancelRequestSize || be32(received, 4) != kCancelRequestCode))
        return CancelFrame::Rejected;
    return received.size() == kCancelRequestSize ? CancelFrame::Cancel : CancelFrame::Incomplete;
}

}  // namespace pgmi::conn
