// Fuzzes the redactor with hostile server text up to 1 MB. Input layout: one control byte, a
// secret up to the first NUL, then the text. Two values of the control byte's low six bits
// repeat the text up to 1 MB or 64 KB, so the standalone driver's small mutations also reach
// the sizes that overflowed the old regex engine's stack (about 30 KB).
// Invariants: no crash; the registered secret never appears in the output; a `password=V` that
// the harness plants in the text never survives; text without any pattern trigger and without
// the secret comes back unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/redact.hpp"

namespace {

constexpr size_t kMaxText = size_t{1} << 20;

/// Bytes the masks themselves write ("password=[redacted]", ":[redacted]@"): a secret made of
/// others cannot be re-formed by a mask next to ordinary text, so "never appears" is exact.
bool in_mask_alphabet(char c) {
    return std::string_view("password=[redacted]:@").find(c) != std::string_view::npos;
}

bool is_bare_value_char(char c) {
    return std::string_view(" \t\n\v\f\r&;'\"").find(c) == std::string_view::npos;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return !needle.empty() && haystack.find(needle) != std::string::npos;
}

bool lower_contains(const std::string& haystack, std::string_view needle) {
    std::string lower = haystack;
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return lower.find(needle) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    const auto control = static_cast<unsigned char>(data[0]);
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const size_t nul = rest.find('\0');
    std::string_view secret_part = rest.substr(0, nul == std::string_view::npos ? 0 : nul);
    std::string_view text_part = nul == std::string_view::npos ? rest : rest.substr(nul + 1);
    if (text_part.size() > kMaxText)
        text_part = text_part.substr(0, kMaxText);

    std::string secret;
    for (char c : secret_part.substr(0, 64)) {
        if (!in_mask_alphabet(c))
            secret += c;
    }
    std::string text(text_part);
    // Size classes: 1 MB for 1 input in 64, 64 KB for another 1 in 64 (cheaper, so the smoke
    // run's seeds can exercise both often).
    const size_t grow_to = (control & 0x3F) == 0x3F   ? kMaxText
                           : (control & 0x3F) == 0x1F ? kMaxText / 16
                                                      : 0;
    if (!text.empty()) {
        while (text.size() < grow_to)
            text.append(text, 0, std::min(text.size(), grow_to - text.size()));
    }

    // A planted assignment whose value is known: the text's first bare-value bytes (no '['
    // first, so it cannot be the mask itself).
    std::string value;
    for (char c : text.substr(0, 32)) {
        if (!is_bare_value_char(c))
            break;
        value += c;
    }
    const bool plant = (control & 0x40) != 0 && !value.empty() && value.front() != '[';
    if (plant)
        text = text + " password=" + value + " " + text;

    pgmi::report::Redactor redact;
    redact.add_secret(secret);
    const std::string out = redact(text);
    const bool registered = secret.size() >= 3;  // shorter ones are ignored by design

    if (registered && contains(out, secret))
        std::abort();
    if (plant && contains(out, "password=" + value))
        std::abort();
    // Nothing to mask: the text passes untouched (no trigger for either pattern, no secret).
    if (!lower_contains(text, "password") && text.find("://") == std::string::npos &&
        !(registered && contains(text, secret)) && out != text)
        std::abort();
    return 0;
}
