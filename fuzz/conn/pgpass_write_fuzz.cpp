// Fuzzes the .pgpass writer: escaping, the line, and replacing a key's lines in an existing file.
// The input is split at 0xFF bytes into host, port, database, user, password and the existing
// file. Invariants: a line is refused exactly when a value holds a line break or NUL (or the
// password is empty); an accepted line reads back through the parser as exactly the five values
// (`*` fields as wildcards); the upserted file starts with that line, the parser finds no other
// entry with the same key, and every other line of the existing file is kept, in order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conn/pgpass.hpp"
#include "driver/fuzz_support.hpp"

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start < text.size()) {
        const size_t nl = text.find('\n', start);
        const size_t end = nl == std::string_view::npos ? text.size() : nl;
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool holds_break(std::string_view v) {
    return v.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool matches(const pgmi::conn::PgpassEntry& e, const pgmi::conn::PgpassKey& k) {
    auto same = [](bool any, const std::string& v, const std::string& want) {
        return any ? want == "*" : want != "*" && v == want;
    };
    return same(e.any_host, e.host, k.host) && same(e.any_port, e.port, k.port) &&
           same(e.any_database, e.database, k.database) && same(e.any_user, e.user, k.user);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (parts.size() < 5) {
        const size_t sep = input.find('\xff', start);
        if (sep == std::string_view::npos)
            break;
        parts.push_back(input.substr(start, sep - start));
        start = sep + 1;
    }
    while (parts.size() < 5)
        parts.emplace_back();
    const std::string_view existing = start <= input.size() ? input.substr(start) : "";
    const pgmi::conn::PgpassKey key{std::string(parts[0]), std::string(parts[1]),
                                    std::string(parts[2]), std::string(parts[3])};
    const std::string_view password = parts[4];

    auto line = pgmi::conn::pgpass_line(key, password);
    const bool refusable = holds_break(key.host) || holds_break(key.port) ||
                           holds_break(key.database) || holds_break(key.user) ||
                           holds_break(password) || password.empty();
    FUZZ_CHECK(line.has_value() != refusable);
    if (!line)
        return 0;
    FUZZ_CHECK(line->find('\n') == std::string::npos);
    const auto back = pgmi::conn::parse_pgpass(*line);
    FUZZ_CHECK(back.size() == 1);
    FUZZ_CHECK(matches(back[0], key));
    FUZZ_CHECK(back[0].password == password);

    const std::string file = pgmi::conn::pgpass_upsert(existing, key, *line);
    FUZZ_CHECK(file.compare(0, line->size() + 1, *line + "\n") == 0);
    const auto entries = pgmi::conn::parse_pgpass(file);
    FUZZ_CHECK(!entries.empty() && entries[0].line == 1 && entries[0].password == password);
    for (size_t i = 1; i < entries.size(); ++i)
        FUZZ_CHECK(!matches(entries[i], key));
    // Every existing line that is not an entry for the key survives, in order.
    const auto kept = lines_of(std::string_view(file).substr(line->size() + 1));
    size_t k = 0;
    for (const std::string_view old : lines_of(existing)) {
        const auto parsed = pgmi::conn::parse_pgpass(old);
        if (parsed.size() == 1 && matches(parsed[0], key))
            continue;
        FUZZ_CHECK(k < kept.size() && kept[k] == old);
        ++k;
    }
    FUZZ_CHECK(k == kept.size());
    return 0;
}
