#include "cli/app.hpp"

int main(int argc, char** argv) {
    return pgmi::cli::run(argc, argv);
}
