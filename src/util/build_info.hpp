// The identity of this build for `pgmi version`: project version, git commit and build time.
// Defined in one generated file (build/generated/build_info.cpp), so a new commit or build date
// recompiles that file alone instead of everything that includes a compile definition.
#pragma once

namespace pgmi::build_info {

extern const char* const kVersion;  // the CMake project version, e.g. "0.1.0"
extern const char* const kCommit;   // 12 hex digits of HEAD at configure time, or "unknown"
extern const char* const kDate;     // configure time, UTC, "YYYY-MM-DDTHH:MM:SSZ"

}  // namespace pgmi::build_info
