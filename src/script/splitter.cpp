#include "script/splitter.hpp"

#include <algorithm>
#include <array>

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

}  // namespace

std::vector<Statement> statements(const Masked& masked) {
    const std::string_view m = masked.mask;
    std::vector<Statement> out;
    Tokenizer tz(m, masked.regions);
    long depth = 0;         // parenthesis depth over the whole script
    size_t body_depth = 0;  // open BEGIN ATOMIC bodies plus CASEs inside them
    size_t start = 0;
    Head head;
    bool prev_begin = false;  // the previous token was BEGIN at depth 0
    bool has_body = false;
    while (const auto t = tz.next()) {
        const bool at_top = depth == 0;
        if (tz.is_symbol(*t, ';') && at_top && body_depth == 0) {
            out.push_back({start, t->end, true, has_body, classify(head, tz)});
            start = t->end;
            head = Head{};
            prev_begin = false;
            has_body = false;
            continue;
        }
        head.add(*t);
        if (tz.is_symbol(*t, '(')) {
            ++depth;
        } else if (tz.is_symbol(*t, ')')) {
            --depth;
        }
        const bool was_begin = prev_begin;
        prev_begin = false;
        if (t->kind != TokenKind::Word || !at_top)
            continue;
        if (tz.is_word(*t, "BEGIN")) {
            prev_begin = true;
        } else if (was_begin && tz.is_word(*t, "ATOMIC") && creates_routine(head, tz)) {
            ++body_depth;
            has_body = true;
        } else if (body_depth > 0 && tz.is_word(*t, "CASE")) {
            ++body_depth;
        } else if (body_depth > 0 && tz.is_word(*t, "END")) {
            --body_depth;
        }
    }
    if (!is_blank(m.substr(start))) {
        out.push_back({start, m.size(), false, has_body, classify(head, tz)});
    }
    return out;
}

std::vector<Unit> split(std::string_view script) {
    return split(script, mask(script));
}

std::vector<Unit> split(std::string_view script, const Masked& masked) {
    std::vector<Unit> whole{{0, script}};
    if (masked.mask.size() != script.size())
        return whole;
    const std::vector<Statement> stmts = statements(masked);
    size_t first = 0;
    while (first < stmts.size() && stmts[first].effect != TxEffect::End &&
           stmts[first].effect != TxEffect::Chain) {
        ++first;
    }
    if (first == stmts.size())
        return whole;
    // The head's body: every statement before the terminator, unless there is none.
    Unit head{0, script};
    if (!is_blank(std::string_view(masked.mask).substr(0, stmts[first].begin))) {
        head.terminator_at = stmts[first].begin;
        head.body_begins =
            std::any_of(stmts.begin(), stmts.begin() + static_cast<long>(first),
                        [](const Statement& s) { return s.effect == TxEffect::Begin; });
    }
    const size_t head_end = stmts[first].end;
    if (is_blank(std::string_view(masked.mask).substr(head_end)))
        return {head};
    head.text = script.substr(0, head_end);
    std::vector<Unit> units;
    units.reserve(stmts.size() - first);
    units.push_back(head);
    for (size_t i = first + 1; i < stmts.size(); ++i) {
        units.push_back(
            {stmts[i].begin, script.substr(stmts[i].begin, stmts[i].end - stmts[i].begin)});
    }
    return units;
}

bool is_terminator(std::string_view masked_stmt) {
    const TxEffect e = effect_of_text(masked_stmt);
    return e == TxEffect::End || e == TxEffect::Chain;
}

TxEffect transaction_effect(std::string_view masked_stmt) {
    return effect_of_text(masked_stmt);
}

}  // namespace pgmi::script
