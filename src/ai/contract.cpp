#include "ai/contract.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>

#include "session/loader.hpp"
#include "util/error.hpp"
#include "util/resources.hpp"
#include "util/strings.hpp"

namespace pgmi::ai {

namespace {

// ---- a small SQL tokenizer, just enough for the DDL of resources/session/ -------------------

struct Token {
    enum Kind { Word, QuotedIdent, String, Punct } kind;
    std::size_t begin;
    std::size_t end;  // one past the last byte
    int depth;        // parenthesis depth outside this token: '(' and its ')' share one
};

bool word_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || u >= 0x80;
}

// Every token of `sql` in one pass; a `;` at depth 0 ends a statement (one inner vector each).
std::vector<std::vector<Token>> statements(std::string_view sql) {
    std::vector<std::vector<Token>> out(1);
    int depth = 0;
    std::size_t i = 0;
    const std::size_t n = sql.size();
    auto push = [&](Token::Kind kind, std::size_t b, std::size_t e) {
        out.back().push_back({kind, b, e, depth});
    };
    while (i < n) {
        const char c = sql[i];
        if (util::is_space(c)) {
            ++i;
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            i = std::min(sql.find('\n', i), n);
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int nest = 0;
            while (i < n) {
                if (sql.compare(i, 2, "/*") == 0) {
                    ++nest;
                    i += 2;
                } else if (sql.compare(i, 2, "*/") == 0) {
                    i += 2;
                    if (--nest == 0)
                        break;
                } else {
                    ++i;
                }
            }
        } else if (c == '\'') {
            // E'...' strings take backslash escapes; the E is the word right before the quote.
            const bool escapes = !out.back().empty() && out.back().back().end == i &&
                                 out.back().back().end - out.back().back().begin == 1 &&
                                 (sql[i - 1] == 'E' || sql[i - 1] == 'e');
            const std::size_t b = i++;
            while (i < n) {
                if (escapes && sql[i] == '\\') {
                    i += 2;
                } else if (sql[i] == '\'') {
                    if (i + 1 < n && sql[i + 1] == '\'') {
                        i += 2;
                    } else {
                        ++i;
                        break;
                    }
                } else {
                    ++i;
                }
            }
            push(Token::String, b, std::min(i, n));
        } else if (c == '"') {
            const std::size_t b = i++;
            while (i < n && !(sql[i] == '"' && (i + 1 >= n || sql[i + 1] != '"')))
                i += sql[i] == '"' ? 2 : 1;
            i = std::min(i + 1, n);
            push(Token::QuotedIdent, b, i);
        } else if (c == '$' && i + 1 < n && !(sql[i + 1] >= '0' && sql[i + 1] <= '9')) {
            // $tag$ ... $tag$ (a function body): one token.
            std::size_t j = i + 1;
            while (j < n && sql[j] != '$' && word_char(sql[j]))
                ++j;
            if (j < n && sql[j] == '$') {
                const std::string_view tag = sql.substr(i, j + 1 - i);
                const std::size_t close = sql.find(tag, j + 1);
                const std::size_t e = close == std::string_view::npos ? n : close + tag.size();
                push(Token::String, i, e);
                i = e;
            } else {
                push(Token::Punct, i, i + 1);
                ++i;
            }
        } else if (word_char(c)) {
            const std::size_t b = i;
            while (i < n && word_char(sql[i]))
                ++i;
            push(Token::Word, b, i);
        } else if (c == ';' && depth == 0) {
            out.emplace_back();
            ++i;
        } else {
            if (c == ')')
                depth = std::max(0, depth - 1);
            push(Token::Punct, i, i + 1);
            if (c == '(')
                ++depth;
            ++i;
        }
    }
    return out;
}

class Statement {
  public:
    Statement(std::string_view sql, const std::vector<Token>& tokens) : sql_(sql), t_(tokens) {}

    std::size_t size() const { return t_.size(); }
    std::string_view text(std::size_t i) const {
        return sql_.substr(t_[i].begin, t_[i].end - t_[i].begin);
    }
    bool is(std::size_t i, std::string_view word) const {
        return i < t_.size() && t_[i].kind == Token::Word && util::iequals(text(i), word);
    }
    bool punct(std::size_t i, char c) const {
        return i < t_.size() && t_[i].kind == Token::Punct && text(i) == std::string_view(&c, 1);
    }
    int depth(std::size_t i) const { return t_[i].depth; }
    // Source text from token a to token b (inclusive), white space runs collapsed to one space.
    std::string source(std::size_t a, std::size_t b) const {
        std::string out;
        bool space = false;
        for (char c : sql_.substr(t_[a].begin, t_[b].end - t_[a].begin)) {
            if (util::is_space(c)) {
                space = true;
                continue;
            }
            if (space && !out.empty())
                out += ' ';
            space = false;
            out += c;
        }
        return out;
    }
    // An identifier token without its double quotes.
    std::string ident(std::size_t i) const {
        std::string_view s = text(i);
        if (t_[i].kind == Token::QuotedIdent && s.size() >= 2)
            s = s.substr(1, s.size() - 2);
        return std::string(s);
    }

    // Index of the ')' closing the '(' at `open`, or size().
    std::size_t closing(std::size_t open) const {
        for (std::size_t i = open + 1; i < t_.size(); ++i) {
            if (punct(i, ')') && depth(i) == depth(open))
                return i;
        }
        return t_.size();
    }

    // The comma-separated items between `open` and its closing parenthesis, as [first, last].
    std::vector<std::pair<std::size_t, std::size_t>> items(std::size_t open, std::size_t close,
                                                           int item_depth) const {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        std::size_t start = open;
        for (std::size_t i = open; i <= close && i < t_.size(); ++i) {
            if (i == close || (punct(i, ',') && depth(i) == item_depth)) {
                if (i > start)
                    out.emplace_back(start, i - 1);
                start = i + 1;
            }
        }
        return out;
    }

  private:
    std::string_view sql_;
    const std::vector<Token>& t_;
};

// A possibly schema-qualified name starting at `i`: the last part; `i` moves past it.
std::string object_name(const Statement& s, std::size_t& i) {
    std::string name = i < s.size() ? s.ident(i) : "";
    ++i;
    while (s.punct(i, '.') && i + 1 < s.size()) {
        name = s.ident(i + 1);
        i += 2;
    }
    return name;
}

std::string strip_pg_temp(std::string text) {
    const std::string prefix = "pg_temp.";
    for (std::size_t p = text.find(prefix); p != std::string::npos; p = text.find(prefix, p))
        text.erase(p, prefix.size());
    return text;
}

void parse_view(const Statement& s, std::size_t i, std::string name, SessionObjects& out) {
    if (!s.is(i, "AS") || !s.is(i + 1, "SELECT"))
        return;
    const int top = s.depth(i);
    std::size_t from = i + 2;
    while (from < s.size() && !(s.is(from, "FROM") && s.depth(from) == top))
        ++from;
    ViewDef view{std::move(name), {}};
    for (auto [a, b] : s.items(i + 2, from, top)) {
        std::size_t col = b;  // no alias: the last identifier (`s.path` -> path)
        for (std::size_t k = a; k < b; ++k) {
            if (s.is(k, "AS") && s.depth(k) == top)
                col = k + 1;
        }
        view.columns.push_back(s.ident(col));
    }
    out.views.push_back(std::move(view));
}

void parse_function(const Statement& s, std::size_t i, std::string name, SessionObjects& out) {
    if (!s.punct(i, '('))
        return;
    const std::size_t close = s.closing(i);
    FunctionDef fn{std::move(name), {}, {}};
    for (auto [a, b] : s.items(i + 1, close, s.depth(i) + 1))
        fn.args.push_back(s.source(a, b));
    std::size_t r = close + 1;
    if (!s.is(r, "RETURNS"))
        return;
    ++r;
    if (s.is(r, "TABLE") && s.punct(r + 1, '(')) {
        const std::size_t end = s.closing(r + 1);
        for (auto [a, b] : s.items(r + 2, end, s.depth(r + 1) + 1))
            fn.returns.push_back(s.ident(a));
    } else {
        static constexpr std::array<std::string_view, 11> kAttributes = {
            "LANGUAGE", "AS",  "IMMUTABLE", "STABLE", "VOLATILE", "STRICT",
            "SECURITY", "SET", "COST",      "ROWS",   "PARALLEL"};
        std::size_t end = r;
        while (end < s.size() && std::none_of(kAttributes.begin(), kAttributes.end(),
                                              [&](std::string_view w) { return s.is(end, w); }))
            ++end;
        if (end > r)
            fn.returns.push_back(strip_pg_temp(s.source(r, end - 1)));
    }
    out.functions.push_back(std::move(fn));
}

void parse_type(const Statement& s, std::size_t i, std::string name, SessionObjects& out) {
    if (!s.is(i, "AS") || !s.punct(i + 1, '('))
        return;
    const std::size_t close = s.closing(i + 1);
    TypeDef type{std::move(name), {}};
    for (auto [a, b] : s.items(i + 2, close, s.depth(i + 1) + 1)) {
        if (b > a)
            type.fields.push_back({s.ident(a), s.source(a + 1, b)});
    }
    out.types.push_back(std::move(type));
}

// ---- what the catalog alone cannot say ----------------------------------------------------

struct Public {
    std::string_view name;
    std::string_view note;  // empty = none
};

// Public views and functions in the order the contract lists them (spec order); objects the SQL
// defines beyond these follow in source order, so a new one is never silently left out.
constexpr std::array<Public, 6> kViews = {{
    {"pgmi_source_view", ""},
    {"pgmi_parameter_view",
     "Keys are lower-cased on load; values are text. Each parameter is also a session variable "
     "readable with current_setting('pgmi.<key>', true)."},
    {"pgmi_plan_view", ""},
    {"pgmi_source_metadata_view", ""},
    {"pgmi_test_source_view", ""},
    {"pgmi_test_directory_view", ""},
}};

constexpr std::array<std::string_view, 8> kFunctions = {
    "pgmi_test_plan", "pgmi_test_generate", "pgmi_test_callback", "pgmi_validate_pattern",
    "pgmi_has_tests", "pgmi_register_file", "pgmi_is_sql_file",   "pgmi_persist_test_plan"};

template <class T, class Names, class Key>
std::vector<const T*> ordered(const std::vector<T>& defs, const Names& names, Key key) {
    std::vector<const T*> out;
    for (const auto& wanted : names) {
        for (const auto& d : defs) {
            if (d.name == key(wanted))
                out.push_back(&d);
        }
    }
    for (const auto& d : defs) {
        const bool listed = std::any_of(names.begin(), names.end(),
                                        [&](const auto& w) { return d.name == key(w); });
        if (!listed)
            out.push_back(&d);
    }
    return out;
}

struct ExitCode {
    int code;
    std::string_view name;
    std::string_view description;
};

std::vector<ExitCode> exit_codes() {
    auto k = [](ErrorKind kind) { return exit_code(kind); };
    std::vector<ExitCode> codes = {
        {0, "ExitSuccess", "Success"},
        {k(ErrorKind::General), "ExitGeneralError", "General error"},
        {k(ErrorKind::Usage), "ExitUsageError",
         "Usage error: invalid arguments, flags or values on the command line"},
        {k(ErrorKind::Unexpected), "ExitPanic", "Unexpected internal error (a bug in pgmi)"},
        {k(ErrorKind::Config), "ExitConfigError",
         "Configuration or project error, found before connecting (pgmi.yaml, parameters, "
         "<pgmi-meta>, project path)"},
        {k(ErrorKind::Connection), "ExitConnectionError",
         "Could not connect or authenticate to PostgreSQL"},
        {k(ErrorKind::Approval), "ExitApprovalDenied",
         "Dropping the existing database (--overwrite) was not approved"},
        {k(ErrorKind::Execution), "ExitExecutionFailed",
         "A statement of deploy.sql (or a test) failed; the error names file and line"},
        {k(ErrorKind::ProjectMissing), "ExitDeploySQLMissing",
         "deploy.sql not found in the project directory"},
        {k(ErrorKind::Lock), "ExitConcurrentDeploy",
         "Another pgmi deploy to the same database holds the deploy lock"},
        {k(ErrorKind::Timeout), "ExitTimeout", "The deploy exceeded --timeout"},
        {k(ErrorKind::Interrupted), "ExitInterrupted",
         "Interrupted by SIGINT (Ctrl-C); the running statement was cancelled"},
        {k(ErrorKind::Terminated), "ExitTerminated",
         "Terminated by SIGTERM; the running statement was cancelled"},
    };
    std::sort(codes.begin(), codes.end(),
              [](const ExitCode& a, const ExitCode& b) { return a.code < b.code; });
    return codes;
}

nlohmann::ordered_json execution_contract() {
    nlohmann::ordered_json c;
    c["summary"] =
        "deploy.sql runs in two parts. Everything up to and including the first top-level "
        "transaction terminator is the atomic head: pgmi sends it as one unit, so it commits or "
        "fails as a whole. Everything after it is the tail, run statement by statement in "
        "autocommit, as psql would.";
    c["head"] =
        "From the start of deploy.sql to the first top-level COMMIT, END, ROLLBACK or ABORT "
        "(inclusive). Open it with BEGIN; a failure anywhere in the head leaves the database "
        "untouched. A terminator with AND CHAIN ends the head too; the transaction it opens "
        "must be closed by a later COMMIT.";
    c["tail"] =
        "The statements after the head, each in its own implicit transaction (autocommit), in "
        "order; execution stops at the first failure.";
    c["terminators"] = {"COMMIT [WORK | TRANSACTION] [AND [NO] CHAIN]",
                        "END [WORK | TRANSACTION] [AND [NO] CHAIN]",
                        "ROLLBACK [WORK | TRANSACTION] [AND [NO] CHAIN]",
                        "ABORT [WORK | TRANSACTION] [AND [NO] CHAIN]", "PREPARE TRANSACTION 'gid'"};
    c["not_terminators"] = {"ROLLBACK TO [SAVEPOINT] name", "COMMIT PREPARED 'gid'",
                            "ROLLBACK PREPARED 'gid'",
                            "END of a BEGIN ATOMIC ... END function or procedure body",
                            "COMMIT or ROLLBACK inside a DO block, function or procedure"};
    c["consequences"] = {
        "The tail is not grouped: each statement commits on its own.",
        "A failure in the tail keeps the head and every earlier tail statement committed.",
        "A transaction-level advisory lock taken in the head is released at its COMMIT and does "
        "not cover the tail."};
    c["not_via_execute"] = {"CREATE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY", "VACUUM",
                            "CREATE DATABASE",           "DROP DATABASE",           "ALTER SYSTEM"};
    c["not_via_execute_why"] =
        "These statements cannot run inside a transaction block or a function, so they fail "
        "with SQLSTATE 25001 (active_sql_transaction) when run by EXECUTE in a DO block or from "
        "the head. Write them as top-level statements in the tail of deploy.sql.";
    return c;
}

}  // namespace

SessionObjects parse_session_sql(std::string_view sql) {
    SessionObjects out;
    for (const auto& tokens : statements(sql)) {
        const Statement s(sql, tokens);
        if (!s.is(0, "CREATE"))
            continue;
        std::size_t i = 1;
        if (s.is(i, "OR") && s.is(i + 1, "REPLACE"))
            i += 2;
        if (s.is(i, "TEMP") || s.is(i, "TEMPORARY"))
            ++i;
        if (s.is(i, "VIEW")) {
            ++i;
            std::string name = object_name(s, i);
            parse_view(s, i, std::move(name), out);
        } else if (s.is(i, "FUNCTION")) {
            ++i;
            std::string name = object_name(s, i);
            parse_function(s, i, std::move(name), out);
        } else if (s.is(i, "TYPE")) {
            ++i;
            std::string name = object_name(s, i);
            parse_type(s, i, std::move(name), out);
        }
    }
    return out;
}

SessionObjects session_objects() {
    std::string sql(resources::find("session/schema.sql").value_or(""));
    sql += "\n;\n";
    sql += resources::find(fmt::format("session/api-v{}.sql", session::kLatestApiVersion))
               .value_or("");
    return parse_session_sql(sql);
}

const std::vector<std::string>& internal_functions() {
    static const std::vector<std::string> internal = {"pgmi_run_test_source"};
    return internal;
}

nlohmann::ordered_json contract() {
    const SessionObjects objects = session_objects();
    nlohmann::ordered_json doc;

    auto& views = doc["views"] = nlohmann::ordered_json::array();
    for (const ViewDef* v :
         ordered(objects.views, kViews, [](const Public& p) { return p.name; })) {
        nlohmann::ordered_json j;
        j["name"] = v->name;
        j["columns"] = v->columns;
        for (const auto& p : kViews) {
            if (p.name == v->name && !p.note.empty())
                j["note"] = p.note;
        }
        views.push_back(std::move(j));
    }

    auto& functions = doc["functions"] = nlohmann::ordered_json::array();
    for (const FunctionDef* f :
         ordered(objects.functions, kFunctions, [](std::string_view n) { return n; })) {
        const auto& internal = internal_functions();
        if (std::find(internal.begin(), internal.end(), f->name) != internal.end())
            continue;
        nlohmann::ordered_json j;
        j["name"] = f->name;
        j["args"] = f->args;
        j["returns"] = f->returns;
        functions.push_back(std::move(j));
    }

    auto& types = doc["types"] = nlohmann::ordered_json::array();
    for (const TypeDef& t : objects.types) {
        nlohmann::ordered_json j;
        j["name"] = t.name;
        auto& fields = j["fields"] = nlohmann::ordered_json::array();
        for (const auto& f : t.fields)
            fields.push_back({{"name", f.name}, {"type", f.type}});
        if (t.name == "pgmi_test_event") {
            j["events"] = {"suite_start",    "fixture_start", "fixture_end",
                           "test_start",     "test_end",      "rollback",
                           "teardown_start", "teardown_end",  "suite_end"};
            j["note"] =
                "A callback takes one argument of type pg_temp.pgmi_test_event and returns "
                "void; pass its schema-qualified name, e.g. CALL pgmi_test(NULL, "
                "'pg_temp.my_callback').";
        }
        types.push_back(std::move(j));
    }

    doc["step_types"] = {"fixture", "test", "teardown"};
    doc["step_types_note"] =
        "These are the step_type values of pgmi_test_plan() rows (the plan), not the events a "
        "callback receives; see types[pgmi_test_event].events for those.";

    auto& codes = doc["exit_codes"] = nlohmann::ordered_json::array();
    for (const auto& c : exit_codes()) {
        nlohmann::ordered_json j;
        j["code"] = c.code;
        j["name"] = c.name;
        j["description"] = c.description;
        codes.push_back(std::move(j));
    }

    doc["macros"] = nlohmann::ordered_json::array();
    auto macro = [&](std::string_view form, std::string_view description) {
        nlohmann::ordered_json j;
        j["form"] = form;
        j["description"] = description;
        doc["macros"].push_back(std::move(j));
    };
    macro("CALL pgmi_test()",
          "Runs every test of the project's __test__/__tests__ directories, each fixture and "
          "test inside savepoints that are rolled back afterwards. Must sit at the top level of "
          "deploy.sql inside an explicit BEGIN ... COMMIT (PostgreSQL itself would fail "
          "savepoints outside one with 25P01); pgmi checks this before connecting and exits 10 "
          "naming the line.");
    macro("CALL pgmi_test('pattern')",
          "Runs only the tests whose path matches the POSIX regular expression (fixtures of "
          "their directories run as needed); no match is an error (P0002).");
    macro("CALL pgmi_test('pattern', 'callback')",
          "Same, reporting each step to the schema-qualified callback function instead of "
          "pg_temp.pgmi_test_callback; NULL as pattern selects every test.");

    doc["execution_contract"] = execution_contract();
    return doc;
}

std::string contract_text() {
    return contract().dump(2) + "\n";
}

}  // namespace pgmi::ai
