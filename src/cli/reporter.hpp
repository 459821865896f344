// How one pgmi run answers when something goes wrong: the error on stderr ("pgmi: error: ...",
// redacted, terminal-safe, with the server's fields) and, when --json was asked for anywhere on
// the command line, one JSON envelope on stdout. Every command's failure leaves through here, so
// the exit code always comes from exit_code(kind) and a usage error takes one route.
#pragma once

#include <string_view>

#include "report/redact.hpp"
#include "util/error.hpp"

namespace pgmi::cli {

class Reporter {
  public:
    explicit Reporter(bool json) : json_(json) {}

    /// True when stdout belongs to one JSON document.
    bool json() const { return json_; }

    /// Writes `error` (and its envelope with --json); returns exit_code(error.kind). A usage
    /// error's message always starts "usage error: ".
    int fail(const Error& error, const report::Redactor& redact = {}) const;

    /// fail() of a usage error (exit 2).
    int usage(std::string_view message) const;

    /// fail() of a general error (exit 1).
    int general(std::string_view message) const;

  private:
    bool json_;
};

/// True when `--json` appears among the arguments: even a usage error then answers with one
/// JSON document, so a pipeline reading stdout never gets nothing.
bool json_requested(int argc, char** argv);

}  // namespace pgmi::cli
