// Fuzzes MCP's stdio framing and message classification together: the input, cut into chunks at
// arbitrary points, goes through LineReader (small cap, so overlong lines happen), and every
// line through classify(). Invariants: no crash and no unbounded recursion; the lines put back
// together are the input; an Invalid message always carries a complete JSON-RPC error response
// whose id is null, a string or a number; requests have a method; every response serialises to
// one line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driver/fuzz_support.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/line_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    using namespace pgmi::mcp;
    // The first byte picks the chunk size, the rest is the stream.
    const size_t chunk = 1 + data[0] % 17;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    constexpr size_t kCap = 256;
    LineReader reader(kCap);
    std::vector<Line> lines;
    for (size_t at = 0; at < input.size(); at += chunk)
        reader.feed(input.substr(at, chunk), lines);
    if (auto last = reader.finish())
        lines.push_back(*last);

    size_t total = 0;
    for (const Line& line : lines) {
        FUZZ_CHECK(line.too_long == (line.length > kCap));
        FUZZ_CHECK(line.too_long ? line.text.empty() : line.text.size() == line.length);
        FUZZ_CHECK(line.text.find('\n') == std::string::npos);
        total += line.length + 1;
        if (line.too_long)
            continue;
        const Incoming in = classify(line.text);
        FUZZ_CHECK(in.id.is_null() || in.id.is_string() || in.id.is_number());
        if (in.kind == Incoming::Kind::Invalid) {
            FUZZ_CHECK(in.error.has_value());
            const Json& e = *in.error;
            FUZZ_CHECK(e.at("jsonrpc") == "2.0");
            FUZZ_CHECK(e.at("error").at("code").is_number_integer());
            FUZZ_CHECK(e.at("error").at("message").is_string());
            const std::string out = to_line(e);
            FUZZ_CHECK(out.find('\n') == out.size() - 1);
        } else if (in.kind != Incoming::Kind::Response) {
            FUZZ_CHECK(!in.method.empty() || line.text.find("\"method\"") != std::string::npos);
            const std::string out = to_line(result_response(in.id, in.params));
            FUZZ_CHECK(out.find('\n') == out.size() - 1);
        }
    }
    // Every byte was accounted for (a final line without '\n' counts one too many).
    const bool ends_open = !input.empty() && input.back() != '\n';
    FUZZ_CHECK(total == input.size() + (ends_open ? 1 : 0));
    return 0;
}
