// Splits a byte stream into '\n'-terminated lines (MCP's stdio framing), holding at most
// `max_line` bytes of one line: a longer line is reported as too long, with its length, and
// skipped to its end, so a client cannot make the server buffer without bound.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::mcp {

struct Line {
    std::string text;       // without the '\n'; empty when too_long
    bool too_long = false;  // the line was longer than max_line and was dropped
    size_t length = 0;      // the line's length in bytes, whatever happened to it
};

class LineReader {
  public:
    explicit LineReader(size_t max_line) : max_line_(max_line) {}

    /// Consumes `bytes`; every line they complete is appended to `out`.
    void feed(std::string_view bytes, std::vector<Line>& out);

    /// At end of input: the final line that had no '\n', if it has any bytes.
    std::optional<Line> finish();

  private:
    size_t max_line_;
    std::string pending_;
    size_t pending_length_ = 0;  // bytes of the current line so far (pending_ stops at the cap)
    bool overflowed_ = false;
};

}  // namespace pgmi::mcp
