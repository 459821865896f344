#include "cli/app.hpp"

#include <cstdio>

namespace pgmi::cli {

int run(int /*argc*/, char** /*argv*/) {
    std::fputs("pgmi: not implemented yet\n", stderr);
    return 1;
}

}  // namespace pgmi::cli
