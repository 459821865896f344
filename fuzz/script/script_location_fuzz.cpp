// Fuzz target: error location on arbitrary scripts, unit offsets and positions. The first bytes
// choose the offset and the position; no input may crash or yield an invalid line/column.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "driver/fuzz_support.hpp"
#include "script/location.hpp"
#include "script/splitter.hpp"

namespace {

void check(std::string_view script, size_t offset, std::string_view sent, int position) {
    const auto loc = pgmi::script::locate(script, offset, sent, position);
    if (position < 1)
        FUZZ_CHECK(!loc);
    if (!loc)
        return;
    FUZZ_CHECK(loc->line >= 1 && loc->column >= 1);
    FUZZ_CHECK(static_cast<size_t>(loc->column) <= script.size() + 1);
    FUZZ_CHECK(loc->source_line.size() <= script.size());
    FUZZ_CHECK(loc->source_line.find('\n') == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4)
        return 0;
    const size_t pick = static_cast<size_t>(data[0]) << 8 | data[1];
    const int position = static_cast<int>(static_cast<int8_t>(data[2])) * 3 + data[3];
    const std::string_view script(reinterpret_cast<const char*>(data + 4), size - 4);

    for (const auto& u : pgmi::script::split(script)) {
        check(script, u.offset, u.text, position);
        check(script, u.offset, u.text, 1);
        check(script, u.offset, u.text, static_cast<int>(u.text.size()) + 1);
        check(script, u.offset, u.text, std::numeric_limits<int>::max());
    }
    const size_t offset = script.empty() ? 0 : pick % (script.size() + 1);
    check(script, offset, script.substr(offset), position);
    // A caller bug (offset past the script) must not crash either.
    check(script, script.size() + pick, script, position);
    const auto loc = pgmi::script::locate_offset(script, pick);
    FUZZ_CHECK(loc.line == pgmi::script::line_at(script, pick));
    return 0;
}
