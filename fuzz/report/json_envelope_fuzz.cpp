// Fuzzes the --json writer (report/json): both envelopes, built from hostile server fields,
// paths and source lines (any bytes, invalid UTF-8 included), with a run secret from the input.
// Input layout: one control byte, then NUL-separated fields (secret, database, message, sqlstate,
// detail, hint, where, failed file, source line, test report error).
// Invariants: no crash and no exception; the output is one JSON object (strictly parsed) ending
// in a newline; status and exitCode agree with the outcome; "error", "testReportError" and the
// location keys are present exactly when they apply; no string value holds the secret (checked
// when the secret is printable ASCII of 12+ bytes without '[' or ']', so neither the redaction
// marker nor U+FFFD replacement can spell it).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "driver/fuzz_support.hpp"
#include "report/json.hpp"

namespace {

std::vector<std::string> fields(std::string_view in, size_t n) {
    std::vector<std::string> out;
    size_t start = 0;
    while (out.size() < n) {
        if (start > in.size()) {
            out.emplace_back();
            continue;
        }
        size_t end = in.find('\0', start);
        if (end == std::string_view::npos)
            end = in.size();
        out.emplace_back(in.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool checkable_secret(const std::string& s) {
    if (s.size() < 12)
        return false;
    for (char c : s) {
        if (c < 0x20 || c > 0x7e || c == '[' || c == ']')
            return false;
    }
    return true;
}

void expect_no_secret(const nlohmann::json& j, const std::string& secret) {
    if (j.is_string()) {
        FUZZ_CHECK(j.get<std::string>().find(secret) == std::string::npos);
    } else if (j.is_object() || j.is_array()) {
        for (const auto& v : j)
            expect_no_secret(v, secret);
    }
}

nlohmann::json parse(const std::string& text) {
    FUZZ_CHECK(!text.empty() && text.back() == '\n');
    auto j = nlohmann::json::parse(text, nullptr, false);
    FUZZ_CHECK(!j.is_discarded());
    FUZZ_CHECK(j.is_object());
    return j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pgmi;
    if (size == 0)
        return 0;
    const uint8_t control = data[0];
    const auto f = fields(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), 10);
    report::Redactor redact;
    redact.add_secret(f[0]);
    const bool check_secret = checkable_secret(f[0]);

    report::Outcome o;
    o.service_ran = true;
    o.database = f[1];
    o.files_loaded = control;
    if ((control & 1) != 0) {
        Error e = make_error(static_cast<ErrorKind>(control % 12), f[2]);
        if ((control & 2) != 0)
            e.server = ServerError{.severity = "ERROR",
                                   .sqlstate = f[3],
                                   .message = f[2],
                                   .detail = f[4],
                                   .hint = f[5],
                                   .context = f[6]};
        o.error = e;
        o.failed_unit = control % 3;
    }
    if ((control & 4) != 0)
        o.failed_file = f[7];
    if ((control & 8) != 0) {
        o.location = script::Location{control, control / 2, f[8]};
        o.location_in_file = (control & 16) != 0;
    }
    if ((control & 32) != 0)
        o.test_report_error = f[9];

    const auto j = parse(report::json_envelope(o, redact));
    FUZZ_CHECK(j.value("status", "") == (o.ok() ? "success" : "failed"));
    FUZZ_CHECK(j.value("exitCode", -1) == o.exit_code());
    FUZZ_CHECK(j.contains("error") == o.error.has_value());
    FUZZ_CHECK(j.contains("testReportError") == o.test_report_error.has_value());
    FUZZ_CHECK(j.contains("line") == o.location.has_value());
    FUZZ_CHECK(j.contains("failedFile") == o.failed_file.has_value());
    if (check_secret)
        expect_no_secret(j, f[0]);

    // The envelope of a failure before the deploy ran.
    Error early = make_error(static_cast<ErrorKind>(control % 12), f[2]);
    if ((control & 64) != 0)
        early.server = ServerError{.sqlstate = f[3], .detail = f[4], .hint = f[5]};
    const auto k = parse(report::json_envelope(early, redact));
    FUZZ_CHECK(k.value("status", "") == "failed");
    FUZZ_CHECK(k.value("exitCode", -1) == exit_code(early.kind));
    FUZZ_CHECK(k.contains("error"));
    if (check_secret)
        expect_no_secret(k, f[0]);
    return 0;
}
