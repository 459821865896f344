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

// The state machine proper: line_comment, block_comment, quoted and dollar each start at an
// opening delimiter and return the region it opens (its end is where scanning resumes).

// "--" to the end of the line; the line break is not part of it. As in PostgreSQL's scanner
// (and psql's), a lone \r ends the line too: text after it is code, not comment.
Region line_comment(std::string_view sql, size_t begin) {
    size_t end = sql.find_first_of("\r\n", begin + 2);
    if (end == std::string_view::npos)
        end = sql.size();
    return {RegionKind::LineComment, begin, end, begin + 2, end, true};
}

// "/*" ... "*/", nesting; unterminated runs to the end.
Region block_comment(std::string_view sql, size_t begin) {
    const size_t n = sql.size();
    size_t depth = 1;
    size_t i = begin + 2;
    while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
            ++depth;
            i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return {RegionKind::BlockComment, begin, i, begin + 2, i - 2, true};
        } else {
            ++i;
        }
    }
    return {RegionKind::BlockComment, begin, n, begin + 2, n, false};
}

// A literal or quoted identifier whose body starts at `body_begin`. A doubled quote is an escape;
// with `backslash`, "\" and the byte after it are one unit.
Region quoted(std::string_view sql, size_t begin, size_t body_begin, char quote, RegionKind kind,
              bool backslash) {
    const size_t n = sql.size();
    size_t i = body_begin;
    while (i < n) {
        const char c = sql[i];
        if (c == quote) {
            if (i + 1 < n && sql[i + 1] == quote) {
                i += 2;
                continue;
            }
            return {kind, begin, i + 1, body_begin, i, true};
        }
        i += backslash && c == '\\' ? 2 : 1;
    }
    return {kind, begin, n, body_begin, n, false};
}

// "$$" or "$tag$" opens a body that ends at the identical tag; anything else opens nothing.
std::optional<Region> dollar(std::string_view sql, size_t begin) {
    const size_t n = sql.size();
    size_t i = begin + 1;
    if (i < n && is_tag_start(sql[i])) {
        while (i < n && is_tag_byte(sql[i]))
            ++i;
    }
    if (i >= n || sql[i] != '$')
        return std::nullopt;
    const std::string_view tag = sql.substr(begin, i + 1 - begin);
    const size_t body_begin = i + 1;
    const size_t close = sql.find(tag, body_begin);
    if (close == std::string_view::npos)
        return Region{RegionKind::DollarQuoted, begin, n, body_begin, n, false};
    return Region{RegionKind::DollarQuoted, begin, close + tag.size(), body_begin, close, true};
}

void blank(std::string& mask, size_t from, size_t to) {
    std::fill(mask.begin() + static_cast<std::ptrdiff_t>(from),
              mask.begin() + static_cast<std::ptrdiff_t>(to), ' ');
}

// What the mask hides of a region: comments entirely, dollar bodies, and the bodies of literals
// and quoted identifiers except their doubled quotes (an escape string's "\x" pairs are hidden).
void blank_region(std::string& mask, std::string_view sql, const Region& r) {
    switch (r.kind) {
        case RegionKind::LineComment:
        case RegionKind::BlockComment:
            return blank(mask, r.begin, r.end);
        case RegionKind::DollarQuoted:
            return blank(mask, r.body_begin, r.body_end);
        default:
            break;
    }
    const char quote = r.kind == RegionKind::QuotedIdentifier ? '"' : '\'';
    const bool backslash = r.kind == RegionKind::EscapeString;
    size_t i = r.body_begin;
    while (i < r.body_end) {
        const char c = sql[i];
        if (c == quote) {  // inside the body, always the first of a doubled pair
            i += 2;
        } else if (backslash && c == '\\') {
            mask[i] = ' ';
            if (i + 1 < r.body_end)
                mask[i + 1] = ' ';
            i += 2;
        } else {
            mask[i] = ' ';
            ++i;
        }
    }
}

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

std::optional<Region> RegionScanner::next() {
    const size_t n = sql_.size();
    while (pos_ < n) {
        const size_t i = pos_;
        const char c = sql_[i];
        const char next = i + 1 < n ? sql_[i + 1] : '\0';
        const bool after_ident = i > 0 && is_ident_byte(sql_[i - 1]);
        std::optional<Region> r;
        if (c == '-' && next == '-') {
            r = line_comment(sql_, i);
        } else if (c == '/' && next == '*') {
            r = block_comment(sql_, i);
        } else if (c == '\'') {
            r = quoted(sql_, i, i + 1, '\'', RegionKind::String, false);
        } else if ((c == 'E' || c == 'e') && next == '\'' && !after_ident) {
            r = quoted(sql_, i, i + 2, '\'', RegionKind::EscapeString, true);
        } else if (c == '"') {
            r = quoted(sql_, i, i + 1, '"', RegionKind::QuotedIdentifier, false);
        } else if (c == '$' && !after_ident) {
            r = dollar(sql_, i);
        }
        if (r) {
            pos_ = r->end;
            return r;
        }
        ++pos_;
    }
    return std::nullopt;
}

Masked mask(std::string_view sql) {
    Masked out;
    out.mask.assign(sql.data(), sql.size());
    RegionScanner scanner(sql);
    while (const auto r = scanner.next()) {
        blank_region(out.mask, sql, *r);
        if (r->kind == RegionKind::BlockComment)
            out.block_comments.push_back({r->begin, r->end});
        out.regions.push_back(*r);
    }
    return out;
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

Tokenizer::Tokenizer(std::string_view sql, RegionScanner regions)
    : mask_(sql), scanner_(regions), pos_(0), end_(sql.size()) {
    ahead_ = scanner_->next();
}

const Region* Tokenizer::region_here() {
    if (scanner_) {
        while (ahead_ && ahead_->end <= pos_)
            ahead_ = scanner_->next();
        return ahead_ ? &*ahead_ : nullptr;
    }
    while (region_ < regions_.size() && regions_[region_].end <= pos_)
        ++region_;
    return region_ < regions_.size() ? &regions_[region_] : nullptr;
}

std::optional<Token> Tokenizer::next() {
    while (pos_ < end_) {
        const Region* here = region_here();
        if (here != nullptr && here->begin <= pos_) {
            const Region r = *here;
            const bool comment =
                r.kind == RegionKind::LineComment || r.kind == RegionKind::BlockComment;
            const size_t start = pos_;
            pos_ = std::min(r.end, end_);
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
