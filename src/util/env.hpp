// Reading the process environment through a seam, so resolution code can be tested with a
// table of variables instead of mutating the real environment.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pgmi {

/// Returns a variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real process environment.
EnvLookup process_env();

/// A fixed table (for tests).
EnvLookup env_from(std::map<std::string, std::string> vars);

/// Value of `name` when set and non-empty.
std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name);

/// The user's home directory: $HOME when non-empty, else the user database's entry for the
/// effective user (as libpq does); nullopt when neither names one. Never "/" by default: a
/// caller that writes under home must not write into the root when HOME is unset.
std::optional<std::string> home_directory(const EnvLookup& env);

}  // namespace pgmi
