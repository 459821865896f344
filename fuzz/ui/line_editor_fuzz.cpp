// Fuzzes terminal key decoding and the line editor with raw bytes, as a terminal would send
// them. Invariants: no crash; decoding always makes progress; the editor's cursor stays inside
// its text and on a UTF-8 character boundary; Tab completion only ever yields candidates.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ui/line_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    pgmi::ui::Completer completer = [](const std::string& in) {
        return std::vector<std::string>{in + "a/", in + "b/", "x\xc3\xa9/"};
    };
    pgmi::ui::LineEditor editor("init\xe2\x9c\x93", completer);
    std::size_t guard = 0;
    while (!input.empty()) {
        std::size_t used = 0;
        auto key = pgmi::ui::decode_key(input, true, used);
        if (!key || used == 0 || used > input.size())
            std::abort();
        input.remove_prefix(used);
        editor.apply(*key);
        const std::string& text = editor.text();
        if (editor.cursor() > text.size())
            std::abort();
        if (editor.cursor() < text.size() &&
            (static_cast<unsigned char>(text[editor.cursor()]) & 0xC0) == 0x80)
            std::abort();
        if (++guard > size + 1)
            std::abort();
    }
    // Incomplete decoding never consumes anything.
    std::size_t used = 7;
    std::string_view again(reinterpret_cast<const char*>(data), size);
    if (!pgmi::ui::decode_key(again, false, used) && used != 0)
        std::abort();
    return 0;
}
