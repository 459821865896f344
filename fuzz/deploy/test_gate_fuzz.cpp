// Fuzz target: the offline half of the test gate. Arbitrary bytes go through check_test_macros
// (as deploy.sql) and test_file_error (as the internal query of a server error; the first two
// bytes choose the position). No input may crash, and what they return must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "deploy/test_macros.hpp"
#include "driver/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2)
        return 0;
    const int position = static_cast<int>(data[0]) << 8 | data[1];
    const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);

    const auto scan = pgmi::deploy::check_test_macros(text);
    if (scan) {
        size_t last = 0;
        for (const auto& call : scan->calls) {
            FUZZ_CHECK(call.begin >= last && call.end > call.begin && call.end <= text.size());
            FUZZ_CHECK(call.line >= 1);
            last = call.end;
        }
    } else {
        FUZZ_CHECK(scan.error().kind == pgmi::ErrorKind::Config);
        FUZZ_CHECK(scan.error().message.find("\ndeploy.sql:") != std::string::npos);
    }

    pgmi::ServerError e;
    e.message = "m";
    e.internal_query = std::string(text);
    e.internal_position = position;
    const auto f = pgmi::deploy::test_file_error(e);
    if (f) {
        FUZZ_CHECK(position >= 1);
        FUZZ_CHECK(!f->path.empty());
        FUZZ_CHECK(e.message == "Failed in " + f->path + ": m");
        FUZZ_CHECK(f->location.line >= 1 && f->location.column >= 1);
        FUZZ_CHECK(f->location.source_line.size() <= text.size());
        FUZZ_CHECK(f->location.source_line.find('\n') == std::string::npos);
    } else {
        FUZZ_CHECK(e.message == "m");
    }
    return 0;
}
