#include "script/lexer.hpp"

#include <algorithm>

namespace pgmi::script {

namespace {

bool is_tag_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

bool is_tag_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return is_tag_start(c) || (u >= '0' && u <= '9');
}

// The state machine proper. Each scan_* starts at the opening delimiter, blanks what the mask
// hides, records the region and returns the offset just past it.
class Lexer {
  public:
    explicit Lexer(std::string_view sql) : sql_(sql) { out_.mask.assign(sql.data(), sql.size()); }

    Masked run() {
        const size_t n = sql_.size();
        size_t i = 0;
        while (i < n) {
            const char c = sql_[i];
            const char next = i + 1 < n ? sql_[i + 1] : '\0';
            const bool after_ident = i > 0 && is_ident_byte(sql_[i - 1]);
            if (c == '-' && next == '-') {
                i = line_comment(i);
            } else if (c == '/' && next == '*') {
                i = block_comment(i);
            } else if (c == '\'') {
                i = quoted(i, i + 1, '\'', RegionKind::String, false);
            } else if ((c == 'E' || c == 'e') && next == '\'' && !after_ident) {
                i = quoted(i, i + 2, '\'', RegionKind::EscapeString, true);
            } else if (c == '"') {
                i = quoted(i, i + 1, '"', RegionKind::QuotedIdentifier, false);
            } else if (c == '$' && !after_ident) {
                i = dollar(i);
            } else {
                ++i;
            }
        }
        return std::move(out_);
    }

  private:
    void blank(size_t from, size_t to) {
        std::fill(out_.mask.begin() + static_cast<std::ptrdiff_t>(from),
                  out_.mask.begin() + static_cast<std::ptrdiff_t>(to), ' ');
    }

    void add(RegionKind kind, size_t begin, size_t end, size_t body_begin, size_t body_end,
             bool terminated) {
        out_.regions.push_back({kind, begin, end, body_begin, body_end, terminated});
    }

    // "--" to the end of the line; a line break (\n or \r\n) stays in the mask.
    size_t line_comment(size_t begin) {
        size_t end = sql_.find('\n', begin + 2);
        if (end == std::string_view::npos)
            end = sql_.size();
        size_t blank_end = end;
        if (end < sql_.size() && end > begin + 2 && sql_[end - 1] == '\r')
            blank_end = end - 1;
        blank(begin, blank_end);
        add(RegionKind::LineComment, begin, blank_end, begin + 2, blank_end, true);
        return end;
    }

    // "/*" ... "*/", nesting; unterminated runs to the end.
    size_t block_comment(size_t begin) {
        const size_t n = sql_.size();
        size_t depth = 1;
        size_t i = begin + 2;
        size_t body_end = n;
        while (i < n) {
            if (sql_[i] == '/' && i + 1 < n && sql_[i + 1] == '*') {
                ++depth;
                i += 2;
            } else if (sql_[i] == '*' && i + 1 < n && sql_[i + 1] == '/') {
                i += 2;
                if (--depth == 0) {
                    body_end = i - 2;
                    break;
                }
            } else {
                ++i;
            }
        }
        const bool terminated = depth == 0;
        const size_t end = terminated ? i : n;
        blank(begin, end);
        add(RegionKind::BlockComment, begin, end, begin + 2, body_end, terminated);
        out_.block_comments.push_back({begin, end});
        return end;
    }

    // A literal or quoted identifier whose body starts at `body_begin`. A doubled quote is an
    // escape and stays visible; with `backslash`, "\" and the byte after it are one unit.
    size_t quoted(size_t begin, size_t body_begin, char quote, RegionKind kind, bool backslash) {
        const size_t n = sql_.size();
        size_t i = body_begin;
        while (i < n) {
            const char c = sql_[i];
            if (c == quote) {
                if (i + 1 < n && sql_[i + 1] == quote) {
                    i += 2;
                    continue;
                }
                add(kind, begin, i + 1, body_begin, i, true);
                return i + 1;
            }
            if (backslash && c == '\\') {
                out_.mask[i] = ' ';
                if (i + 1 < n)
                    out_.mask[i + 1] = ' ';
                i += 2;
                continue;
            }
            out_.mask[i] = ' ';
            ++i;
        }
        add(kind, begin, n, body_begin, n, false);
        return n;
    }

    // "$$" or "$tag$" opens a body that ends at the identical tag; anything else is one byte.
    size_t dollar(size_t begin) {
        const size_t n = sql_.size();
        size_t i = begin + 1;
        if (i < n && is_tag_start(sql_[i])) {
            while (i < n && is_tag_byte(sql_[i]))
                ++i;
        }
        if (i >= n || sql_[i] != '$')
            return begin + 1;
        const std::string_view tag = sql_.substr(begin, i + 1 - begin);
        const size_t body_begin = i + 1;
        const size_t close = sql_.find(tag, body_begin);
        if (close == std::string_view::npos) {
            blank(body_begin, n);
            add(RegionKind::DollarQuoted, begin, n, body_begin, n, false);
            return n;
        }
        blank(body_begin, close);
        add(RegionKind::DollarQuoted, begin, close + tag.size(), body_begin, close, true);
        return close + tag.size();
    }

    std::string_view sql_;
    Masked out_;
};

TokenKind token_kind(RegionKind kind) {
    switch (kind) {
        case RegionKind::String:
            return TokenKind::String;
        case RegionKind::EscapeString:
            return TokenKind::EscapeString;
        case RegionKind::QuotedIdentifier:
            return TokenKind::QuotedIdentifier;
        default:
            return TokenKind::DollarQuoted;
    }
}

}  // namespace

Masked mask(std::string_view sql) {
    return Lexer(sql).run();
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return is_space(c); });
}

bool iequals(std::string_view text, std::string_view upper) {
    if (text.size() != upper.size())
        return false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        if (c != upper[i])
            return false;
    }
    return true;
}

std::string to_upper_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

Tokenizer::Tokenizer(std::string_view masked, std::span<const Region> regions, size_t begin,
                     size_t end)
    : mask_(masked),
      regions_(regions),
      pos_(std::min(begin, masked.size())),
      end_(std::min(end, masked.size())) {
    // First region that ends after the start (regions are ordered and disjoint).
    const auto it = std::upper_bound(regions_.begin(), regions_.end(), pos_,
                                     [](size_t p, const Region& r) { return p < r.end; });
    region_ = static_cast<size_t>(it - regions_.begin());
}

std::optional<Token> Tokenizer::next() {
    while (pos_ < end_) {
        while (region_ < regions_.size() && regions_[region_].end <= pos_)
            ++region_;
        if (region_ < regions_.size() && regions_[region_].begin <= pos_) {
            const Region& r = regions_[region_];
            const bool comment =
                r.kind == RegionKind::LineComment || r.kind == RegionKind::BlockComment;
            const size_t start = pos_;
            pos_ = std::min(r.end, end_);
            ++region_;
            // A comment is whitespace; a range starting inside a literal skips its rest.
            if (comment || r.begin != start)
                continue;
            return Token{token_kind(r.kind), start, pos_};
        }
        const char c = mask_[pos_];
        if (is_space(c)) {
            ++pos_;
            continue;
        }
        const size_t start = pos_;
        if (is_ident_byte(c)) {
            while (pos_ < end_ && is_ident_byte(mask_[pos_]))
                ++pos_;
            return Token{TokenKind::Word, start, pos_};
        }
        ++pos_;
        return Token{TokenKind::Symbol, start, pos_};
    }
    return std::nullopt;
}

}  // namespace pgmi::script
