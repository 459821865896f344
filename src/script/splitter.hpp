// Splits deploy.sql into execution units (deploy-execution §4.3): the atomic head (everything
// through the first top-level transaction terminator, or the whole script if there is none), then
// one unit per later top-level statement (psql mode). Units are views into the script with their
// byte offset, sent as written (no padding); error positions are mapped back by offset.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace pgmi::script {

struct Unit {
    size_t offset;          // byte offset of text in the script
    std::string_view text;  // exactly the bytes sent to the server
};

/// Splits `script` (linear time). Always returns at least one unit; an empty script gives one
/// empty unit. Concatenating the units' text reproduces the script minus trailing blank text.
std::vector<Unit> split(std::string_view script);

/// True if the masked statement `stmt` is a transaction terminator (COMMIT/END/ROLLBACK/ABORT
/// [WORK|TRANSACTION] [AND [NO] CHAIN]), false for savepoint rollbacks, PREPARED forms, etc.
bool is_terminator(std::string_view masked_stmt);

}  // namespace pgmi::script
