// The one error type of pgmi and the Result<T> returned at module boundaries.
// An Error carries a kind; the kind alone decides the process exit code (see exit_code()).
// Messages name what the user can act on and must never contain a secret.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pgmi {

enum class ErrorKind {
    General,         // 1
    Usage,           // 2
    Config,          // 10: decided offline, the user's configuration or project is wrong
    Connection,      // 11
    Approval,        // 12
    Execution,       // 13: a deploy.sql unit failed
    ProjectMissing,  // 14: deploy.sql not found
    Lock,            // 15: another deploy holds the lock
    Timeout,         // 16
    Interrupted,     // 130: SIGINT
    Terminated,      // 143: SIGTERM
    Unexpected,      // 3: a bug in pgmi
};

/// The documented process exit code of an error kind.
int exit_code(ErrorKind kind);

/// Fields of an error or notice reported by the PostgreSQL server (libpq's PG_DIAG_*).
struct ServerError {
    std::string severity;  // as sent (may be localised), e.g. "ERROR"
    std::string sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;         // CONTEXT / WHERE
    int position = 0;            // 1-based character position in the statement, 0 = none
    int internal_position = 0;   // position inside internal_query, 0 = none
    std::string internal_query;  // e.g. the text an EXECUTE ran
};

struct Error {
    ErrorKind kind = ErrorKind::General;
    std::string message;
    std::optional<ServerError> server;  // present when the cause is a server error

    /// Same error with "prefix: " in front of the message.
    Error wrapped(const std::string& prefix) const& {
        Error e = *this;
        e.message = prefix + ": " + message;
        return e;
    }
};

inline Error make_error(ErrorKind kind, std::string message) {
    return Error{kind, std::move(message), std::nullopt};
}

/// A value or an Error. Deliberately small: has_value(), value(), error(), operator bool.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

  private:
    std::variant<T, Error> v_;
};

/// Success or an Error.
class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
    static Status ok() { return {}; }

    bool has_value() const { return !e_.has_value(); }
    explicit operator bool() const { return has_value(); }
    const Error& error() const& { return *e_; }
    Error&& error() && { return std::move(*e_); }

  private:
    std::optional<Error> e_;
};

}  // namespace pgmi
