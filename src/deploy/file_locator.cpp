#include "deploy/file_locator.hpp"

namespace pgmi::deploy {

namespace {

/// The statement text of the first `SQL statement "..."` entry of a CONTEXT, if any.
std::optional<std::string> context_statement(const std::string& context) {
    constexpr std::string_view kOpen = "SQL statement \"";
    size_t start = context.find(kOpen);
    if (start == std::string::npos)
        return std::nullopt;
    start += kOpen.size();
    // The statement may hold quotes and newlines: it ends at the last quote before the next
    // context entry (a line starting with "PL/pgSQL" or "SQL ") or at the end.
    size_t limit = context.size();
    for (const char* next : {"\nPL/pgSQL ", "\nSQL ", "\nSQL function"}) {
        size_t n = context.find(next, start);
        if (n != std::string::npos && n < limit)
            limit = n;
    }
    size_t end = context.rfind('"', limit == 0 ? 0 : limit - 1);
    if (end == std::string::npos || end < start)
        return std::nullopt;
    return context.substr(start, end - start);
}

struct Candidate {
    const std::string* path;
    const std::string* content;
};

std::optional<FileHit> find(const std::vector<Candidate>& files, const std::string& text,
                            int position, const std::optional<std::string>& named) {
    if (text.empty())
        return std::nullopt;
    auto hit = [&](const Candidate& c) -> std::optional<FileHit> {
        size_t at = c.content->find(text);
        if (at == std::string::npos)
            return std::nullopt;
        size_t byte = at;
        if (position > 0) {
            if (auto b = script::byte_of_position(text, position))
                byte = at + *b;
        } else if (text.size() * 2 > c.content->size()) {
            // A runtime error names only the text EXECUTE ran; when that is (most of) the whole
            // file, PostgreSQL did not say which statement failed: name the file, not a line.
            return FileHit{*c.path, std::nullopt};
        }
        return FileHit{*c.path, script::locate_offset(*c.content, byte)};
    };
    if (named) {
        for (const auto& c : files) {
            if (*c.path == *named) {
                if (auto h = hit(c))
                    return h;
            }
        }
    }
    for (const auto& c : files) {
        if (*c.content == text)
            return hit(c);
    }
    for (const auto& c : files) {
        if (auto h = hit(c))
            return h;
    }
    return std::nullopt;
}

}  // namespace

std::optional<FileHit> locate_in_files(const ServerError& error, const project::Project& project,
                                       const std::optional<std::string>& named) {
    std::vector<Candidate> files;
    files.reserve(project.files.size() + project.tests.size());
    for (const auto& f : project.files)
        files.push_back({&f.path, &f.content});
    for (const auto& t : project.tests)
        files.push_back({&t.path, &t.content});

    if (auto h = find(files, error.internal_query, error.internal_position, named))
        return h;
    if (auto stmt = context_statement(error.context)) {
        if (auto h = find(files, *stmt, 0, named))
            return h;
    }
    if (named)
        return FileHit{*named, std::nullopt};
    return std::nullopt;
}

}  // namespace pgmi::deploy
