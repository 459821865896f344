#include "config/text.hpp"

#include <cstdint>

namespace pgmi::config::text {

namespace {

bool is_ascii_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string_view strip_bom(std::string_view s) {
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (s.substr(0, kBom.size()) == kBom)
        s.remove_prefix(kBom.size());
    return s;
}

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;  // continuation byte, overlong lead (C0, C1) or > F4
        }
        if (s.size() - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0u) != 0x80u)
                return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return false;  // overlong
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return false;  // surrogate
        if (cp > 0x10FFFF)
            return false;
        i += len;
    }
    return true;
}

bool is_name_like(std::string_view s, std::size_t max_bytes, bool allow_space) {
    if (s.empty() || s.size() > max_bytes || !is_valid_utf8(s))
        return false;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80 || is_ascii_alnum(c) || c == '_' || c == '.' || c == '-')
            continue;
        if (c == ' ' && allow_space)
            continue;
        return false;
    }
    return true;
}

}  // namespace pgmi::config::text
