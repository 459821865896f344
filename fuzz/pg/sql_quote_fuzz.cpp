// Fuzzes the quoting pgmi builds SQL and messages with: pg::Quoter (libpq's PQescapeIdentifier /
// PQescapeLiteral behind pgmi's NUL check and error handling, on a PGconn that never connected:
// SQL_ASCII, standard_conforming_strings off, the most cautious form) and util::quote_for_message.
// Invariants: no crash; quoting fails exactly when the text has a NUL byte, with a message that
// says so and does not quote the text; otherwise the result is ONE quoted token that decodes back
// to the input: an identifier is `"..."` with every inner `"` doubled; a literal is `'...'` with
// every inner `'` doubled, or ` E'...'` with `'` doubled and `\` doubled; a message name is
// `"..."` with `\"`, `\\` and `\xHH` escapes and no raw control byte.
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "driver/fuzz_support.hpp"
#include "pg/quote.hpp"
#include "util/strings.hpp"

namespace {

PGconn* offline_conn() {
    // A socket path that cannot exist: libpq fails at once, without any network traffic.
    static PGconn* conn = PQconnectStart("host=/nonexistent/pgmi-fuzz dbname=fuzz");
    return conn;
}

/// The text inside `open`...`'` or `"`, with `quote` doubled (and `\` doubled when `backslash`);
/// nullopt when anything lets the token end early or escape.
std::optional<std::string> unquote(std::string_view s, std::string_view open, char quote,
                                   bool backslash) {
    if (s.substr(0, open.size()) != open || s.size() < open.size() + 1 || s.back() != quote)
        return std::nullopt;
    const std::string_view body = s.substr(open.size(), s.size() - open.size() - 1);
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == quote || (backslash && c == '\\')) {
            if (i + 1 >= body.size() || body[i + 1] != c)
                return std::nullopt;  // a lone quote (or backslash) would end or escape the token
            ++i;
        }
        out += c;
    }
    return out;
}

int hex(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

std::optional<std::string> unquote_message(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"')
        return std::nullopt;
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f || c == '"')
            return std::nullopt;
        if (c != '\\') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size())
            return std::nullopt;
        if (s[i + 1] == '"' || s[i + 1] == '\\') {
            out += s[++i];
        } else if (s[i + 1] == 'x' && i + 4 < s.size() && hex(s[i + 2]) >= 0 &&
                   hex(s[i + 3]) >= 0) {
            out += static_cast<char>(hex(s[i + 2]) * 16 + hex(s[i + 3]));
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const bool has_nul = input.find('\0') != std::string_view::npos;
    const pgmi::pg::Quoter q(offline_conn());

    auto id = q.identifier(input);
    FUZZ_CHECK(id.has_value() == !has_nul);
    if (id) {
        FUZZ_CHECK(unquote(*id, "\"", '"', false) == std::string(input));
    } else {
        FUZZ_CHECK(id.error().message == "cannot quote an identifier: it contains a NUL byte");
    }

    auto lit = q.literal(input);
    FUZZ_CHECK(lit.has_value() == !has_nul);
    if (lit) {
        const bool e_form = lit->rfind(" E'", 0) == 0;
        FUZZ_CHECK(e_form == (input.find('\\') != std::string_view::npos));
        FUZZ_CHECK(unquote(*lit, e_form ? " E'" : "'", '\'', e_form) == std::string(input));
    } else {
        FUZZ_CHECK(lit.error().message == "cannot quote a literal: it contains a NUL byte");
    }

    FUZZ_CHECK(unquote_message(pgmi::util::quote_for_message(input)) == std::string(input));
    return 0;
}
