// normalize(): never crashes, never grows its input, and its output is already in normal form
// as far as whitespace goes. For ASCII input it is idempotent: pass 2 only shrinks whitespace
// runs that pass 1 treats as plain separators. (With non-ASCII input it need not be: U+00A0 is
// an identifier byte to the lexer but whitespace to pass 2, so trimming it can turn a following
// 'E' into an escape-string prefix.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "project/normalizer.hpp"
#include "project/utf8.hpp"

namespace {

bool is_go_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

void check(bool ok) {
    if (!ok)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::string out = pgmi::project::normalize(in);
    check(out.size() <= in.size());

    // Whitespace: only single ' ' between non-space units, none at either end.
    bool previous_space = true;  // treats the start like a space: no leading space allowed
    size_t i = 0;
    while (i < out.size()) {
        const pgmi::project::CodePoint cp = pgmi::project::decode_utf8(out, i);
        const bool space = cp.length != 0 && is_go_space(cp.value);
        if (space) {
            check(cp.value == ' ');
            check(!previous_space);
        }
        previous_space = space;
        i += cp.length == 0 ? 1 : cp.length;
    }
    check(out.empty() || !previous_space);

    bool ascii = true;
    for (char c : in)
        ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii)
        check(pgmi::project::normalize(out) == out);
    return 0;
}
