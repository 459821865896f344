// Strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), the
// rule project files and the normalizer share.
#pragma once

#include <cstddef>
#include <string_view>

namespace pgmi::project {

struct CodePoint {
    char32_t value = 0;
    size_t length = 0;  // bytes consumed; 0 when the sequence at the position is invalid
};

/// Decodes the code point starting at `s[pos]` (pos < s.size()).
CodePoint decode_utf8(std::string_view s, size_t pos);

/// Offset of the first byte that does not start a valid sequence, or npos when `s` is valid.
size_t first_invalid_utf8(std::string_view s);

}  // namespace pgmi::project
