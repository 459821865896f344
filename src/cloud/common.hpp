// Internal helpers shared by the cloud clients: small files, the home directory, JSON fields, and
// the outcome of one link of a credential chain.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/token.hpp"
#include "util/env.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud::detail {

/// A file's content; nullopt when it does not exist. Config error "<what> <path>: <reason>"
/// when it cannot be read or exceeds `limit` bytes.
Result<std::optional<std::string>> read_text_file(const std::string& path, const std::string& what,
                                                  size_t limit = 1U << 20);

/// $HOME (from `env`), else the passwd entry, else "".
std::string home_directory(const EnvLookup& env);

/// "~/x" -> "<home>/x"; other paths unchanged.
std::string expand_home(const std::string& path, const EnvLookup& env);

/// util::trim as an owned string (callers keep it past the argument's life).
inline std::string trim(std::string_view s) {
    return std::string(util::trim(s));
}

/// True when the variable is "true" (any case).
bool env_true(const EnvLookup& env, std::string_view name);

/// The text as a JSON object, or nullopt (invalid JSON, or not an object).
std::optional<nlohmann::json> parse_json_object(std::string_view text);

/// A string member (nullopt when absent or not a string).
std::optional<std::string> json_string(const nlohmann::json& obj, const char* key);

/// An integer member given as a number or a decimal string.
std::optional<long long> json_integer(const nlohmann::json& obj, const char* key);

enum class LinkOutcome { Chosen, Skipped, Failed };

/// What one credential source of a chain produced: its value when chosen, why it was skipped
/// (not configured: the chain goes on), or why it failed (configured but broken: the chain stops,
/// with `kind` deciding the exit code).
template <typename T>
struct ChainLink {
    LinkOutcome outcome = LinkOutcome::Skipped;
    std::string reason;
    T value{};
    ErrorKind kind = ErrorKind::Connection;

    static ChainLink chosen(T v) {
        ChainLink l;
        l.outcome = LinkOutcome::Chosen;
        l.value = std::move(v);
        return l;
    }
    static ChainLink skipped(const std::string& why) {
        ChainLink l;
        l.reason = why;
        return l;
    }
    static ChainLink failed(const std::string& why, ErrorKind kind = ErrorKind::Connection) {
        ChainLink l;
        l.outcome = LinkOutcome::Failed;
        l.reason = why;
        l.kind = kind;
        return l;
    }
};

/// Records what `link` of the source `source` did in `attempts` and says whether the chain ends:
/// the value when it was chosen, the error when it failed ("<what> from <source> failed: <why>
/// (sources tried: ...)"), nullopt when it was skipped and the next source is tried.
template <typename T>
std::optional<Result<T>> settle(ChainLink<T>& link, const std::string& source,
                                std::vector<SourceAttempt>& attempts, const std::string& what) {
    switch (link.outcome) {
        case LinkOutcome::Chosen:
            attempts.push_back({source, "chosen"});
            return Result<T>(std::move(link.value));
        case LinkOutcome::Skipped:
            attempts.push_back({source, "skipped: " + link.reason});
            return std::nullopt;
        case LinkOutcome::Failed:
            attempts.push_back({source, "failed: " + link.reason});
            return Result<T>(
                make_error(link.kind, what + " from " + source + " failed: " + link.reason +
                                          " (sources tried: " + describe_attempts(attempts) + ")"));
    }
    return std::nullopt;
}

}  // namespace pgmi::cloud::detail
