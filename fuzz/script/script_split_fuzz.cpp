// Fuzz target: the lexer mask, the tokenizer and the splitter on arbitrary bytes. Checks the
// invariants everything above them relies on (same-length mask, ordered regions and tokens, units
// that are contiguous views of the script from offset 0, nothing but blank text left over), and
// that the streaming lexer (RegionScanner, split without a mask) agrees with the masked one region
// for region and unit for unit.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "driver/fuzz_support.hpp"
#include "script/lexer.hpp"
#include "script/splitter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pgmi::script;
    const std::string_view sql(reinterpret_cast<const char*>(data), size);
    const Masked m = mask(sql);
    FUZZ_CHECK(m.mask.size() == sql.size());
    size_t last = 0;
    for (const Region& r : m.regions) {
        FUZZ_CHECK(last <= r.begin && r.begin <= r.body_begin && r.body_begin <= r.body_end &&
                   r.body_end <= r.end && r.end <= sql.size());
        last = r.end;
    }
    for (const CommentSpan& c : m.block_comments)
        FUZZ_CHECK(c.begin < c.end && c.end <= sql.size());
    RegionScanner scanner(sql);
    for (const Region& r : m.regions) {
        const auto s = scanner.next();
        FUZZ_CHECK(s && s->kind == r.kind && s->begin == r.begin && s->end == r.end &&
                   s->body_begin == r.body_begin && s->body_end == r.body_end &&
                   s->terminated == r.terminated);
    }
    FUZZ_CHECK(!scanner.next());

    Tokenizer tz(m.mask, m.regions);
    Tokenizer raw(sql, RegionScanner(sql));  // the original text, regions lexed as it goes
    size_t prev_end = 0;
    while (const auto t = tz.next()) {
        FUZZ_CHECK(prev_end <= t->begin && t->begin < t->end && t->end <= sql.size());
        prev_end = t->end;
        const auto r = raw.next();
        FUZZ_CHECK(r && r->kind == t->kind && r->begin == t->begin && r->end == t->end);
    }
    FUZZ_CHECK(!raw.next());

    const auto stmts = statements(m);
    size_t pos = 0;
    for (const Statement& s : stmts) {
        FUZZ_CHECK(s.begin == pos && s.begin <= s.end && s.end <= sql.size());
        FUZZ_CHECK(!s.terminated || m.mask[s.end - 1] == ';');
        pos = s.end;
    }
    FUZZ_CHECK(is_blank(std::string_view(m.mask).substr(pos)));

    const auto units = split(sql, m);
    const auto streamed = split(sql);
    FUZZ_CHECK(streamed.size() == units.size());
    for (size_t i = 0; i < units.size(); ++i) {
        const Unit a = units[i];
        const Unit b = streamed[i];
        FUZZ_CHECK(a.offset == b.offset && a.text.data() == b.text.data() &&
                   a.text.size() == b.text.size() && a.terminator_at == b.terminator_at &&
                   a.body_begins == b.body_begins);
    }
    FUZZ_CHECK(units.size() >= 1);
    FUZZ_CHECK(units[0].offset == 0);
    pos = 0;
    for (const Unit& u : units) {
        FUZZ_CHECK(u.offset == pos);
        FUZZ_CHECK(u.offset + u.text.size() <= sql.size());
        FUZZ_CHECK(u.text.data() == sql.data() + u.offset);
        pos = u.offset + u.text.size();
    }
    if (units.size() == 1)
        FUZZ_CHECK(units[0].text.size() == sql.size());
    FUZZ_CHECK(is_blank(std::string_view(m.mask).substr(pos)));
    (void)is_terminator(m.mask);
    return 0;
}
