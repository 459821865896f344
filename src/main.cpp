#include <fcntl.h>
#include <unistd.h>

#include "cli/app.hpp"

namespace {

/// A process started with stdin, stdout or stderr closed (`pgmi serve 0<&-`) would hand that
/// number to the next file it opens: serve read its own signal pipe as stdin and hung, and any
/// command could write its output into a file it opened. /dev/null takes the empty slots first.
void occupy_standard_descriptors() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1)
            continue;
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened < 0)
            _exit(1);        // nothing safe can be opened; nowhere to say so either
        if (opened != fd) {  // a lower slot was free after all
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    occupy_standard_descriptors();
    return pgmi::cli::run(argc, argv);
}
