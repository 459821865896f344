// The OAuth 2.0 token request (RFC 6749 §4) that the Azure and Google credential chains share:
// an application/x-www-form-urlencoded POST, and the error a token endpoint returns, reduced to
// a short line without any secret of the request.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/http.hpp"
#include "util/error.hpp"

namespace pgmi::cloud {

/// "error: description" of an OAuth error body (also the managed-identity form
/// {"error": {"code", "message"}}), first line only, shortened, with each of `secrets` removed;
/// "" when the body says nothing usable.
std::string oauth_error(std::string_view body, const std::vector<std::string>& secrets);

/// POSTs `form` to `url` and returns the body of a 200 answer. Errors: the transport's (kind as
/// http_send reports it) as "token endpoint <reason>", or "token endpoint returned HTTP <status>
/// (<oauth_error>)" as ErrorKind::Connection. Nothing of `secrets` appears in an error.
Result<std::string> post_token_form(const std::string& url, const Headers& form,
                                    std::chrono::milliseconds timeout,
                                    const std::vector<std::string>& secrets);

}  // namespace pgmi::cloud
