// Fuzz target: the test gate's INFO markers as the TestRecorder reads them. Arbitrary bytes are
// cut into notices (the first byte of each picks its SQLSTATE, the rest is its DETAIL). No input
// may crash; a notice is consumed exactly when its SQLSTATE is one of the markers; finish() never
// reports a case without a path, nor more cases than markers seen.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "deploy/test_recorder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    static const char* const kCodes[] = {"PGMT1", "PGMT2", "PGMT3", "00000", "P0001", ""};
    pgmi::deploy::TestRecorder recorder;
    size_t markers = 0;
    size_t start = 0;
    while (start < input.size()) {
        size_t end = input.find('\n', start);
        if (end == std::string_view::npos)
            end = input.size();
        const std::string_view piece = input.substr(start, end - start);
        pgmi::ServerError notice;
        notice.severity = "INFO";
        notice.sqlstate = kCodes[piece.empty() ? 0 : static_cast<unsigned char>(piece[0]) % 6];
        notice.detail = std::string(piece.empty() ? piece : piece.substr(1));
        const bool marker = notice.sqlstate.rfind("PGMT", 0) == 0;
        std::string running;
        if (recorder.observe(notice, &running) != marker)
            std::abort();
        markers += marker ? 1 : 0;
        start = end + 1;
    }
    for (bool failed : {false, true}) {
        std::optional<pgmi::Error> error;
        if (failed)
            error = pgmi::make_error(pgmi::ErrorKind::Execution, "boom");
        const pgmi::report::TestRun run = recorder.finish(error);
        if (run.cases.size() > markers)
            std::abort();
        for (const auto& c : run.cases) {
            if (c.path.empty())
                std::abort();
        }
    }
    return 0;
}
