#include "deploy/kept_properties.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "deploy/target.hpp"
#include "script/lexer.hpp"

namespace pgmi::deploy {

namespace {

// Version-independent: to_jsonb(d) simply lacks the locale-provider columns on old servers.
constexpr const char* kPropertiesQuery = R"sql(
SELECT pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       pg_get_userbyid(d.datdba), d.datconnlimit,
       coalesce(shobj_description(d.oid, 'pg_database'), ''),
       CASE WHEN t.spcname = 'pg_default' THEN '' ELSE t.spcname END,
       coalesce(to_jsonb(d) ->> 'datlocprovider', ''),
       coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale', ''),
       (d.encoding, d.datcollate, d.datctype,
        coalesce(to_jsonb(d) ->> 'datlocprovider', ''),
        coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale', ''))
       IS DISTINCT FROM
       (t1.encoding, t1.datcollate, t1.datctype,
        coalesce(to_jsonb(t1) ->> 'datlocprovider', ''),
        coalesce(to_jsonb(t1) ->> 'daticulocale', to_jsonb(t1) ->> 'datlocale', '')),
       d.datistemplate, d.datacl IS NULL
FROM pg_database d
JOIN pg_tablespace t ON t.oid = d.dattablespace
CROSS JOIN (SELECT * FROM pg_database WHERE datname = 'template1') t1
WHERE d.datname = $1)sql";

// Database-wide settings first, then per role, each in stored order.
constexpr const char* kSettingsQuery = R"sql(
SELECT CASE WHEN r.setrole = 0 THEN '' ELSE r.setrole::regrole::text END,
       split_part(s.setting, '=', 1), substr(s.setting, strpos(s.setting, '=') + 1)
FROM pg_db_role_setting r
CROSS JOIN LATERAL unnest(r.setconfig) WITH ORDINALITY AS s(setting, n)
WHERE r.setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)
ORDER BY r.setrole <> 0, r.setrole::regrole::text, s.n)sql";

constexpr const char* kGrantsQuery = R"sql(
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
       a.privilege_type, a.is_grantable
FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a
WHERE d.datname = $1
ORDER BY 1, 2)sql";

Error read_error(const Error& cause, const std::string& what, const std::string& db) {
    Error e = cause.wrapped(
        fmt::format("failed to read the {} of database {}", what, quote_for_message(db)));
    e.kind = ErrorKind::General;
    return e;
}

/// A GUC name as SQL: each dot-separated part quoted.
std::string guc_name(const std::string& name) {
    std::string out;
    size_t start = 0;
    for (;;) {
        size_t dot = name.find('.', start);
        out += quote_ident(name.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos)
            break;
        out += '.';
        start = dot + 1;
    }
    return out;
}

/// List-valued settings are stored already quoted (`a, "b c"`) and are restored as written;
/// everything else is one string literal.
bool is_list_setting(const std::string& name) {
    for (std::string_view list : {"SEARCH_PATH", "TEMP_TABLESPACES", "SESSION_PRELOAD_LIBRARIES",
                                  "LOCAL_PRELOAD_LIBRARIES", "SHARED_PRELOAD_LIBRARIES"}) {
        if (script::iequals(name, list))
            return true;
    }
    return false;
}

}  // namespace

Result<KeptProperties> read_kept_properties(pg::Connection& maint, const std::string& db) {
    auto r = maint.exec_params(kPropertiesQuery, {db});
    if (!r || r->rows() != 1) {
        Error cause = r ? make_error(ErrorKind::General, "it disappeared") : r.error();
        return read_error(cause, "properties", db);
    }
    KeptProperties k;
    auto v = [&](int col) { return std::string(r->value(0, col)); };
    k.encoding = v(0);
    k.collate = v(1);
    k.ctype = v(2);
    k.owner = v(3);
    k.connection_limit = std::atoi(v(4).c_str());
    k.comment = v(5);
    k.tablespace = v(6);
    k.provider = v(7);
    k.icu_locale = v(8);
    k.differs_from_template1 = v(9) == "t";
    k.is_template = v(10) == "t";
    const bool default_acl = v(11) == "t";

    auto s = maint.exec_params(kSettingsQuery, {db});
    if (!s)
        return read_error(s.error(), "settings", db);
    for (int i = 0; i < s->rows(); ++i) {
        k.settings.push_back({std::string(s->value(i, 0)), std::string(s->value(i, 1)),
                              std::string(s->value(i, 2))});
    }
    if (!default_acl) {
        auto g = maint.exec_params(kGrantsQuery, {db});
        if (!g)
            return read_error(g.error(), "privileges", db);
        k.grants.emplace();
        for (int i = 0; i < g->rows(); ++i) {
            k.grants->push_back(
                {std::string(g->value(i, 0)), std::string(g->value(i, 1)), g->value(i, 2) == "t"});
        }
    }
    return k;
}

std::vector<std::string> before_drop_statements(const std::string& db, const KeptProperties& k) {
    if (!k.is_template)
        return {};
    return {"ALTER DATABASE " + quote_ident(db) + " IS_TEMPLATE false"};
}

std::string create_statement(const std::string& db, const KeptProperties& k) {
    std::string sql = "CREATE DATABASE " + quote_ident(db);
    if (k.differs_from_template1) {
        sql += " TEMPLATE template0 ENCODING " + quote_literal(k.encoding) + " LC_COLLATE " +
               quote_literal(k.collate) + " LC_CTYPE " + quote_literal(k.ctype);
        if (k.provider == "i") {
            sql += " LOCALE_PROVIDER icu ICU_LOCALE " + quote_literal(k.icu_locale);
        } else if (k.provider == "b") {
            sql += " LOCALE_PROVIDER builtin BUILTIN_LOCALE " + quote_literal(k.icu_locale);
        } else if (k.provider == "c") {
            sql += " LOCALE_PROVIDER libc";
        }
    }
    sql += " OWNER " + quote_ident(k.owner);
    if (k.connection_limit >= 0)
        sql += " CONNECTION LIMIT " + std::to_string(k.connection_limit);
    if (!k.tablespace.empty())
        sql += " TABLESPACE " + quote_ident(k.tablespace);
    return sql;
}

std::vector<std::string> restore_statements(const std::string& db, const KeptProperties& k) {
    const std::string name = quote_ident(db);
    std::vector<std::string> out;
    for (const auto& s : k.settings) {
        const std::string value = is_list_setting(s.name) ? s.value : quote_literal(s.value);
        std::string sql =
            s.role.empty() ? "ALTER DATABASE " : "ALTER ROLE " + s.role + " IN DATABASE ";
        sql += name;
        sql += " SET ";
        sql += guc_name(s.name);
        sql += " = ";
        sql += value;
        out.push_back(std::move(sql));
    }
    if (!k.comment.empty())
        out.push_back("COMMENT ON DATABASE " + name + " IS " + quote_literal(k.comment));
    if (k.grants) {
        // Exactly the old list: start from nothing (the owner's implicit rights included), then
        // grant each entry. Grantors other than the owner are not kept.
        out.push_back("REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
        out.push_back("REVOKE ALL ON DATABASE " + name + " FROM " + quote_ident(k.owner));
        for (const auto& g : *k.grants) {
            out.push_back("GRANT " + g.privilege + " ON DATABASE " + name + " TO " + g.grantee +
                          (g.grantable ? " WITH GRANT OPTION" : ""));
        }
    }
    if (k.is_template)
        out.push_back("ALTER DATABASE " + name + " IS_TEMPLATE true");
    return out;
}

}  // namespace pgmi::deploy
