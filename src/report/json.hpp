// The --json envelope (deploy-execution §6.4): one JSON document on stdout, keys in alphabetical
// order, each field present exactly when it applies, every string redacted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/outcome.hpp"
#include "report/redact.hpp"

namespace pgmi::report {

/// The envelope of a deploy that ran (success or failure) as a JSON value: status, exitCode,
/// database, durationMs, filesLoaded, testMacros, the units, and on failure error (the
/// message), the server's fields and where it failed. Every text is redacted.
nlohmann::json outcome_json(const Outcome& outcome, const Redactor& redact);

/// The envelope of a failure before the deploy ran, as a JSON value.
nlohmann::json error_json(const Error& error, const Redactor& redact);

/// The envelope of a deploy that ran (success or failure), with a trailing newline.
std::string json_envelope(const Outcome& outcome, const Redactor& redact);

/// The envelope of a failure before the deploy ran (usage, configuration): status, exitCode,
/// error, and the server fields when present.
std::string json_envelope(const Error& error, const Redactor& redact);

}  // namespace pgmi::report
