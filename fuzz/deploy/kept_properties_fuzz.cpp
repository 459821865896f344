// Fuzz target: the statements --overwrite replays from values stored in the database. Every
// value a less privileged role can write (setting names and values, role names, the comment,
// owner, tablespace, locale names) comes from the input; each statement built from them must be
// exactly one statement whose every byte of hostile text sits inside a quoted literal or
// identifier (no top-level ';', no comment). Quoting is libpq's own, on a PGconn that never
// connected (SQL_ASCII, standard_conforming_strings off: the most cautious form).
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/kept_properties.hpp"
#include "driver/fuzz_support.hpp"
#include "script/lexer.hpp"
#include "script/splitter.hpp"

namespace {

PGconn* offline_conn() {
    // A socket path that cannot exist: libpq fails at once, without any network traffic.
    static PGconn* conn = PQconnectStart("host=/nonexistent/pgmi-fuzz dbname=fuzz");
    return conn;
}

/// Input fields separated by '\n' (a missing field is empty).
std::vector<std::string> fields(std::string_view in, size_t n) {
    std::vector<std::string> out;
    size_t start = 0;
    while (out.size() < n) {
        const size_t nl = in.find('\n', start);
        if (nl == std::string_view::npos) {
            out.emplace_back(start <= in.size() ? in.substr(start) : std::string_view());
            start = in.size() + 1;
        } else {
            out.emplace_back(in.substr(start, nl - start));
            start = nl + 1;
        }
    }
    return out;
}

void check_one_statement(const pgmi::deploy::Statement& st) {
    using namespace pgmi::script;
    const Masked m = mask(st.sql);
    FUZZ_CHECK(m.block_comments.empty());
    FUZZ_CHECK(m.mask.find(';') == std::string::npos);
    FUZZ_CHECK(m.mask.find("--") == std::string::npos);
    FUZZ_CHECK(statements(m).size() == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pgmi::deploy;
    const auto f = fields(std::string_view(reinterpret_cast<const char*>(data), size), 12);
    KeptProperties k;
    k.owner = f[0];
    k.comment = f[1];
    k.tablespace = f[2];
    k.encoding = f[3];
    k.collate = f[4];
    k.ctype = f[5];
    k.icu_locale = f[6];
    k.provider.push_back("ibc"[size % 3]);  // ICU, builtin, libc
    k.differs_from_template1 = true;
    k.is_template = size % 2 == 0;
    k.settings.push_back({f[7], f[8], f[9]});
    k.settings.push_back({"", "search_path", f[9]});
    k.grants.emplace();
    k.grants->push_back({f[10], "CONNECT", true});
    k.grants->push_back({"", f[11], false});  // a privilege keyword pgmi does not know: refused

    const pgmi::pg::Quoter quote(offline_conn());
    std::string db = f[7];
    db += f[0];
    if (auto create = create_statement(quote, db, k))
        check_one_statement(*create);
    if (auto steps = before_drop_steps(quote, db, k)) {
        for (const Step& step : *steps) {
            for (const Statement& st : step)
                check_one_statement(st);
        }
    }
    if (auto steps = restore_steps(quote, db, k)) {
        FUZZ_CHECK(f[11] == "CONNECT" || f[11] == "CREATE" || f[11] == "TEMPORARY");
        for (const Step& step : *steps) {
            for (const Statement& st : step)
                check_one_statement(st);
        }
    }
    return 0;
}
