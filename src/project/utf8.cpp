#include "project/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace pgmi::project {

namespace {

unsigned char byte_at(std::string_view s, size_t i) {
    return static_cast<unsigned char>(s[i]);
}

bool continuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

}  // namespace

CodePoint decode_utf8(std::string_view s, size_t pos) {
    const unsigned char b0 = byte_at(s, pos);
    if (b0 < 0x80)
        return {b0, 1};
    const size_t left = s.size() - pos;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (left < 2 || !continuation(byte_at(s, pos + 1)))
            return {};
        return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (byte_at(s, pos + 1) & 0x3F)), 2};
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (left < 3)
            return {};
        const unsigned char b1 = byte_at(s, pos + 1);
        const unsigned char b2 = byte_at(s, pos + 2);
        // E0 needs A0..BF (no overlongs); ED needs 80..9F (no surrogates).
        const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
        const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
        if (b1 < lo || b1 > hi || !continuation(b2))
            return {};
        return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)), 3};
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (left < 4)
            return {};
        const unsigned char b1 = byte_at(s, pos + 1);
        const unsigned char b2 = byte_at(s, pos + 2);
        const unsigned char b3 = byte_at(s, pos + 3);
        // F0 needs 90..BF (no overlongs); F4 needs 80..8F (nothing above U+10FFFF).
        const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
        const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (b1 < lo || b1 > hi || !continuation(b2) || !continuation(b3))
            return {};
        return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) |
                                      ((b2 & 0x3F) << 6) | (b3 & 0x3F)),
                4};
    }
    return {};  // 80..C1 (continuation or overlong lead), F5..FF
}

size_t first_invalid_utf8(std::string_view s) {
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        // ASCII fast path, eight bytes at a time.
        while (i + 8 <= n) {
            uint64_t word;
            std::memcpy(&word, s.data() + i, sizeof word);
            if ((word & 0x8080808080808080ULL) != 0)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (byte_at(s, i) < 0x80) {
            ++i;
            continue;
        }
        const CodePoint cp = decode_utf8(s, i);
        if (cp.length == 0)
            return i;
        i += cp.length;
    }
    return std::string_view::npos;
}

}  // namespace pgmi::project
