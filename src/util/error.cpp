#include "util/error.hpp"

namespace pgmi {

int exit_code(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::General:
            return 1;
        case ErrorKind::Usage:
            return 2;
        case ErrorKind::Unexpected:
            return 3;
        case ErrorKind::Config:
            return 10;
        case ErrorKind::Connection:
            return 11;
        case ErrorKind::Approval:
            return 12;
        case ErrorKind::Execution:
            return 13;
        case ErrorKind::ProjectMissing:
            return 14;
        case ErrorKind::Lock:
            return 15;
        case ErrorKind::Timeout:
            return 16;
        case ErrorKind::Interrupted:
            return 130;
        case ErrorKind::Terminated:
            return 143;
    }
    return 1;
}

}  // namespace pgmi
