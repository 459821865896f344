// Times the SQL lexer and the deploy.sql splitter on a file, and reports peak memory.
// Usage: bench_split FILE [REPEAT]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "script/lexer.hpp"
#include "script/splitter.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE [REPEAT]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    const std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
    double best_mask = 1e9;
    double best_split = 1e9;
    size_t units = 0;
    for (int i = 0; i < repeat; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto masked = pgmi::script::mask(sql);
        auto t1 = std::chrono::steady_clock::now();
        auto split = pgmi::script::split(sql);
        auto t2 = std::chrono::steady_clock::now();
        units = split.size();
        best_mask = std::min(best_mask, std::chrono::duration<double>(t1 - t0).count());
        best_split = std::min(best_split, std::chrono::duration<double>(t2 - t1).count());
        if (masked.mask.size() != sql.size())
            return 1;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf(
        "input %.1f MB, %zu units: mask %.3f s, split %.3f s (best of %d), peak RSS %.1f MB\n",
        static_cast<double>(sql.size()) / 1e6, units, best_mask, best_split, repeat,
        static_cast<double>(ru.ru_maxrss) / 1024.0);
    return 0;
}
