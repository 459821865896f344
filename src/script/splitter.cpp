#include "script/splitter.hpp"

#include <array>
#include <optional>

namespace pgmi::script {

namespace {

// The first tokens of a statement: enough to classify every transaction command.
struct Head {
    static constexpr size_t kMax = 5;
    std::array<Token, kMax> tokens{};
    size_t count = 0;  // all tokens seen, may exceed kMax

    void add(const Token& t) {
        if (count < kMax)
            tokens[count] = t;
        ++count;
    }
    bool word(const Tokenizer& tz, size_t i, std::string_view upper) const {
        return i < count && i < kMax && tz.is_word(tokens[i], upper);
    }
    bool symbol(const Tokenizer& tz, size_t i, char c) const {
        return i < count && i < kMax && tz.is_symbol(tokens[i], c);
    }
};

TxEffect classify(const Head& h, const Tokenizer& tz) {
    if (h.word(tz, 0, "COMMIT") || h.word(tz, 0, "END") || h.word(tz, 0, "ROLLBACK") ||
        h.word(tz, 0, "ABORT")) {
        size_t i = 1;
        if (h.word(tz, i, "WORK") || h.word(tz, i, "TRANSACTION"))
            ++i;
        if (i >= h.count)
            return TxEffect::End;
        if (!h.word(tz, i, "AND"))
            return TxEffect::None;  // TO SAVEPOINT, PREPARED, END IF...
        return h.word(tz, i + 1, "CHAIN") ? TxEffect::Chain : TxEffect::End;
    }
    // PREPARE TRANSACTION 'gid' ends the transaction; PREPARE transaction [(types)] AS ... is a
    // prepared statement that happens to be called "transaction".
    if (h.word(tz, 0, "PREPARE") && h.word(tz, 1, "TRANSACTION")) {
        return h.count > 2 && !h.word(tz, 2, "AS") && !h.symbol(tz, 2, '(') ? TxEffect::End
                                                                            : TxEffect::None;
    }
    if (h.word(tz, 0, "BEGIN"))
        return TxEffect::Begin;
    if (h.word(tz, 0, "START") && h.word(tz, 1, "TRANSACTION"))
        return TxEffect::Begin;
    return TxEffect::None;
}

bool is_routine_word(const Head& h, const Tokenizer& tz, size_t i) {
    return h.word(tz, i, "FUNCTION") || h.word(tz, i, "PROCEDURE");
}

// CREATE [OR REPLACE] FUNCTION|PROCEDURE: the only statements that can hold a BEGIN ATOMIC body.
bool creates_routine(const Head& h, const Tokenizer& tz) {
    if (!h.word(tz, 0, "CREATE"))
        return false;
    if (is_routine_word(h, tz, 1))
        return true;
    return h.word(tz, 1, "OR") && h.word(tz, 2, "REPLACE") && is_routine_word(h, tz, 3);
}

TxEffect effect_of_text(std::string_view masked_stmt) {
    Tokenizer tz(masked_stmt, {});
    Head h;
    while (h.count < Head::kMax + 1) {
        const auto t = tz.next();
        if (!t || tz.is_symbol(*t, ';'))
            break;
        h.add(*t);
    }
    return classify(h, tz);
}

// Finds the top-level statements one at a time (the walk statements() describes), so split()
// can build units without a list of statements.
class StatementScanner {
  public:
    StatementScanner(const Tokenizer& tz, size_t size) : tz_(tz), size_(size) {}

    std::optional<Statement> next() {
        while (const auto t = tz_.next()) {
            const bool at_top = depth_ == 0;
            if (tz_.is_symbol(*t, ';') && at_top && body_depth_ == 0) {
                const Statement s{start_, t->end, true, has_body_, classify(head_, tz_)};
                start_ = t->end;
                head_ = Head{};
                prev_begin_ = false;
                has_body_ = false;
                return s;
            }
            head_.add(*t);
            if (tz_.is_symbol(*t, '(')) {
                ++depth_;
            } else if (tz_.is_symbol(*t, ')')) {
                --depth_;
            }
            const bool was_begin = prev_begin_;
            prev_begin_ = false;
            if (t->kind != TokenKind::Word || !at_top)
                continue;
            if (tz_.is_word(*t, "BEGIN")) {
                prev_begin_ = true;
            } else if (was_begin && tz_.is_word(*t, "ATOMIC") && creates_routine(head_, tz_)) {
                ++body_depth_;
                has_body_ = true;
            } else if (body_depth_ > 0 && tz_.is_word(*t, "CASE")) {
                ++body_depth_;
            } else if (body_depth_ > 0 && tz_.is_word(*t, "END")) {
                --body_depth_;
            }
        }
        // After the last ';': a statement if any token (code or literal) is left.
        if (head_.count == 0)
            return std::nullopt;
        const Statement s{start_, size_, false, has_body_, classify(head_, tz_)};
        head_ = Head{};
        start_ = size_;
        return s;
    }

  private:
    Tokenizer tz_;
    size_t size_;
    long depth_ = 0;         // parenthesis depth over the whole script
    size_t body_depth_ = 0;  // open BEGIN ATOMIC bodies plus CASEs inside them
    size_t start_ = 0;
    Head head_;
    bool prev_begin_ = false;  // the previous token was BEGIN at depth 0
    bool has_body_ = false;
};

bool ends_transaction(TxEffect e) {
    return e == TxEffect::End || e == TxEffect::Chain;
}

// The head runs through the first terminator; every later statement is a unit of its own.
Units split_statements(std::string_view script, StatementScanner stmts) {
    size_t before = 0;
    bool body_begins = false;
    std::optional<Statement> s;
    while ((s = stmts.next()) && !ends_transaction(s->effect)) {
        ++before;
        body_begins = body_begins || s->effect == TxEffect::Begin;
    }
    Unit head{0, script};
    if (!s)
        return {script, head};
    if (before > 0) {  // the head has a body: every statement before the terminator
        head.terminator_at = s->begin;
        head.body_begins = body_begins;
    }
    auto next = stmts.next();
    if (!next)
        return {script, head};
    head.text = script.substr(0, s->end);
    Units units(script, head);
    for (; next; next = stmts.next())
        units.append(next->end);
    return units;
}

}  // namespace

void Units::append(size_t end) {
    if (wide()) {
        wide_.push_back(end);
    } else {
        narrow_.push_back(static_cast<uint32_t>(end));
    }
}

Unit Units::operator[](size_t i) const {
    if (i == 0)
        return head_;
    const size_t begin = i == 1 ? head_.text.size() : end_of(i - 2);
    return {begin, script_.substr(begin, end_of(i - 1) - begin)};
}

std::vector<Statement> statements(const Masked& masked) {
    std::vector<Statement> out;
    StatementScanner scanner(Tokenizer(masked.mask, masked.regions), masked.mask.size());
    while (auto s = scanner.next())
        out.push_back(*s);
    return out;
}

Units split(std::string_view script) {
    return split_statements(
        script, StatementScanner(Tokenizer(script, RegionScanner(script)), script.size()));
}

Units split(std::string_view script, const Masked& masked) {
    if (masked.mask.size() != script.size())
        return {script, Unit{0, script}};
    return split_statements(
        script, StatementScanner(Tokenizer(masked.mask, masked.regions), script.size()));
}

bool is_terminator(std::string_view masked_stmt) {
    const TxEffect e = effect_of_text(masked_stmt);
    return e == TxEffect::End || e == TxEffect::Chain;
}

TxEffect transaction_effect(std::string_view masked_stmt) {
    return effect_of_text(masked_stmt);
}

}  // namespace pgmi::script
