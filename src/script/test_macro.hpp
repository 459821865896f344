// The `CALL pgmi_test(...)` macro of deploy.sql (deploy-execution §4.2, session-api §4.7): finding
// the calls on the mask with tokens, reporting every use that would not be expanded, checking the
// callback name, and splicing the generated SQL in while keeping a map back to the original.
//
// Recognized (any case, any whitespace or comments between tokens, `;` optional, glued to the
// previous statement or not): CALL [pg_temp.]pgmi_test ( [ '<pattern>' | NULL ]
// [ , '<callback>' | NULL ] ). Arguments are plain '...' literals; a doubled '' is unescaped.
// Every other routine-shaped use -- any CALL of the name, `pgmi_test(` as a function call (not a
// column list after TABLE, INTO, REFERENCES, ...), CREATE/DROP FUNCTION|PROCEDURE pgmi_test --
// and any `CALL pgmi_test` inside a dollar-quoted body or a BEGIN ATOMIC body, is reported as a
// problem with its line, as is a call outside an explicit top-level BEGIN ... COMMIT block (its
// expansion uses savepoints). A table or column that happens to be named pgmi_test is not.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "script/lexer.hpp"
#include "util/error.hpp"

namespace pgmi::script {

/// One recognized call.
struct TestCall {
    size_t begin;  // the C of CALL
    size_t end;    // past ')', the whitespace/comments after it, and a ';' if one follows
    std::optional<std::string> pattern;   // nullopt for NULL, '' or absent
    std::optional<std::string> callback;  // nullopt for NULL, '' or absent
    int line;                             // 1-based line of CALL
};

/// A use of pgmi_test that will not work as written.
struct MacroProblem {
    int line;  // 1-based
    std::string message;
};

struct MacroScan {
    std::vector<TestCall> calls;         // in script order, non-overlapping
    std::vector<MacroProblem> problems;  // ordered by line
};

/// Finds the calls and problems in `script` (linear time).
MacroScan find_test_macros(std::string_view script);

/// Same, reusing a mask of `script` the caller already has.
MacroScan find_test_macros(std::string_view script, const Masked& masked);

/// Checks a callback name client-side: empty is fine; else at most two dot-separated parts, each
/// ^[A-Za-z_][A-Za-z0-9_]*$ and at most 63 bytes. Errors read `invalid callback "<cb>": ...`.
Status validate_callback(std::string_view callback);

/// A script with its calls replaced by generated SQL.
struct Expansion {
    /// One replaced call.
    struct Splice {
        size_t original_begin;
        size_t original_end;
        size_t expanded_begin;
        size_t expanded_end;
        int original_line;  // line of CALL in the original script
    };
    /// Where an offset of the expanded script came from.
    struct Origin {
        size_t offset;   // byte offset in the original script (a call's begin if generated)
        bool generated;  // inside text that replaced a call
    };

    std::string script;
    std::vector<Splice> splices;  // in order

    /// Maps an offset of `script` back to the original script.
    Origin origin(size_t expanded_offset) const;

    /// 1-based line of `original` (the script given to expand) that an offset of `script` came
    /// from; for generated text, the line of the call it replaced.
    int original_line(std::string_view original, size_t expanded_offset) const;
};

/// Replaces each of `calls` (as found in `script`, in order) by `generated[i]`. Fails (kind
/// Unexpected) if the counts differ or the calls are not ordered, disjoint spans of `script`.
Result<Expansion> expand(std::string_view script, const std::vector<TestCall>& calls,
                         const std::vector<std::string>& generated);

}  // namespace pgmi::script
