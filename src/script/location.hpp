// Maps a server error position back to a line and column of the script a unit came from.
// Positions are resolved against the full script, not the unit, so columns count every code
// point before the statement on its line and the source line is the script's real line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::script {

struct Location {
    int line;                 // 1-based
    int column;               // 1-based, in code points
    std::string source_line;  // that line of the script, without the trailing \r\n
};

/// `position` is PostgreSQL's 1-based character (code point) position inside the text that was
/// sent, which starts at byte `offset` of `script`. Returns nullopt when position is 0 or past the
/// end of the sent text + 1.
std::optional<Location> locate(std::string_view script, size_t offset, std::string_view sent,
                               int position);

/// Byte offset in `text` of the 1-based code point `position` (size() for length + 1); nullopt
/// when position < 1 or > length + 1. Any byte that is not a UTF-8 continuation starts a code
/// point.
std::optional<size_t> byte_of_position(std::string_view text, int position);

/// Line, column and source line of byte `offset` of `script` (clamped to its size).
Location locate_offset(std::string_view script, size_t offset);

/// Lines `first` to `last` (1-based, inclusive, clamped to the text) of `text`, without their
/// line ends; empty when the range holds none. For the excerpt around an error.
std::vector<std::string> lines_of(std::string_view text, int first, int last);

/// 1-based line of byte `offset` of `text` (1 + newlines before it; offset clamped).
int line_at(std::string_view text, size_t offset);

}  // namespace pgmi::script
