#include "script/test_macro.hpp"

#include <algorithm>
#include <utility>

#include "script/location.hpp"
#include "script/splitter.hpp"

namespace pgmi::script {

namespace {

constexpr std::string_view kAccepted =
    "accepted forms: CALL pgmi_test(), CALL pgmi_test('<pattern>'), "
    "CALL pgmi_test(NULL, '<callback>'), CALL pgmi_test('<pattern>', '<callback>'), "
    "optionally as pg_temp.pgmi_test, with plain '...' string literals";
constexpr std::string_view kInBody =
    "CALL pgmi_test() inside a DO block or function body is not expanded; call it at the top "
    "level of deploy.sql between BEGIN and COMMIT";
constexpr std::string_view kOutsideBlock =
    "CALL pgmi_test() must run inside BEGIN ... COMMIT (its tests use savepoints)";
constexpr int kMaxBodyNesting = 4;

std::string not_expanded(std::string_view why) {
    std::string s = "CALL pgmi_test(...) is not expanded: ";
    s += why;
    s += "; ";
    s += kAccepted;
    return s;
}

struct Found {
    size_t offset;
    std::string message;
};

// Lines of increasing offsets in one forward pass (restarts if asked to go back).
class LineCounter {
  public:
    explicit LineCounter(std::string_view text) : text_(text) {}
    int at(size_t offset) {
        offset = std::min(offset, text_.size());
        if (offset < pos_) {
            pos_ = 0;
            line_ = 1;
        }
        line_ +=
            static_cast<int>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                        text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
        pos_ = offset;
        return line_;
    }

  private:
    std::string_view text_;
    size_t pos_ = 0;
    int line_ = 1;
};

/// `before` introduces a routine name: CREATE/DROP/ALTER FUNCTION pgmi_test would clash with
/// the macro.
bool names_routine(const Tokenizer& tz, const std::optional<Token>& before) {
    if (!before)
        return false;
    return tz.is_word(*before, "FUNCTION") || tz.is_word(*before, "PROCEDURE") ||
           tz.is_word(*before, "ROUTINE");
}

/// `before` introduces a relation or type name, so a '(' after the name opens a column list,
/// not an argument list: CREATE TABLE pgmi_test (...), INSERT INTO pgmi_test (...), ...
bool names_relation(const Tokenizer& tz, const std::optional<Token>& before) {
    if (!before)
        return false;
    for (std::string_view w : {"TABLE", "EXISTS", "INTO", "ON", "REFERENCES", "VIEW", "COPY",
                               "JOIN", "FROM", "UPDATE", "ONLY", "TYPE", "AS"}) {
        if (tz.is_word(*before, w))
            return true;
    }
    return false;
}

bool contains_pgmi_test(std::string_view text) {
    constexpr std::string_view kName = "PGMI_TEST";
    if (text.size() < kName.size())
        return false;
    for (size_t i = 0; i + kName.size() <= text.size(); ++i) {
        if ((text[i] == 'p' || text[i] == 'P') && iequals(text.substr(i, kName.size()), kName)) {
            return true;
        }
    }
    return false;
}

// A string literal's value: the text between its quotes with '' unescaped.
std::string literal_value(std::string_view script, const Token& t) {
    std::string_view body = script.substr(t.begin + 1, t.end - t.begin - 2);
    std::string out;
    out.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
        out += body[i];
        if (body[i] == '\'' && i + 1 < body.size() && body[i + 1] == '\'')
            ++i;
    }
    return out;
}

// What parsing the argument list yields: a call's arguments, or why it is not one.
struct Args {
    std::optional<std::string> pattern;
    std::optional<std::string> callback;
    size_t close = 0;  // offset just past ')'
    std::string error;
};

class ArgParser {
  public:
    ArgParser(std::string_view script, Tokenizer& tz) : script_(script), tz_(tz) {}

    Args parse() {
        Args a;
        auto t = tz_.next();
        if (!t || !tz_.is_symbol(*t, '(')) {
            a.error = "expected '(' after pgmi_test";
            return a;
        }
        t = tz_.next();
        if (t && tz_.is_symbol(*t, ')')) {
            a.close = t->end;
            return a;
        }
        std::optional<std::string>* slots[] = {&a.pattern, &a.callback};
        for (auto* slot : slots) {
            if (!t) {
                a.error = "missing ')'";
                return a;
            }
            if (!argument(*t, *slot, a.error))
                return a;
            t = tz_.next();
            if (t && tz_.is_symbol(*t, ')')) {
                a.close = t->end;
                return a;
            }
            if (!t) {
                a.error = "missing ')'";
                return a;
            }
            if (!tz_.is_symbol(*t, ',')) {
                a.error = "arguments must be plain '...' string literals or NULL";
                return a;
            }
            t = tz_.next();
        }
        a.error = "too many arguments (at most two: pattern, callback)";
        return a;
    }

  private:
    bool argument(const Token& t, std::optional<std::string>& value, std::string& error) {
        switch (t.kind) {
            case TokenKind::String:
                if (t.end - t.begin < 2 || script_[t.end - 1] != '\'') {
                    error = "unterminated string literal";
                    return false;
                }
                value = literal_value(script_, t);
                if (value->empty())
                    value.reset();
                return true;
            case TokenKind::EscapeString:
                error = "E'...' strings are not accepted";
                return false;
            case TokenKind::DollarQuoted:
                error = "dollar-quoted arguments are not accepted";
                return false;
            case TokenKind::Word:
                if (tz_.is_word(t, "NULL")) {
                    value.reset();
                    return true;
                }
                if (named_argument()) {
                    error = "named arguments are not accepted";
                    return false;
                }
                break;
            default:
                break;
        }
        error = "arguments must be plain '...' string literals or NULL";
        return false;
    }

    // After a word: "=>" or ":=".
    bool named_argument() const {
        Tokenizer look = tz_;
        const auto a = look.next();
        const auto b = look.next();
        if (!a || !b)
            return false;
        return (tz_.is_symbol(*a, '=') && tz_.is_symbol(*b, '>')) ||
               (tz_.is_symbol(*a, ':') && tz_.is_symbol(*b, '='));
    }

    std::string_view script_;
    Tokenizer& tz_;
};

// Reports `CALL [pg_temp.]pgmi_test` in the original text of dollar-quoted bodies (lexed as SQL,
// so comments and strings inside them do not count), nested bodies included.
void scan_bodies(std::string_view text, size_t base, const std::vector<Region>& regions,
                 int nesting, std::vector<Found>& out) {
    if (nesting > kMaxBodyNesting)
        return;
    for (const Region& r : regions) {
        if (r.kind != RegionKind::DollarQuoted)
            continue;
        const std::string_view body = text.substr(r.body_begin, r.body_end - r.body_begin);
        if (!contains_pgmi_test(body))
            continue;
        const Masked inner = mask(body);
        Tokenizer tz(inner.mask, inner.regions);
        std::optional<Token> call;  // the last CALL, while what follows may still be a match
        int step = 0;               // 0: after CALL, 1: after pg_temp, 2: after pg_temp.
        while (const auto t = tz.next()) {
            if (tz.is_word(*t, "CALL")) {
                call = t;
                step = 0;
                continue;
            }
            if (call && tz.is_word(*t, "PGMI_TEST") && (step == 0 || step == 2)) {
                out.push_back({base + r.body_begin + call->begin, std::string(kInBody)});
            } else if (call && step == 0 && tz.is_word(*t, "PG_TEMP")) {
                step = 1;
                continue;
            } else if (call && step == 1 && tz.is_symbol(*t, '.')) {
                step = 2;
                continue;
            }
            call.reset();
        }
        scan_bodies(body, base + r.body_begin, inner.regions, nesting + 1, out);
    }
}

}  // namespace

MacroScan find_test_macros(std::string_view script) {
    // Most scripts have no call at all: then lexing them (a mask as large as the script) is waste.
    if (!contains_pgmi_test(script))
        return {};
    return find_test_macros(script, mask(script));
}

MacroScan find_test_macros(std::string_view script, const Masked& masked) {
    if (masked.mask.size() != script.size())
        return find_test_macros(script);
    if (!contains_pgmi_test(script))
        return {};
    const std::string_view m = masked.mask;
    std::vector<TestCall> calls;
    std::vector<Found> found;

    Tokenizer tz(m, masked.regions);
    std::optional<Token> prev[3];  // the last three tokens, most recent first
    auto remember = [&prev](const Token& t) {
        prev[2] = prev[1];
        prev[1] = prev[0];
        prev[0] = t;
    };
    while (const auto t = tz.next()) {
        const bool quoted = t->kind == TokenKind::QuotedIdentifier &&
                            script.substr(t->begin, t->end - t->begin) == "\"pgmi_test\"";
        if (!quoted && !tz.is_word(*t, "PGMI_TEST")) {
            remember(*t);
            continue;
        }
        const bool plain = prev[0] && tz.is_word(*prev[0], "CALL");
        const bool qualified = prev[0] && tz.is_symbol(*prev[0], '.');
        const bool called = plain || (qualified && prev[2] && tz.is_word(*prev[2], "CALL"));
        const bool pg_temp = qualified && prev[1] && tz.is_word(*prev[1], "PG_TEMP");
        if (quoted || !called || (qualified && !pg_temp)) {
            // The word before the (possibly schema-qualified) name says what it names.
            const std::optional<Token>& before = qualified ? prev[2] : prev[0];
            Tokenizer look = tz;
            const auto after = look.next();
            const bool paren = after && look.is_symbol(*after, '(');
            if (called || names_routine(tz, before) || (paren && !names_relation(tz, before))) {
                std::string why = quoted   ? "a quoted \"pgmi_test\" is a different name"
                                  : called ? "only pgmi_test or pg_temp.pgmi_test name the macro"
                                           : "pgmi_test is a pgmi macro, expanded only as a "
                                             "statement CALL pgmi_test(...)";
                found.push_back({t->begin, not_expanded(why)});
            }
            // Anything else is an ordinary name (a table, a column) that happens to be spelled so.
            remember(*t);
            continue;
        }
        const size_t begin = plain ? prev[0]->begin : prev[2]->begin;
        Tokenizer look = tz;
        const Args args = ArgParser(script, look).parse();
        if (!args.error.empty()) {
            found.push_back({begin, not_expanded(args.error)});
            remember(*t);
            continue;
        }
        size_t end = args.close;
        while (end < m.size() && is_space(m[end]))
            ++end;
        if (end < m.size() && m[end] == ';') {
            ++end;
        }
        calls.push_back({begin, end, args.pattern, args.callback, 0});
        tz = Tokenizer(m, masked.regions, end);
        prev[0] = prev[1] = prev[2] = std::nullopt;
    }

    // Placement: inside an explicit block opened by an earlier top-level statement, and not in a
    // BEGIN ATOMIC body (whose text would be spliced into a routine).
    const std::vector<Statement> stmts = statements(masked);
    std::vector<TestCall> kept;
    kept.reserve(calls.size());
    bool open = false;
    size_t s = 0;
    for (TestCall& c : calls) {
        for (; s < stmts.size() && stmts[s].end <= c.begin; ++s) {
            const TxEffect e = stmts[s].effect;
            if (e == TxEffect::Begin || e == TxEffect::Chain)
                open = true;
            if (e == TxEffect::End)
                open = false;
        }
        if (s < stmts.size() && stmts[s].has_atomic_body) {
            found.push_back({c.begin, std::string(kInBody)});
            continue;
        }
        if (!open)
            found.push_back({c.begin, std::string(kOutsideBlock)});
        kept.push_back(std::move(c));
    }

    scan_bodies(script, 0, masked.regions, 0, found);

    MacroScan out;
    LineCounter lines(script);
    for (TestCall& c : kept)
        c.line = lines.at(c.begin);
    out.calls = std::move(kept);
    std::stable_sort(found.begin(), found.end(),
                     [](const Found& a, const Found& b) { return a.offset < b.offset; });
    for (Found& f : found)
        out.problems.push_back({lines.at(f.offset), std::move(f.message)});
    return out;
}

Status validate_callback(std::string_view callback) {
    if (callback.empty())
        return Status::ok();
    auto fail = [callback](std::string_view why) {
        std::string msg = "invalid callback \"";
        msg += callback;
        msg += "\": ";
        msg += why;
        return Status(make_error(ErrorKind::General, std::move(msg)));
    };
    const size_t dot = callback.find('.');
    if (dot != std::string_view::npos && callback.find('.', dot + 1) != std::string_view::npos) {
        return fail("expected [schema.]function format");
    }
    std::vector<std::string_view> parts;
    if (dot == std::string_view::npos) {
        parts.push_back(callback);
    } else {
        parts.push_back(callback.substr(0, dot));
        parts.push_back(callback.substr(dot + 1));
    }
    for (const std::string_view part : parts) {
        if (part.empty())
            return fail("empty identifier");
        if (part.size() > 63) {
            return fail("identifier \"" + std::string(part) + "\" exceeds 63 character limit");
        }
        const auto letter = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        };
        const bool valid =
            letter(part[0]) && std::all_of(part.begin() + 1, part.end(), [&letter](char c) {
                return letter(c) || (c >= '0' && c <= '9');
            });
        if (!valid)
            return fail("\"" + std::string(part) + "\" is not a valid identifier");
    }
    return Status::ok();
}

Expansion::Origin Expansion::origin(size_t expanded_offset) const {
    const auto it =
        std::upper_bound(splices.begin(), splices.end(), expanded_offset,
                         [](size_t off, const Splice& sp) { return off < sp.expanded_begin; });
    if (it == splices.begin())
        return {expanded_offset, false};
    const Splice& sp = *(it - 1);
    if (expanded_offset < sp.expanded_end)
        return {sp.original_begin, true};
    return {sp.original_end + (expanded_offset - sp.expanded_end), false};
}

int Expansion::original_line(std::string_view original, size_t expanded_offset) const {
    return line_at(original, origin(expanded_offset).offset);
}

Result<Expansion> expand(std::string_view script, const std::vector<TestCall>& calls,
                         const std::vector<std::string>& generated) {
    if (calls.size() != generated.size()) {
        return make_error(ErrorKind::Unexpected,
                          "macro expansion: " + std::to_string(calls.size()) + " calls but " +
                              std::to_string(generated.size()) + " generated texts");
    }
    size_t total = script.size();
    size_t last = 0;
    for (size_t i = 0; i < calls.size(); ++i) {
        if (calls[i].begin < last || calls[i].end < calls[i].begin ||
            calls[i].end > script.size()) {
            return make_error(ErrorKind::Unexpected,
                              "macro expansion: call spans are not ordered spans of the script");
        }
        last = calls[i].end;
        total += generated[i].size();
    }
    // Built front to back: the same text as splicing last match first, in linear time.
    Expansion out;
    out.script.reserve(total);
    out.splices.reserve(calls.size());
    LineCounter lines(script);
    size_t copied = 0;
    for (size_t i = 0; i < calls.size(); ++i) {
        const TestCall& c = calls[i];
        out.script.append(script.substr(copied, c.begin - copied));
        const size_t at = out.script.size();
        out.script.append(generated[i]);
        out.splices.push_back({c.begin, c.end, at, out.script.size(), lines.at(c.begin)});
        copied = c.end;
    }
    out.script.append(script.substr(copied));
    return out;
}

}  // namespace pgmi::script
