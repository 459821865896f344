#include "mcp/line_reader.hpp"

namespace pgmi::mcp {

void LineReader::feed(std::string_view bytes, std::vector<Line>& out) {
    while (!bytes.empty()) {
        const size_t nl = bytes.find('\n');
        const std::string_view part = bytes.substr(0, nl);
        pending_length_ += part.size();
        if (!overflowed_ && pending_.size() + part.size() > max_line_) {
            overflowed_ = true;
            std::string().swap(pending_);  // give the memory back now
        }
        if (!overflowed_)
            pending_.append(part);
        if (nl == std::string_view::npos)
            return;
        out.push_back(
            Line{overflowed_ ? std::string() : std::move(pending_), overflowed_, pending_length_});
        pending_.clear();
        pending_length_ = 0;
        overflowed_ = false;
        bytes.remove_prefix(nl + 1);
    }
}

std::optional<Line> LineReader::finish() {
    if (pending_length_ == 0)
        return std::nullopt;
    Line last{overflowed_ ? std::string() : std::move(pending_), overflowed_, pending_length_};
    pending_.clear();
    pending_length_ = 0;
    overflowed_ = false;
    return last;
}

}  // namespace pgmi::mcp
