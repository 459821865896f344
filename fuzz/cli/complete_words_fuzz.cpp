// Fuzzes the completion engine with arbitrary words (one per line), as a shell passes them to
// `pgmi __complete`. Invariants: no crash; the output ends with ":<directive>\n" where the
// directive uses only the defined bits; every candidate starts with the word being completed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/completion_command.hpp"
#include "cli/deploy_command.hpp"
#include "cli/init_command.hpp"
#include "cli/templates_command.hpp"
#include "cli/version_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int result = 0;
    static const pgmi::cli::Reporter reporter(false);
    static CLI::App* root = [] {
        auto* app = new CLI::App("pgmi", "pgmi");
        app->set_help_flag("--help", "help");
        pgmi::cli::add_completion_command(*app, result, reporter);
        pgmi::cli::add_deploy_command(*app, result, reporter);
        pgmi::cli::add_init_command(*app, result, reporter);
        pgmi::cli::add_templates_command(*app, result, reporter);
        pgmi::cli::add_version_command(*app, result);
        return app;
    }();
    std::vector<std::string> words;
    std::string cur;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') {
            words.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(data[i]);
        }
    }
    words.push_back(cur);
    const pgmi::cli::Completions c = pgmi::cli::complete(*root, words);
    if (c.directive < 0 || c.directive > 63)
        std::abort();
    const std::string& typed = words.back();
    for (const auto& [value, desc] : c.items) {
        if (value.rfind(typed, 0) != 0)
            std::abort();
    }
    const std::string out = pgmi::cli::complete_output(*root, words, true);
    if (out.size() < 3 || out.back() != '\n')
        std::abort();
    return 0;
}
