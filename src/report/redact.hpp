// Removes secrets from text before it is shown anywhere (stderr, --json, logs).
// Two layers: the known secret values of this run (password, sslpassword, tokens) are replaced
// wherever they appear, and password-shaped patterns (`password=...`, `scheme://user:pw@`) are
// masked even when the value is not known.
// The text is hostile (server messages can be megabytes): every pass is a hand-written scanner,
// linear in the length of the text (times the number of known secrets), with no backtracking
// and no recursion, so its stack use does not depend on the input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgmi::report {

class Redactor {
  public:
    /// Registers a secret value; empty and very short values are ignored (they would mask
    /// ordinary text; patterns still catch them in password positions).
    void add_secret(std::string value);
    /// Every byte covered by an occurrence of a known secret is masked (overlapping occurrences
    /// become one "[redacted]"), then the patterns of redact_patterns() are masked.
    std::string operator()(std::string_view text) const;

  private:
    std::vector<std::string> secrets_;
};

/// Pattern-only redaction, two passes in this order:
///  1. `password` (any case), optional whitespace, `=`, optional whitespace, then a '...' or
///     "..." quoted value (closed) or else a run of bytes other than whitespace & ; ' "
///     becomes `password=[redacted]`;
///  2. `scheme://user:` followed by non-whitespace up to the last `@` of that run becomes
///     `scheme://user:[redacted]@` (scheme [A-Za-z][A-Za-z0-9+.-]*, user [^:/@ whitespace]+).
/// Whitespace is the C locale's: space, \t, \n, \v, \f, \r.
std::string redact_patterns(std::string_view text);

}  // namespace pgmi::report
