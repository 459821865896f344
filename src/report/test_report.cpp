#include "report/test_report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "util/file.hpp"

namespace pgmi::report {

namespace {

using Status_ = TestCase::Status;

/// Text safe inside XML attributes and character data: the five entities escaped, characters
/// XML 1.0 forbids (most C0 controls) dropped. Input is UTF-8 (project paths are validated,
/// server text is UTF-8 for a UTF-8 client); bytes pass through unchanged otherwise.
std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\n':
                out += "&#10;";
                break;
            case '\r':
                out += "&#13;";
                break;
            case '\t':
                out += "&#9;";
                break;
            default:
                if (u >= 0x20)
                    out += c;
                break;
        }
    }
    return out;
}

std::string seconds(std::chrono::microseconds d) {
    return fmt::format("{:.6f}", static_cast<double>(d.count()) / 1e6);
}

/// The directory of a project path ("./__test__/a/b.sql" -> "./__test__/a"), JUnit's classname.
std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

struct Counts {
    size_t failed = 0, errors = 0, skipped = 0;
    std::chrono::microseconds total{0};
};

Counts count(const TestRun& run) {
    Counts c;
    for (const TestCase& t : run.cases) {
        c.total += t.duration;
        if (t.status == Status_::NotRun)
            ++c.skipped;
        else if (t.status == Status_::Failed)
            ++(t.fixture ? c.errors : c.failed);
    }
    return c;
}

/// One line for TAP and XML messages: "<message> (SQLSTATE x)".
std::string failure_text(const TestCase& t, const Redactor& redact) {
    std::string text = redact(t.message);
    if (!t.sqlstate.empty())
        text += fmt::format(" (SQLSTATE {})", t.sqlstate);
    return text;
}

/// A YAML double-quoted scalar for TAP diagnostics.
std::string yaml_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// A TAP description may not contain '#' (it starts a directive) or a line break.
std::string tap_description(std::string_view path) {
    std::string out;
    for (char c : path)
        out += (c == '#' || c == '\n' || c == '\r') ? '_' : c;
    return out;
}

}  // namespace

Result<TestReportFormat> test_report_format(const std::filesystem::path& path) {
    const std::string ext = path.extension().string();
    if (ext == ".xml")
        return TestReportFormat::JUnit;
    if (ext == ".tap")
        return TestReportFormat::Tap;
    return make_error(ErrorKind::Config,
                      fmt::format("invalid configuration: --test-report {}: the file name must "
                                  "end in .xml (JUnit XML) or .tap (TAP)",
                                  path.string()));
}

Status check_test_report_path(const std::filesystem::path& path) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty())
        dir = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return make_error(ErrorKind::Config,
                          fmt::format("invalid configuration: --test-report {}: directory {} "
                                      "does not exist",
                                      path.string(), dir.string()));
    }
    if (::access(dir.c_str(), W_OK) != 0) {
        return make_error(ErrorKind::Config,
                          fmt::format("invalid configuration: --test-report {}: directory {} is "
                                      "not writable",
                                      path.string(), dir.string()));
    }
    if (std::filesystem::is_directory(path, ec)) {
        return make_error(
            ErrorKind::Config,
            fmt::format("invalid configuration: --test-report {} is a directory", path.string()));
    }
    return Status::ok();
}

std::string junit_xml(const TestRun& run, const Redactor& redact) {
    const Counts c = count(run);
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format(
        "<testsuites name=\"pgmi\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{}\">\n",
        run.cases.size(), c.failed, c.errors, c.skipped, seconds(c.total));
    out += fmt::format(
        "  <testsuite name=\"pgmi_test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
        "skipped=\"{}\" time=\"{}\">\n",
        run.cases.size(), c.failed, c.errors, c.skipped, seconds(c.total));
    for (const TestCase& t : run.cases) {
        out +=
            fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
                        xml_escape(t.path), xml_escape(directory_of(t.path)), seconds(t.duration));
        if (t.status == Status_::Passed) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        if (t.status == Status_::NotRun) {
            out += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(redact(t.message)));
        } else {
            const char* element = t.fixture ? "error" : "failure";
            const std::string text = failure_text(t, redact);
            out += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", element,
                               xml_escape(text),
                               xml_escape(t.sqlstate.empty() ? "error" : "SQLSTATE " + t.sqlstate),
                               xml_escape(text), element);
        }
        out += "    </testcase>\n";
    }
    if (run.error)
        out += fmt::format("    <system-err>{}</system-err>\n", xml_escape(redact(*run.error)));
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

std::string tap(const TestRun& run, const Redactor& redact) {
    std::string out = "TAP version 13\n";
    out += fmt::format("1..{}\n", run.cases.size());
    size_t n = 0;
    for (const TestCase& t : run.cases) {
        ++n;
        const std::string name = tap_description(t.fixture ? t.path + " (fixture)" : t.path);
        switch (t.status) {
            case Status_::Passed:
                out += fmt::format("ok {} - {}\n", n, name);
                out += fmt::format("  ---\n  duration_ms: {:.3f}\n  ...\n",
                                   static_cast<double>(t.duration.count()) / 1e3);
                break;
            case Status_::NotRun:
                out += fmt::format("ok {} - {} # SKIP {}\n", n, name,
                                   tap_description(redact(t.message)));
                break;
            case Status_::Failed:
                out += fmt::format("not ok {} - {}\n", n, name);
                out += fmt::format("  ---\n  message: {}\n", yaml_quote(redact(t.message)));
                if (!t.sqlstate.empty())
                    out += fmt::format("  sqlstate: {}\n", yaml_quote(t.sqlstate));
                out += fmt::format("  duration_ms: {:.3f}\n  ...\n",
                                   static_cast<double>(t.duration.count()) / 1e3);
                break;
        }
    }
    if (run.error) {
        std::string e = redact(*run.error);
        for (char& ch : e)
            if (ch == '\n' || ch == '\r')
                ch = ' ';
        out += "# deploy failed: " + e + "\n";
    }
    return out;
}

Status write_test_report(const std::filesystem::path& path, TestReportFormat format,
                         const TestRun& run, const Redactor& redact) {
    const std::string text =
        format == TestReportFormat::JUnit ? junit_xml(run, redact) : tap(run, redact);
    // Through util::write_file_atomic: the temporary gets an unguessable name and is created
    // exclusively, so a link planted beside the report (a shared CI directory) is never written
    // through; mode 0666 narrowed by the umask, as any new file.
    if (Status s = util::write_file_atomic(path, text); !s) {
        return make_error(ErrorKind::General,
                          "failed to write the test report: " + s.error().message);
    }
    return Status::ok();
}

}  // namespace pgmi::report
