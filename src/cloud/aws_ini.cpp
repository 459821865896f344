#include "cloud/aws_ini.hpp"

#include <algorithm>
#include <cctype>

namespace pgmi::cloud {
namespace {

bool blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (blank(s.front()) || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (blank(s.back()) || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

/// Cuts a " #..." or " ;..." comment (the marker must follow a blank).
std::string_view cut_inline_comment(std::string_view s) {
    for (size_t i = 1; i < s.size(); ++i) {
        if ((s[i] == '#' || s[i] == ';') && blank(s[i - 1]))
            return s.substr(0, i);
    }
    return s;
}

size_t indent_of(std::string_view raw) {
    size_t n = 0;
    while (n < raw.size() && blank(raw[n]))
        ++n;
    return n;
}

Error line_error(size_t line, const std::string& fault) {
    return make_error(ErrorKind::Config, "line " + std::to_string(line) + ": " + fault);
}

}  // namespace

Result<IniFile> parse_aws_ini(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    IniFile file;
    IniSection* section = nullptr;
    std::string* last_value = nullptr;
    size_t key_indent = 0;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (raw.find('\0') != std::string_view::npos)
            return line_error(line_no, "contains a NUL byte");
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            if (end == text.size())
                break;
            continue;
        }
        if (line.front() == '[') {
            const std::string_view body = trim(cut_inline_comment(line));
            if (body.size() < 2 || body.back() != ']')
                return line_error(line_no, "section header without a closing ']'");
            const std::string_view name = trim(body.substr(1, body.size() - 2));
            if (name.empty())
                return line_error(line_no, "empty section name");
            if (name.find_first_of("[]") != std::string_view::npos)
                return line_error(line_no, "brackets inside a section name");
            std::string key(name);
            if (key.rfind("profile", 0) == 0 && key.size() > 7 && blank(key[7]))
                key = "profile " + std::string(trim(std::string_view(key).substr(7)));
            section = &file.sections[key];
            last_value = nullptr;
        } else if (last_value != nullptr && indent_of(raw) > key_indent) {
            if (!last_value->empty())
                *last_value += '\n';
            *last_value += std::string(trim(cut_inline_comment(line)));
        } else {
            if (section == nullptr)
                return line_error(line_no, "setting outside of a [section]");
            const auto eq = line.find('=');
            if (eq == std::string_view::npos)
                return line_error(line_no, "expected 'key = value'");
            std::string key(trim(line.substr(0, eq)));
            if (key.empty())
                return line_error(line_no, "empty key before '='");
            std::transform(key.begin(), key.end(), key.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            std::string& slot = (*section)[key];
            slot = std::string(trim(cut_inline_comment(line.substr(eq + 1))));
            last_value = &slot;
            key_indent = indent_of(raw);
        }
        if (end == text.size())
            break;
    }
    return file;
}

const IniSection* find_credentials_profile(const IniFile& file, const std::string& name) {
    auto it = file.sections.find(name);
    return it == file.sections.end() ? nullptr : &it->second;
}

const IniSection* find_config_profile(const IniFile& file, const std::string& name) {
    auto it = file.sections.find("profile " + name);
    if (it != file.sections.end())
        return &it->second;
    if (name == "default") {
        it = file.sections.find("default");
        if (it != file.sections.end())
            return &it->second;
    }
    return nullptr;
}

}  // namespace pgmi::cloud
