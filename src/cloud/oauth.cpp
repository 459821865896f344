#include "cloud/oauth.hpp"

#include "cloud/common.hpp"
#include "cloud/token.hpp"

namespace pgmi::cloud {

std::string oauth_error(std::string_view body, const std::vector<std::string>& secrets) {
    auto j = detail::parse_json_object(body);
    if (!j)
        return "";
    std::string out = detail::json_string(*j, "error").value_or("");
    if (auto d = detail::json_string(*j, "error_description"))
        out += (out.empty() ? "" : ": ") + d->substr(0, d->find_first_of("\r\n"));
    if (out.empty()) {  // managed identity endpoints use {"error": {"code", "message"}}
        auto it = j->find("error");
        if (it != j->end() && it->is_object()) {
            out = detail::json_string(*it, "code").value_or("");
            if (auto m = detail::json_string(*it, "message"))
                out += (out.empty() ? "" : ": ") + *m;
        }
    }
    return excerpt(scrub(out, secrets));
}

Result<std::string> post_token_form(const std::string& url, const Headers& form,
                                    std::chrono::milliseconds timeout,
                                    const std::vector<std::string>& secrets) {
    HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.timeout = timeout;
    req.body = form_encode(form);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Accept", "application/json"}};
    auto resp = http_send(req);
    if (!resp) {
        Error e = resp.error();
        e.message = "token endpoint " + e.message;
        return e;
    }
    if (resp->status != 200) {
        const std::string why = oauth_error(resp->body, secrets);
        return make_error(ErrorKind::Connection, "token endpoint returned HTTP " +
                                                     std::to_string(resp->status) +
                                                     (why.empty() ? "" : " (" + why + ")"));
    }
    return std::move(resp->body);
}

}  // namespace pgmi::cloud
