// The one SQL lexer of pgmi (deploy-execution §4.1). It turns a script into a mask of the same
// byte length in which comments and the contents of literals, dollar-quoted bodies and quoted
// identifiers are spaces, so everything above it (splitter, macro finder, metadata locator) can
// search code with plain byte scans and never mistake text for code.
//
// Rules beyond the spec table: `standard_conforming_strings = on` is assumed; a `$` or `E'` only
// opens a dollar quote or escape string when the previous byte is not an identifier byte
// (A-Za-z0-9_$ or any byte >= 0x80), so `a$b$` and `date'x'` are ordinary; `$1`, `$1$` are not
// tags; bytes >= 0x80 count as letters in tags. Nothing here allocates per byte: linear time.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::script {

/// A block comment's span in the original text (from "/*" through "*/" or end of input).
struct CommentSpan {
    size_t begin;
    size_t end;  // one past the last byte
};

/// Kinds of text that the mask blanks (comments entirely, the others between delimiters).
enum class RegionKind {
    LineComment,       // -- ... (the line break is not part of it)
    BlockComment,      // /* ... */, nested comments belong to the outermost one
    String,            // '...' (also B'', X'', N'', U&'' and prefixed forms: no escapes)
    EscapeString,      // E'...' / e'...', begin is the E
    QuotedIdentifier,  // "..."
    DollarQuoted,      // $tag$...$tag$
};

/// One comment, literal or quoted identifier of the original text.
struct Region {
    RegionKind kind;
    size_t begin;       // first byte of the opening delimiter (the E of E'...')
    size_t end;         // one past the closing delimiter, or the input size if unterminated
    size_t body_begin;  // first byte after the opening delimiter
    size_t body_end;    // the closing delimiter's first byte, or the input size if unterminated
    bool terminated;
};

struct Masked {
    std::string mask;                         // same length as the input
    std::vector<Region> regions;              // every comment/literal/quoted identifier, in order
    std::vector<CommentSpan> block_comments;  // top-level block comments, in order
};

/// Lexes `sql` (linear time, never fails: unterminated constructs run to the end).
Masked mask(std::string_view sql);

/// The lexer without the mask: yields the regions of `sql` one at a time, in order, exactly those
/// mask() records. For walks that only go forward (the splitter), so a large script costs neither
/// a copy of itself nor a list of its literals. A small copyable value.
class RegionScanner {
  public:
    explicit RegionScanner(std::string_view sql) : sql_(sql) {}

    /// The next region, or nullopt when the rest of the text is plain code.
    std::optional<Region> next();

  private:
    std::string_view sql_;
    size_t pos_ = 0;
};

/// Identifier byte: ASCII letter, digit, '_', '$', or any byte >= 0x80 (part of a UTF-8 letter).
inline bool is_ident_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '$' || u >= 0x80;
}

/// SQL whitespace: space, tab, LF, CR, FF, VT.
inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// True if every byte of `text` is whitespace (a masked range holding only comments is blank).
bool is_blank(std::string_view text);

/// ASCII case-insensitive comparison of `text` with `upper`, which must be upper case.
bool iequals(std::string_view text, std::string_view upper);

/// `text` with ASCII letters upper-cased (other bytes unchanged).
std::string to_upper_ascii(std::string_view text);

enum class TokenKind {
    Word,              // a run of identifier bytes: keyword, name, number, $1
    Symbol,            // any other single byte of code: ( ) ; , . = > : ...
    String,            // a Region of the same kind, as one token
    EscapeString,      //
    QuotedIdentifier,  //
    DollarQuoted,      //
};

struct Token {
    TokenKind kind;
    size_t begin;
    size_t end;  // one past the last byte
};

/// Iterates the code tokens of a masked text in [begin, end). Comments are whitespace; literals,
/// quoted identifiers and dollar bodies are one token each (when their region list is given;
/// with an empty list their delimiters come out as symbols and words). A small copyable value:
/// copy it to look ahead.
///
/// Given a RegionScanner instead of a list, it reads the original text (no mask needed): tokens
/// are the same, because a word or symbol never runs into a region and regions are skipped whole;
/// only the text of a literal token differs (the original rather than blanks).
class Tokenizer {
  public:
    Tokenizer(std::string_view masked, std::span<const Region> regions, size_t begin = 0,
              size_t end = std::string_view::npos);
    explicit Tokenizer(std::string_view sql, RegionScanner regions);

    /// The next token, or nullopt at the end of the range.
    std::optional<Token> next();

    /// The byte offset where the next scan starts.
    size_t position() const { return pos_; }

    /// Text of `t` in the mask (for words and symbols, the code itself).
    std::string_view text(const Token& t) const { return mask_.substr(t.begin, t.end - t.begin); }

    /// True if `t` is a word equal to `upper` ignoring ASCII case.
    bool is_word(const Token& t, std::string_view upper) const {
        return t.kind == TokenKind::Word && iequals(text(t), upper);
    }

    /// True if `t` is the one-byte symbol `c`.
    bool is_symbol(const Token& t, char c) const {
        return t.kind == TokenKind::Symbol && mask_[t.begin] == c;
    }

  private:
    /// The first region that ends after pos_, or nullptr.
    const Region* region_here();

    std::string_view mask_;
    std::span<const Region> regions_;
    size_t region_ = 0;                     // first region that may end after pos_
    std::optional<RegionScanner> scanner_;  // instead of regions_, lexing as it goes
    std::optional<Region> ahead_;           // the scanner's region that may end after pos_
    size_t pos_;
    size_t end_;
};

}  // namespace pgmi::script
