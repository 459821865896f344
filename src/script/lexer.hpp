// The one SQL lexer of pgmi (deploy-execution §4.1). It turns a script into a mask of the same
// byte length in which comments and the contents of literals, dollar-quoted bodies and quoted
// identifiers are spaces, so everything above it (splitter, macro finder, metadata locator) can
// search code with plain byte scans and never mistake text for code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::script {

/// A block comment's span in the original text (from "/*" through "*/" or end of input).
struct CommentSpan {
    size_t begin;
    size_t end;  // one past the last byte
};

struct Masked {
    std::string mask;                     // same length as the input
    std::vector<CommentSpan> block_comments;  // top-level block comments, in order
};

/// Lexes `sql` (linear time, never fails: unterminated constructs run to the end).
Masked mask(std::string_view sql);

}  // namespace pgmi::script
