// Fuzzes the --test-report writers with arbitrary test paths and server messages. Invariants: no
// crash; the JUnit text carries no raw control character other than the line breaks pgmi writes
// itself and no '<' or '&' from the input unescaped (every case's message is escaped); the TAP
// text has exactly one plan line and one result line per case.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/test_report.hpp"

namespace {

size_t count(const std::string& text, std::string_view needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using pgmi::report::TestCase;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // Split the input into path / message pairs at NUL bytes.
    pgmi::report::TestRun run;
    size_t start = 0;
    int i = 0;
    while (start <= input.size() && run.cases.size() < 16) {
        size_t end = input.find('\0', start);
        if (end == std::string_view::npos)
            end = input.size();
        TestCase c;
        c.path = "./__test__/" + std::string(input.substr(start, end - start));
        c.message = std::string(input.substr(start, end - start));
        c.status = static_cast<TestCase::Status>(i % 3);
        c.fixture = i % 4 == 3;
        c.sqlstate = i % 2 == 0 ? "P0001" : "";
        run.cases.push_back(std::move(c));
        ++i;
        start = end + 1;
    }
    if (size % 5 == 0)
        run.error = std::string(input);
    const pgmi::report::Redactor redact;
    const std::string xml = pgmi::report::junit_xml(run, redact);
    for (char c : xml) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n')
            std::abort();
    }
    if (count(xml, "<testcase ") != run.cases.size())
        std::abort();
    const std::string tap = pgmi::report::tap(run, redact);
    if (count(tap, "\n1..") + (tap.rfind("1..", 0) == 0 ? 1 : 0) != 1)
        std::abort();
    size_t results = 0;
    size_t line_start = 0;
    while (line_start < tap.size()) {
        size_t nl = tap.find('\n', line_start);
        if (nl == std::string::npos)
            nl = tap.size();
        const std::string_view line(tap.data() + line_start, nl - line_start);
        if (line.rfind("ok ", 0) == 0 || line.rfind("not ok ", 0) == 0)
            ++results;
        line_start = nl + 1;
    }
    if (results != run.cases.size())
        std::abort();
    return 0;
}
