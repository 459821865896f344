#include "pg/quote.hpp"

#include <cstring>

namespace pgmi::pg {

namespace {

using Escape = char* (*)(PGconn*, const char*, size_t);

Result<std::string> escape(PGconn* conn, std::string_view text, Escape fn, const char* what) {
    // libpq stops at a NUL; a value that has one cannot be represented in SQL text at all.
    if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
        return make_error(ErrorKind::General,
                          std::string("cannot quote ") + what + ": it contains a NUL byte");
    }
    char* quoted = fn(conn, text.data(), text.size());
    if (quoted == nullptr) {
        std::string reason = PQerrorMessage(conn);
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
            reason.pop_back();
        return make_error(ErrorKind::General, std::string("cannot quote ") + what + ": " +
                                                  (reason.empty() ? "libpq refused it" : reason));
    }
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

}  // namespace

Result<std::string> Quoter::identifier(std::string_view name) const {
    return escape(conn_, name, &PQescapeIdentifier, "an identifier");
}

Result<std::string> Quoter::literal(std::string_view text) const {
    return escape(conn_, text, &PQescapeLiteral, "a literal");
}

}  // namespace pgmi::pg
