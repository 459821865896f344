// Durations in the Go syntax users know from the reference (`30s`, `1.5h`, `1h30m`, `0`).
#pragma once

#include <chrono>
#include <string_view>

#include "util/error.hpp"

namespace pgmi::config {

/// Parses a duration: signed decimal numbers with units ns, us, µs, ms, s, m, h, concatenated;
/// a bare "0" is zero; any other unitless number is an error (Config, naming the value).
/// Negative durations parse (callers decide); magnitudes beyond int64 nanoseconds are errors.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace pgmi::config
