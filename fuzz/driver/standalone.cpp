// A deterministic stand-in for libFuzzer's main: feeds every file of a seed corpus, then a fixed
// number of mutations of those seeds (byte flips, truncations, splices), to the target.
// It finds crashes, hangs (via the test timeout) and sanitizer reports on known shapes of input;
// long coverage-guided runs use the libFuzzer build (PGMI_FUZZ=ON).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng) {
    std::string s = seeds[rng() % seeds.size()];
    const int steps = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < steps; ++i) {
        switch (rng() % 5) {
            case 0:  // flip a byte
                if (!s.empty())
                    s[rng() % s.size()] = static_cast<char>(rng() & 0xff);
                break;
            case 1:  // truncate
                if (!s.empty())
                    s.resize(rng() % s.size());
                break;
            case 2: {  // splice a piece of another seed
                const std::string& o = seeds[rng() % seeds.size()];
                if (o.empty())
                    break;
                size_t from = rng() % o.size();
                size_t len = rng() % (o.size() - from + 1);
                s.insert(s.empty() ? 0 : rng() % s.size(), o.substr(from, len));
                break;
            }
            case 3:  // insert a syntax-significant byte
                s.insert(s.empty() ? 0 : rng() % s.size(), 1, "'\"$;()/*-\\\n\r=#\0<>"[rng() % 17]);
                break;
            default:  // duplicate a range
                if (!s.empty()) {
                    size_t from = rng() % s.size();
                    s.insert(from, s.substr(from, rng() % (s.size() - from + 1)));
                }
        }
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR ITERATIONS\n", argv[0]);
        return 2;
    }
    std::vector<std::string> seeds;
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
        if (entry.is_regular_file())
            paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (seeds.empty()) {
        std::fprintf(stderr, "no seeds in %s\n", argv[1]);
        return 1;
    }
    for (const auto& s : seeds) {
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    std::mt19937_64 rng(0x70676d69);
    const long iterations = std::atol(argv[2]);
    for (long i = 0; i < iterations; ++i) {
        std::string s = mutate(seeds, rng);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    std::printf("%zu seeds, %ld mutations: no crash\n", seeds.size(), iterations);
    return 0;
}
