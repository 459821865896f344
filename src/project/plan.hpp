// The deployment plan computed offline: exactly the rows pg_temp.pgmi_plan_view will hold for
// the same project, in execution_order (session-api §3.9). `pgmi metadata plan` prints it and the
// integration tests compare it with the server's view row for row.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "project/metadata.hpp"
#include "project/scanner.hpp"

namespace pgmi::project {

/// One row of the plan (the view's columns except content).
struct PlanEntry {
    int64_t execution_order = 0;  // 1-based
    std::string path;
    std::string sort_key;     // one of the file's keys, or its path when it has none
    std::string checksum;     // SHA-256 of the normalized content (the view's `checksum`)
    Uuid generic_id;          // MD5 of the path
    std::optional<Uuid> id;   // the <pgmi-meta> id; none without metadata
    bool idempotent = true;   // true without metadata
    std::string description;  // "" without metadata
};

/// Every non-test file (SQL or not) once per sort key, ordered by sort key then path in C
/// (byte) order, numbered from 1. A file without metadata or without keys sorts by its path.
std::vector<PlanEntry> build_plan(std::span<const SourceFile> files);

}  // namespace pgmi::project
