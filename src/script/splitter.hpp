// Splits deploy.sql into execution units (deploy-execution §4.3): the atomic head (everything
// through the first top-level transaction terminator, or the whole script if there is none), then
// one unit per later top-level statement (psql mode). Units are views into the script with their
// byte offset, sent as written (no padding); error positions are mapped back by offset.
//
// Statements are found on the mask with tokens: a ';' ends one at parenthesis depth 0 (depth
// counts over the whole script, so an unbalanced ')' suppresses splitting until a '(' rebalances
// it) and outside a SQL-standard body. A body opens at the consecutive words BEGIN ATOMIC at depth
// 0 in a statement that starts CREATE [OR REPLACE] FUNCTION|PROCEDURE, and closes at its matching
// END; CASE ... END pairs inside are counted, so `BEGIN ATOMIC END` and CASE expressions work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <vector>

#include "script/lexer.hpp"

namespace pgmi::script {

struct Unit {
    static constexpr size_t kNoTerminator = static_cast<size_t>(-1);

    size_t offset;          // byte offset of text in the script
    std::string_view text;  // exactly the bytes sent to the server
    /// On a head that ends in a transaction terminator after some statements: where in `text`
    /// the terminator statement begins (its leading whitespace and comments included). Bytes
    /// before it are the head's body. The executor sends the terminator only after the body
    /// succeeded, so a client that dies mid-head never has its work committed. kNoTerminator on
    /// tail units and on heads without a terminator or without a body.
    size_t terminator_at = kNoTerminator;
    /// The body opens an explicit block itself (a top-level BEGIN or START TRANSACTION). When it
    /// does not, its statements would run in an implicit transaction that the server commits as
    /// soon as the message ends, so the executor opens a block before sending it.
    bool body_begins = false;

    bool has_terminator() const { return terminator_at != kNoTerminator; }
    std::string_view body() const { return text.substr(0, terminator_at); }
    std::string_view terminator() const { return text.substr(terminator_at); }
};

/// The units of one script. Held compactly: the head, then one end offset per tail unit (tail
/// units are consecutive statements, each beginning where the previous unit ended): 4 bytes per
/// statement of a script under 4 GiB, 8 above. Indexing builds a Unit view into the script.
class Units {
  public:
    /// The head alone; further units are appended.
    Units(std::string_view script, Unit head) : script_(script), head_(head) {}

    /// Appends the tail unit from the end of the last unit to `end` (an offset of the script).
    void append(size_t end);

    size_t size() const { return 1 + (wide() ? wide_.size() : narrow_.size()); }
    Unit operator[](size_t i) const;

    class iterator {
      public:
        // Yields Unit values built on the fly (no reference to hold), so an input iterator.
        using iterator_category = std::input_iterator_tag;
        using value_type = Unit;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Unit;
        iterator(const Units* units, size_t i) : units_(units), i_(i) {}
        Unit operator*() const { return (*units_)[i_]; }
        iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator==(const iterator& o) const { return i_ == o.i_; }

      private:
        const Units* units_;
        size_t i_;
    };
    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, size()}; }

  private:
    bool wide() const { return script_.size() > UINT32_MAX; }
    size_t end_of(size_t k) const { return wide() ? wide_[k] : narrow_[k]; }

    std::string_view script_;
    Unit head_;
    std::vector<uint32_t> narrow_;  // tail unit ends, when the script is under 4 GiB
    std::vector<size_t> wide_;      // tail unit ends otherwise
};

/// What a top-level statement does to an explicit transaction block.
enum class TxEffect {
    None,   // anything else (including savepoint commands and COMMIT/ROLLBACK PREPARED)
    Begin,  // BEGIN ..., START TRANSACTION ...
    End,    // COMMIT/END/ROLLBACK/ABORT [WORK|TRANSACTION] [AND NO CHAIN], PREPARE TRANSACTION
    Chain,  // COMMIT/END/ROLLBACK/ABORT ... AND CHAIN: ends the block and opens the next one
};

/// One top-level statement: [begin, end) includes leading whitespace/comments and the ';'.
struct Statement {
    size_t begin;
    size_t end;
    bool terminated;       // ends with a top-level ';' (else it runs to the end of the script)
    bool has_atomic_body;  // contains a BEGIN ATOMIC ... END body
    TxEffect effect;
};

/// The top-level statements of a lexed script, in order, covering it from 0 to the last ';' and,
/// if the text after the last ';' is not blank in the mask, to the end.
std::vector<Statement> statements(const Masked& masked);

/// Splits `script` (linear time). Always returns at least one unit; an empty script gives one
/// empty unit. Concatenating the units' text reproduces the script minus trailing blank text.
/// Lexes as it goes: besides the result it keeps no mask, region or statement list, so a large
/// deploy.sql costs little more than itself.
Units split(std::string_view script);

/// Same, from a mask of `script` the caller already has (the same units).
Units split(std::string_view script, const Masked& masked);

/// True if the masked statement `stmt` ends the transaction: COMMIT/END/ROLLBACK/ABORT
/// [WORK|TRANSACTION] [AND [NO] CHAIN], or PREPARE TRANSACTION 'gid'. False for savepoint
/// rollbacks, COMMIT/ROLLBACK PREPARED, BEGIN, SAVEPOINT, SELECT CASE ... END, etc.
bool is_terminator(std::string_view masked_stmt);

/// The transaction effect of the masked statement `stmt` (see TxEffect).
TxEffect transaction_effect(std::string_view masked_stmt);

}  // namespace pgmi::script
