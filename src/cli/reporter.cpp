#include "cli/reporter.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#include "report/human.hpp"
#include "report/json.hpp"

namespace pgmi::cli {

namespace {

void write(FILE* stream, std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stream);
    std::fflush(stream);
}

}  // namespace

int Reporter::fail(const Error& error, const report::Redactor& redact) const {
    if (error.kind == ErrorKind::Usage && error.message.rfind("usage error: ", 0) != 0) {
        Error e = error;
        e.message = "usage error: " + e.message;
        return fail(e, redact);
    }
    write(stderr, report::error_block(error, redact));
    if (json_)
        write(stdout, report::json_envelope(error, redact));
    return exit_code(error.kind);
}

int Reporter::usage(std::string_view message) const {
    return fail(make_error(ErrorKind::Usage, std::string(message)));
}

int Reporter::general(std::string_view message) const {
    return fail(make_error(ErrorKind::General, std::string(message)));
}

bool json_requested(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0)
            return true;
    }
    return false;
}

}  // namespace pgmi::cli
