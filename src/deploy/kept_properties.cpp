#include "deploy/kept_properties.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "deploy/target.hpp"
#include "pg/quote.hpp"
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

// Database-wide settings first, then per role, each in stored order. Role names come raw (not
// as regrole prints them) so pgmi quotes them itself; a setting of a role that no longer exists
// cannot be restored and is skipped.
constexpr const char* kSettingsQuery = R"sql(
SELECT coalesce(ro.rolname, ''), split_part(s.setting, '=', 1),
       substr(s.setting, strpos(s.setting, '=') + 1)
FROM pg_db_role_setting r
LEFT JOIN pg_roles ro ON ro.oid = r.setrole
CROSS JOIN LATERAL unnest(r.setconfig) WITH ORDINALITY AS s(setting, n)
WHERE r.setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)
  AND (r.setrole = 0 OR ro.rolname IS NOT NULL)
ORDER BY r.setrole <> 0, ro.rolname, s.n)sql";

constexpr const char* kGrantsQuery = R"sql(
SELECT CASE WHEN a.grantee = 0 THEN '' ELSE ro.rolname END, a.privilege_type, a.is_grantable
FROM pg_database d
CROSS JOIN LATERAL aclexplode(d.datacl) a
LEFT JOIN pg_roles ro ON ro.oid = a.grantee
WHERE d.datname = $1 AND (a.grantee = 0 OR ro.rolname IS NOT NULL)
ORDER BY 1, 2)sql";

Error read_error(const Error& cause, const std::string& what, const std::string& db) {
    Error e = cause.wrapped(
        fmt::format("failed to read the {} of database {}", what, quote_for_message(db)));
    e.kind = ErrorKind::General;
    return e;
}

/// A GUC name as SQL: each dot-separated part quoted.
Result<std::string> guc_name(const pg::Quoter& c, const std::string& name) {
    std::string out;
    size_t start = 0;
    for (;;) {
        const size_t dot = name.find('.', start);
        auto part = c.identifier(name.substr(start, dot == std::string::npos ? dot : dot - start));
        if (!part)
            return part.error();
        out += *part;
        if (dot == std::string::npos)
            break;
        out += '.';
        start = dot + 1;
    }
    return out;
}

/// List-valued settings are stored already flattened (`a, "b c"`): one literal would store them
/// as a single element, so they are set as given with set_config() and stored FROM CURRENT.
bool is_list_setting(const std::string& name) {
    for (std::string_view list : {"SEARCH_PATH", "TEMP_TABLESPACES", "SESSION_PRELOAD_LIBRARIES",
                                  "LOCAL_PRELOAD_LIBRARIES", "SHARED_PRELOAD_LIBRARIES"}) {
        if (script::iequals(name, list))
            return true;
    }
    return false;
}

/// The privilege keyword of a kept grant; aclexplode only reports these for a database.
std::optional<std::string_view> database_privilege(const std::string& p) {
    for (std::string_view known : {"CREATE", "TEMPORARY", "CONNECT"}) {
        if (p == known)
            return known;
    }
    return std::nullopt;
}

Statement plain(std::string sql) {
    return Statement{std::move(sql), {}};
}

/// `ALTER DATABASE d` or `ALTER ROLE r IN DATABASE d`.
Result<std::string> alter_target(const pg::Quoter& c, const std::string& db_sql,
                                 const std::string& role) {
    if (role.empty())
        return "ALTER DATABASE " + db_sql;
    auto r = c.identifier(role);
    if (!r)
        return r.error();
    return "ALTER ROLE " + *r + " IN DATABASE " + db_sql;
}

Result<Step> setting_step(const pg::Quoter& c, const std::string& db_sql,
                          const KeptProperties::Setting& s) {
    auto target = alter_target(c, db_sql, s.role);
    if (!target)
        return target.error();
    auto name = guc_name(c, s.name);
    if (!name)
        return name.error();
    if (is_list_setting(s.name)) {
        // set_config(..., true) lasts until the COMMIT below; FROM CURRENT stores it verbatim.
        return Step{plain("BEGIN"), Statement{"SELECT set_config($1, $2, true)", {s.name, s.value}},
                    plain(*target + " SET " + *name + " FROM CURRENT"), plain("COMMIT")};
    }
    auto value = c.literal(s.value);
    if (!value)
        return value.error();
    return Step{plain(*target + " SET " + *name + " = " + *value)};
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

Result<std::vector<Step>> before_drop_steps(const pg::Quoter& quote, const std::string& db,
                                            const KeptProperties& k) {
    if (!k.is_template)
        return std::vector<Step>{};
    auto name = quote.identifier(db);
    if (!name)
        return name.error();
    return std::vector<Step>{{plain("ALTER DATABASE " + *name + " IS_TEMPLATE false")}};
}

Result<Statement> create_statement(const pg::Quoter& quote, const std::string& db,
                                   const KeptProperties& k) {
    std::optional<Error> bad;
    auto ident = [&](const std::string& v) {
        auto q = quote.identifier(v);
        if (!q && !bad)
            bad = q.error();
        return q ? *q : std::string();
    };
    auto literal = [&](const std::string& v) {
        auto q = quote.literal(v);
        if (!q && !bad)
            bad = q.error();
        return q ? *q : std::string();
    };
    std::string sql = "CREATE DATABASE " + ident(db);
    if (k.differs_from_template1) {
        sql += " TEMPLATE template0 ENCODING " + literal(k.encoding) + " LC_COLLATE " +
               literal(k.collate) + " LC_CTYPE " + literal(k.ctype);
        if (k.provider == "i") {
            sql += " LOCALE_PROVIDER icu ICU_LOCALE " + literal(k.icu_locale);
        } else if (k.provider == "b") {
            sql += " LOCALE_PROVIDER builtin BUILTIN_LOCALE " + literal(k.icu_locale);
        } else if (k.provider == "c") {
            sql += " LOCALE_PROVIDER libc";
        }
    }
    sql += " OWNER " + ident(k.owner);
    if (k.connection_limit >= 0)
        sql += " CONNECTION LIMIT " + std::to_string(k.connection_limit);
    if (!k.tablespace.empty())
        sql += " TABLESPACE " + ident(k.tablespace);
    if (bad)
        return *bad;
    return plain(std::move(sql));
}

Result<std::vector<Step>> restore_steps(const pg::Quoter& quote, const std::string& db,
                                        const KeptProperties& k) {
    auto name = quote.identifier(db);
    if (!name)
        return name.error();
    std::vector<Step> out;
    for (const auto& s : k.settings) {
        auto step = setting_step(quote, *name, s);
        if (!step)
            return step.error();
        out.push_back(std::move(*step));
    }
    if (!k.comment.empty()) {
        auto comment = quote.literal(k.comment);
        if (!comment)
            return comment.error();
        out.push_back({plain("COMMENT ON DATABASE " + *name + " IS " + *comment)});
    }
    if (k.grants) {
        // Exactly the old list: start from nothing (the owner's implicit rights included), then
        // grant each entry. Grantors other than the owner are not kept.
        auto owner = quote.identifier(k.owner);
        if (!owner)
            return owner.error();
        out.push_back({plain("REVOKE ALL ON DATABASE " + *name + " FROM PUBLIC")});
        out.push_back({plain("REVOKE ALL ON DATABASE " + *name + " FROM " + *owner)});
        for (const auto& g : *k.grants) {
            const auto privilege = database_privilege(g.privilege);
            if (!privilege) {
                return make_error(ErrorKind::General,
                                  "unknown database privilege " + quote_for_message(g.privilege));
            }
            std::string grantee = "PUBLIC";
            if (!g.grantee.empty()) {
                auto q = quote.identifier(g.grantee);
                if (!q)
                    return q.error();
                grantee = *q;
            }
            out.push_back({plain("GRANT " + std::string(*privilege) + " ON DATABASE " + *name +
                                 " TO " + grantee + (g.grantable ? " WITH GRANT OPTION" : ""))});
        }
    }
    if (k.is_template)
        out.push_back({plain("ALTER DATABASE " + *name + " IS_TEMPLATE true")});
    return out;
}

Status run_steps(pg::Connection& conn, const std::vector<Step>& steps,
                 const std::function<void(const Statement&)>& shown, const Statement** failed) {
    for (const Step& step : steps) {
        for (const Statement& st : step) {
            if (shown)
                shown(st);
            auto done = conn.exec_params(st.sql, st.params);
            if (done)
                continue;
            if (failed != nullptr)
                *failed = &st;
            if (step.size() > 1)
                (void)conn.exec_params("ROLLBACK", {});
            return std::move(done).error();
        }
    }
    return Status::ok();
}

}  // namespace pgmi::deploy
