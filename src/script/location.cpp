#include "script/location.hpp"

#include <algorithm>

namespace pgmi::script {

namespace {

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::optional<size_t> byte_of_position(std::string_view text, int position) {
    if (position < 1)
        return std::nullopt;
    long remaining = position - 1;  // code points to step over
    size_t i = 0;
    while (remaining > 0) {
        if (i >= text.size())
            return std::nullopt;
        ++i;
        while (i < text.size() && is_continuation(text[i]))
            ++i;
        --remaining;
    }
    return i;
}

Location locate_offset(std::string_view script, size_t offset) {
    offset = std::min(offset, script.size());
    const std::string_view before = script.substr(0, offset);
    const size_t nl = before.rfind('\n');
    const size_t line_begin = nl == std::string_view::npos ? 0 : nl + 1;
    int column = 1;
    for (size_t i = line_begin; i < offset; ++i) {
        if (!is_continuation(script[i]))
            ++column;
    }
    size_t line_end = script.find('\n', offset);
    if (line_end == std::string_view::npos)
        line_end = script.size();
    std::string_view source = script.substr(line_begin, line_end - line_begin);
    if (!source.empty() && source.back() == '\r')
        source.remove_suffix(1);
    return Location{line_at(script, offset), column, std::string(source)};
}

std::vector<std::string> lines_of(std::string_view text, int first, int last) {
    std::vector<std::string> out;
    first = std::max(first, 1);
    int n = 1;
    size_t start = 0;
    while (n <= last && start <= text.size()) {
        size_t end = text.find('\n', start);
        const bool final_line = end == std::string_view::npos;
        if (final_line)
            end = text.size();
        if (final_line && start == text.size() && n > 1)
            break;  // the empty "line" after a final newline
        if (n >= first) {
            std::string_view line = text.substr(start, end - start);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            out.emplace_back(line);
        }
        ++n;
        start = end + 1;
    }
    return out;
}

int line_at(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(
                   text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::optional<Location> locate(std::string_view script, size_t offset, std::string_view sent,
                               int position) {
    const auto byte = byte_of_position(sent, position);
    if (!byte)
        return std::nullopt;
    return locate_offset(script, offset + *byte);
}

}  // namespace pgmi::script
