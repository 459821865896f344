// Removes secrets from text before it is shown anywhere (stderr, --json, logs).
// Two layers: the known secret values of this run (password, sslpassword, tokens) are replaced
// wherever they appear, and password-shaped patterns (`password=...`, `scheme://user:pw@`) are
// masked even when the value is not known.
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
    std::string operator()(std::string_view text) const;

  private:
    std::vector<std::string> secrets_;
};

/// Pattern-only redaction.
std::string redact_patterns(std::string_view text);

}  // namespace pgmi::report
