#include "report/redact.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "util/strings.hpp"

namespace pgmi::report {

namespace {

constexpr std::string_view kMask = "[redacted]";
constexpr size_t npos = std::string_view::npos;

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_scheme_char(char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

bool is_user_char(char c) {
    return c != ':' && c != '/' && c != '@' && !util::is_space(c);
}

bool is_bare_value_char(char c) {
    return !util::is_space(c) && c != '&' && c != ';' && c != '\'' && c != '"';
}

/// "password" at `at`, in any ASCII case.
bool password_at(std::string_view t, size_t at) {
    constexpr std::string_view kWord = "password";
    if (t.size() - at < kWord.size())
        return false;
    for (size_t k = 0; k < kWord.size(); ++k) {
        char c = t[at + k];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != kWord[k])
            return false;
    }
    return true;
}

/// Pass 1: `password = value`. Each byte is examined a bounded number of times: a candidate
/// "password" cannot start inside another (the word has no self-overlap), the whitespace after
/// it belongs to that one candidate, and a search for a closing quote that fails is remembered,
/// so it runs at most once per quote character (the masked value then runs to the end of its
/// line, and scanning resumes there).
std::string mask_key_values(std::string_view t) {
    std::string out;
    out.reserve(t.size());
    size_t copied = 0;
    bool no_single_after = false;  // a search for a closing ' already reached the end
    bool no_double_after = false;
    size_t i = 0;
    while (i < t.size()) {
        if (!password_at(t, i)) {
            ++i;
            continue;
        }
        size_t j = i + 8;
        while (j < t.size() && util::is_space(t[j]))
            ++j;
        if (j == t.size() || t[j] != '=') {
            ++i;
            continue;
        }
        ++j;
        while (j < t.size() && util::is_space(t[j]))
            ++j;
        size_t end = j;
        if (j < t.size() && (t[j] == '\'' || t[j] == '"')) {
            bool& none = t[j] == '\'' ? no_single_after : no_double_after;
            const size_t close = none ? npos : t.find(t[j], j + 1);
            if (close == npos) {
                // An unclosed quote: the value may hold spaces, so it runs to the end of the line
                // (safer than the old regex, which masked nothing and showed the password).
                none = true;
                end = t.find('\n', j);
                if (end == npos)
                    end = t.size();
            } else {
                end = close + 1;
            }
        } else {
            while (end < t.size() && is_bare_value_char(t[end]))
                ++end;
        }
        out.append(t.substr(copied, i - copied));
        out += "password=";
        out += kMask;
        copied = end;
        i = end;
    }
    out.append(t.substr(copied));
    return out;
}

/// Pass 2: `scheme://user:secret@`. Candidates are the "://" occurrences in order (a match
/// that starts earlier always belongs to an earlier "://"). The scheme and user runs of
/// different candidates are disjoint; the whitespace-free run after `user:` can be shared by
/// many candidates ("a://b:a://b:..."), so its end and its last '@' are computed once and
/// reused while later candidates fall inside it.
std::string mask_user_info(std::string_view t) {
    std::string out;
    size_t copied = 0;  // nothing before this is matched again (it was replaced or passed)
    size_t from = 0;
    size_t run_begin = npos;
    size_t run_end = 0;
    size_t run_last_at = npos;
    for (size_t p = t.find("://", from); p != npos; p = t.find("://", from)) {
        from = p + 1;
        size_t b = p;
        bool letter = false;
        while (b > copied && is_scheme_char(t[b - 1])) {
            --b;
            letter = letter || is_alpha(t[b]);
        }
        if (!letter)
            continue;  // the scheme must start with a letter
        const size_t user = p + 3;
        size_t colon = user;
        while (colon < t.size() && is_user_char(t[colon]))
            ++colon;
        if (colon == user || colon == t.size() || t[colon] != ':')
            continue;
        const size_t rest = colon + 1;
        if (run_begin == npos || rest < run_begin || rest > run_end) {
            run_begin = rest;
            run_end = rest;
            run_last_at = npos;
            while (run_end < t.size() && !util::is_space(t[run_end])) {
                if (t[run_end] == '@')
                    run_last_at = run_end;
                ++run_end;
            }
        }
        if (run_last_at == npos || run_last_at < rest)
            continue;
        out.append(t.substr(copied, colon - copied));
        out += ':';
        out += kMask;
        out += '@';
        copied = run_last_at + 1;
        from = copied;
    }
    if (copied == 0)
        return std::string(t);
    out.append(t.substr(copied));
    return out;
}

/// Where `needle` occurs in `text`, as [begin, end) spans with overlapping occurrences merged;
/// Knuth-Morris-Pratt, so O(text + needle) whatever the content.
void add_occurrences(std::string_view text, std::string_view needle,
                     std::vector<std::pair<size_t, size_t>>& spans) {
    std::vector<size_t> border(needle.size(), 0);
    for (size_t i = 1, k = 0; i < needle.size(); ++i) {
        while (k > 0 && needle[i] != needle[k])
            k = border[k - 1];
        if (needle[i] == needle[k])
            ++k;
        border[i] = k;
    }
    bool open = false;
    for (size_t i = 0, k = 0; i < text.size(); ++i) {
        while (k > 0 && text[i] != needle[k])
            k = border[k - 1];
        if (text[i] == needle[k])
            ++k;
        if (k == needle.size()) {
            const size_t begin = i + 1 - needle.size();
            if (open && begin < spans.back().second)
                spans.back().second = i + 1;
            else
                spans.emplace_back(begin, i + 1);
            open = true;
            k = border[k - 1];
        }
    }
}

}  // namespace

void Redactor::add_secret(std::string value) {
    if (value.size() < 3)
        return;
    if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end())
        secrets_.push_back(std::move(value));
}

std::string Redactor::operator()(std::string_view text) const {
    std::vector<std::pair<size_t, size_t>> spans;
    for (const auto& s : secrets_)
        add_occurrences(text, s, spans);
    if (spans.empty())
        return redact_patterns(text);
    // One pass over the text: a byte covered by any occurrence of any secret is masked, so a
    // secret that overlaps another leaves no visible piece of either.
    std::sort(spans.begin(), spans.end());
    std::string out;
    out.reserve(text.size());
    size_t copied = 0;
    for (size_t k = 0; k < spans.size();) {
        const size_t begin = spans[k].first;
        size_t end = spans[k].second;
        for (++k; k < spans.size() && spans[k].first < end; ++k)
            end = std::max(end, spans[k].second);
        out.append(text.substr(copied, begin - copied));
        out += kMask;
        copied = end;
    }
    out.append(text.substr(copied));
    return redact_patterns(out);
}

std::string redact_patterns(std::string_view text) {
    return mask_user_info(mask_key_values(text));
}

}  // namespace pgmi::report
