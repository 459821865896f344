// Fuzzes the Cloud SQL bridge's framing of a second local client (conn/cancel_request): the bytes
// arrive in arbitrary chunks, as recv() hands them over. Invariants: no crash; the verdict on a
// prefix never contradicts the verdict on the whole (a Rejected prefix stays Rejected, Incomplete
// only while fewer than 16 bytes arrived); Cancel exactly when the input is 16 bytes with length
// 16 and code 80877102; the bridge stops reading at the first verdict that is not Incomplete, so
// it never forwards more than those 16 bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conn/cancel_request.hpp"
#include "driver/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using pgmi::conn::CancelFrame;
    using pgmi::conn::classify_cancel_request;
    using pgmi::conn::kCancelRequestSize;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto be32 = [&](size_t at) {
        return (uint32_t{data[at]} << 24) | (uint32_t{data[at + 1]} << 16) |
               (uint32_t{data[at + 2]} << 8) | uint32_t{data[at + 3]};
    };
    const bool is_cancel = size == kCancelRequestSize && be32(0) == 16 && be32(4) == 80877102;
    FUZZ_CHECK((classify_cancel_request(input) == CancelFrame::Cancel) == is_cancel);

    // Chunks as the bridge reads them: the first byte of the input (when there is one) sets the
    // chunk sizes, 1..8 bytes, the way a slow client trickles them.
    const size_t step = size == 0 ? 1 : 1 + data[0] % 8;
    size_t got = 0;
    CancelFrame frame = CancelFrame::Incomplete;
    while (frame == CancelFrame::Incomplete && got < size) {
        got = std::min(size, got + step);
        const CancelFrame next = classify_cancel_request(input.substr(0, got));
        FUZZ_CHECK(next != CancelFrame::Incomplete || got < kCancelRequestSize);
        frame = next;
    }
    FUZZ_CHECK(got <= kCancelRequestSize + 8);  // never reads on past a verdict
    if (frame == CancelFrame::Cancel) {
        FUZZ_CHECK(got == kCancelRequestSize);
        FUZZ_CHECK(be32(0) == 16 && be32(4) == 80877102);
    }
    // Every prefix of a Rejected input that is at least as long is Rejected too.
    if (classify_cancel_request(input.substr(0, std::min<size_t>(size, 8))) ==
        CancelFrame::Rejected) {
        for (size_t n = 8; n <= size; ++n)
            FUZZ_CHECK(classify_cancel_request(input.substr(0, n)) == CancelFrame::Rejected);
    }
    return 0;
}
