// <pgmi-meta> extraction on arbitrary bytes: never crashes or hangs, never returns both a block
// and a problem, is deterministic, and what it returns obeys the rules it enforces (non-nil id,
// no blank key, problems naming the file and a line that exists). parse_uuid round-trips.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "project/metadata.hpp"

namespace {

void check(bool ok) {
    if (!ok)
        std::abort();
}

bool blank(std::string_view s) {
    // ASCII white space is enough here: a key of only ASCII spaces must have been rejected.
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pgmi::project;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t lines = 1 + static_cast<size_t>(std::count(in.begin(), in.end(), '\n'));

    const Extraction e = extract_metadata(in, "./f.sql");
    check(!(e.metadata && e.problem));
    if (e.metadata) {
        check(!e.metadata->id.is_nil());
        for (const std::string& key : e.metadata->sort_keys)
            check(!blank(key));
        check(e.metadata->line >= 1 && e.metadata->line <= lines);
        check(in.find("pgmi-meta") != std::string_view::npos);
    }
    if (e.problem) {
        check(e.problem->path == "./f.sql");
        check(e.problem->text.starts_with("metadata error in ./f.sql") ||
              e.problem->text.starts_with("invalid PGMI metadata in ./f.sql"));
        check(e.problem->line >= 1 && e.problem->line <= lines);
    }
    const Extraction again = extract_metadata(in, "./f.sql");
    check(again.metadata.has_value() == e.metadata.has_value());
    check(again.problem.has_value() == e.problem.has_value());
    if (e.problem)
        check(again.problem->text == e.problem->text);
    if (e.metadata) {
        check(again.metadata->id == e.metadata->id);
        check(again.metadata->sort_keys == e.metadata->sort_keys);
        check(again.metadata->description == e.metadata->description);
    }

    // The UUID parser on a prefix of the input: accepted values print canonically and reparse.
    const auto u = parse_uuid(in.substr(0, std::min<size_t>(in.size(), 45)));
    if (u) {
        const std::string text = u->str();
        check(text.size() == 36);
        const auto back = parse_uuid(text);
        check(back && *back == *u);
    }
    return 0;
}
