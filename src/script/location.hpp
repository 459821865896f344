// Maps a server error position back to a line and column of the script a unit came from.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace pgmi::script
