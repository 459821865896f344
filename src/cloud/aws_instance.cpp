// The chain's last links: ECS/EKS container credentials and EC2 instance metadata (IMDSv2).
#include "cloud/aws_chain.hpp"
#include "cloud/aws_sigv4.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud::aws_chain {

namespace {

const std::vector<std::string> kContainerHosts = {"169.254.170.2", "169.254.170.23",
                                                  "fd00:ec2::23"};
const std::vector<std::string> kImdsHosts = {"169.254.169.254", "fd00:ec2::254"};

}  // namespace

Link Chain::container() {
    std::string url;
    if (auto rel = non_empty(o_.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        if (rel->front() != '/')
            return Link::failed("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'",
                                ErrorKind::Config);
        url = "http://169.254.170.2" + *rel;
    } else if (auto full = non_empty(o_.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        auto ok =
            validate_override_url("AWS_CONTAINER_CREDENTIALS_FULL_URI", *full, kContainerHosts);
        if (!ok)
            return Link::failed(ok.error().message, ErrorKind::Config);
        url = *ok;
    } else {
        return Link::skipped(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are "
            "not set");
    }
    HttpRequest req;
    req.url = url;
    req.timeout = o_.http_timeout;
    std::string auth;
    if (auto file = non_empty(o_.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        auto text = read_text_file(*file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", 16U << 10);
        if (!text)
            return Link::failed(text.error().message, ErrorKind::Config);
        if (!text->has_value())
            return Link::failed(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file + " does not exist",
                ErrorKind::Config);
        auth = trim(**text);
    } else if (auto tok = non_empty(o_.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        auth = *tok;
    }
    if (auth.find_first_of("\r\n") != std::string::npos)
        return Link::failed("the container authorization token contains a line break",
                            ErrorKind::Config);
    if (!auth.empty())
        req.headers.emplace_back("Authorization", auth);
    req.headers.emplace_back("Accept", "application/json");
    auto resp = http_send(req);
    if (!resp)
        return Link::failed("container credentials endpoint " + resp.error().message,
                            resp.error().kind);
    if (resp->status != 200)
        return Link::failed("container credentials endpoint returned HTTP " +
                            std::to_string(resp->status));
    return credentials_from_json(resp->body, "Token", "container",
                                 "container credentials endpoint");
}

Link Chain::imds() {
    if (env_true(o_.env, "AWS_EC2_METADATA_DISABLED"))
        return Link::skipped("AWS_EC2_METADATA_DISABLED=true");
    std::string base;
    if (auto ep = non_empty(o_.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
        auto ok = validate_override_url("AWS_EC2_METADATA_SERVICE_ENDPOINT", *ep, kImdsHosts);
        if (!ok)
            return Link::failed(ok.error().message, ErrorKind::Config);
        base = *ok;
    } else {
        const std::string mode = util::to_lower(
            non_empty(o_.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("ipv4"));
        if (mode == "ipv6")
            base = "http://[fd00:ec2::254]";
        else if (mode == "ipv4")
            base = "http://169.254.169.254";
        else
            return Link::failed("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6",
                                ErrorKind::Config);
    }
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    auto send = [&](const std::string& method, const std::string& path, const Headers& headers) {
        HttpRequest req;
        req.method = method;
        req.url = base + path;
        req.headers = headers;
        req.connect_timeout = o_.metadata_timeout;
        req.timeout = o_.metadata_timeout * 2;
        return http_send(req);
    };
    auto token =
        send("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    if (!token)
        return Link::skipped("no instance metadata service answered (" + token.error().message +
                             ")");
    Headers auth;
    if (token->status == 200) {
        auth.emplace_back("X-aws-ec2-metadata-token", trim(token->body));
    } else if (token->status == 403 || token->status == 404 || token->status == 405) {
        if (env_true(o_.env, "AWS_EC2_METADATA_V1_DISABLED"))
            return Link::failed("the instance metadata service refused an IMDSv2 token (HTTP " +
                                std::to_string(token->status) +
                                ") and AWS_EC2_METADATA_V1_DISABLED=true");
    } else {
        return Link::failed("instance metadata token request returned HTTP " +
                            std::to_string(token->status));
    }
    const std::string prefix = "/latest/meta-data/iam/security-credentials/";
    auto role = send("GET", prefix, auth);
    if (!role)
        return Link::failed("instance metadata: " + role.error().message, role.error().kind);
    if (role->status == 404)
        return Link::skipped("no IAM role is attached to this instance");
    if (role->status != 200)
        return Link::failed("instance metadata role request returned HTTP " +
                            std::to_string(role->status));
    std::string name = trim(role->body.substr(0, role->body.find('\n')));
    if (name.empty() || name.find_first_of("/?#%") != std::string::npos)
        return Link::failed("instance metadata returned no usable role name");
    auto creds = send("GET", prefix + name, auth);
    if (!creds)
        return Link::failed("instance metadata: " + creds.error().message, creds.error().kind);
    if (creds->status != 200)
        return Link::failed("instance metadata credentials request returned HTTP " +
                            std::to_string(creds->status));
    if (auto j = parse_json_object(creds->body)) {
        auto code = json_string(*j, "Code");
        if (code && *code != "Success")
            return Link::failed("instance metadata credentials have Code " + excerpt(*code, 40));
    }
    return credentials_from_json(creds->body, "Token", "EC2 instance metadata",
                                 "instance metadata");
}

}  // namespace pgmi::cloud::aws_chain
