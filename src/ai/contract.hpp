// `pgmi ai contract`: the session API as JSON, for tools and assistants. The views' column lists,
// the functions' signatures and the test event type are read from the very SQL session::prepare
// runs (resources/session/schema.sql and api-v<N>.sql), so the contract cannot drift from the
// session; tests/integration/session/contract_test.cpp compares it with a live session's catalog.
// Exit codes come from util/error.hpp's ErrorKind.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::ai {

struct ViewDef {
    std::string name;  // unqualified, e.g. "pgmi_source_view"
    std::vector<std::string> columns;
};

struct FunctionDef {
    std::string name;  // unqualified
    std::vector<std::string>
        args;  // as written, white space collapsed: "p_pattern text DEFAULT NULL"
    std::vector<std::string> returns;  // RETURNS TABLE: column names; else the one type
};

struct TypeField {
    std::string name;
    std::string type;
};

struct TypeDef {
    std::string name;  // unqualified
    std::vector<TypeField> fields;
};

struct SessionObjects {
    std::vector<ViewDef> views;
    std::vector<FunctionDef> functions;
    std::vector<TypeDef> types;
};

/// The CREATE VIEW / CREATE FUNCTION / CREATE TYPE ... AS (...) statements of `sql`, in order.
/// A linear scan: comments, quoted strings and dollar-quoted bodies are skipped as units, so text
/// inside function bodies is never mistaken for a statement. `pg_temp.` prefixes are dropped.
SessionObjects parse_session_sql(std::string_view sql);

/// The objects of the embedded session SQL for the latest API version.
SessionObjects session_objects();

/// Functions of the session that are internal to pgmi (present in the catalog, not in the
/// contract).
const std::vector<std::string>& internal_functions();

/// The contract document (keys in the documented order).
nlohmann::ordered_json contract();

/// contract() as printed: 2-space indent and a final newline.
std::string contract_text();

}  // namespace pgmi::ai
