// The pgmi command line: parses argv, runs one command, maps its error to the exit code.
#pragma once

namespace pgmi::cli {

/// Runs pgmi with the process arguments and returns the process exit code.
int run(int argc, char** argv);

}  // namespace pgmi::cli
