// The chain's STS links: web identity (AssumeRoleWithWebIdentity) and a profile's role_arn
// (AssumeRole, signed with the source profile's credentials).
#include <cstring>

#include "cloud/aws_chain.hpp"
#include "cloud/aws_sigv4.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud::aws_chain {

namespace {

/// The text of the first <tag>...</tag> in `xml`, entities decoded.
std::optional<std::string> xml_text(std::string_view xml, const std::string& tag) {
    const std::string open = "<" + tag + ">";
    const std::string close = "</" + tag + ">";
    const size_t a = xml.find(open);
    if (a == std::string_view::npos)
        return std::nullopt;
    const size_t b = xml.find(close, a + open.size());
    if (b == std::string_view::npos)
        return std::nullopt;
    std::string_view raw = xml.substr(a + open.size(), b - a - open.size());
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out += raw[i];
            continue;
        }
        static const std::pair<const char*, char> entities[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (const auto& [name, ch] : entities) {
            if (raw.substr(i, std::strlen(name)) == name) {
                out += ch;
                i += std::strlen(name) - 1;
                done = true;
                break;
            }
        }
        if (!done)
            out += '&';
    }
    return trim(out);
}

}  // namespace

Link Chain::web_identity() {
    auto file = non_empty(o_.env, "AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role = non_empty(o_.env, "AWS_ROLE_ARN");
    if (!file && !role)
        return Link::skipped("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
    if (!file)
        return Link::skipped("AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
    if (!role)
        return Link::skipped("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    return assume_role_with_web_identity(
        expand_home(*file, o_.env), *role,
        non_empty(o_.env, "AWS_ROLE_SESSION_NAME").value_or(session_name()), o_.region,
        "web identity");
}

Result<std::string> Chain::sts_endpoint(const std::string& region) {
    for (const char* var : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}) {
        if (auto v = non_empty(o_.env, var))
            return validate_override_url(var, *v);
    }
    if (region.empty())
        return std::string("https://sts.amazonaws.com/");
    const bool china = region.rfind("cn-", 0) == 0;
    return "https://sts." + region + ".amazonaws.com" + (china ? ".cn" : "") + "/";
}

Link Chain::sts_call(const std::string& action, const Headers& form, const AwsCredentials* signer,
                     const std::string& region, const std::string& source,
                     const std::vector<std::string>& secrets) {
    auto endpoint = sts_endpoint(region);
    if (!endpoint)
        return Link::failed(endpoint.error().message, endpoint.error().kind);
    HttpRequest req;
    req.method = "POST";
    req.url = *endpoint;
    req.timeout = o_.http_timeout;
    Headers fields = {{"Action", action}, {"Version", "2011-06-15"}};
    fields.insert(fields.end(), form.begin(), form.end());
    req.body = form_encode(fields);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                   {"Accept", "application/xml"}};
    if (signer != nullptr)
        sigv4_sign_request(req, *signer, region.empty() ? "us-east-1" : region, "sts", o_.now());
    auto resp = http_send(req);
    if (!resp)
        return Link::failed("STS " + action + ": " + resp.error().message, resp.error().kind);
    if (resp->status != 200) {
        std::string detail;
        if (auto code = xml_text(resp->body, "Code"))
            detail = *code;
        if (auto msg = xml_text(resp->body, "Message"))
            detail += (detail.empty() ? "" : ": ") + *msg;
        return Link::failed("STS " + action + " returned HTTP " + std::to_string(resp->status) +
                            (detail.empty() ? "" : " (" + excerpt(scrub(detail, secrets)) + ")"));
    }
    AwsCredentials c;
    c.access_key_id = xml_text(resp->body, "AccessKeyId").value_or("");
    c.secret_access_key = xml_text(resp->body, "SecretAccessKey").value_or("");
    c.session_token = xml_text(resp->body, "SessionToken").value_or("");
    c.source = source;
    if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty())
        return Link::failed("STS " + action + " returned no credentials");
    if (auto exp = xml_text(resp->body, "Expiration")) {
        if (auto t = parse_rfc3339(*exp))
            c.expires_at = *t;
    }
    return Link::chosen(std::move(c));
}

Link Chain::assume_role_with_web_identity(const std::string& token_file,
                                          const std::string& role_arn, const std::string& session,
                                          const std::string& region, const std::string& source) {
    auto text = read_text_file(token_file, "web identity token file", 64U << 10);
    if (!text)
        return Link::failed(text.error().message, ErrorKind::Config);
    if (!text->has_value())
        return Link::failed("web identity token file " + token_file + " does not exist",
                            ErrorKind::Config);
    const std::string token = trim(**text);
    if (token.empty())
        return Link::failed("web identity token file " + token_file + " is empty",
                            ErrorKind::Config);
    return sts_call(
        "AssumeRoleWithWebIdentity",
        {{"RoleArn", role_arn}, {"RoleSessionName", session}, {"WebIdentityToken", token}}, nullptr,
        region, source, {token});
}

Link Chain::assume_role(const IniSection& p, const std::string& name, const AwsCredentials& base) {
    auto get = [&](const char* key) -> std::string {
        auto it = p.find(key);
        return it == p.end() ? std::string() : it->second;
    };
    Headers form = {{"RoleArn", get("role_arn")},
                    {"RoleSessionName",
                     get("role_session_name").empty() ? session_name() : get("role_session_name")}};
    if (!get("external_id").empty())
        form.emplace_back("ExternalId", get("external_id"));
    if (!get("duration_seconds").empty())
        form.emplace_back("DurationSeconds", get("duration_seconds"));
    const std::string region = get("region").empty() ? o_.region : get("region");
    return sts_call("AssumeRole", form, &base, region, "shared profile " + quoted(name),
                    {base.secret_access_key, base.session_token});
}

}  // namespace pgmi::cloud::aws_chain
