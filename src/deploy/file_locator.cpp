#include "deploy/file_locator.hpp"

#include <algorithm>

#include "script/lexer.hpp"

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

std::optional<script::Location> locate_in_do_block(const std::string& context,
                                                   const std::string& content) {
    // The innermost frame must be a DO block, and the next one the file's text run by EXECUTE
    // (the test runner puts a marker comment first): otherwise the frame is another DO's.
    constexpr std::string_view kFrame = "PL/pgSQL function inline_code_block line ";
    constexpr std::string_view kStatement = "\nSQL statement \"";
    constexpr std::string_view kMarker = "/*pgmi-test:";
    if (context.compare(0, kFrame.size(), kFrame) != 0)
        return std::nullopt;
    size_t stmt = context.find('\n');
    if (stmt == std::string::npos || context.compare(stmt, kStatement.size(), kStatement) != 0)
        return std::nullopt;
    stmt += kStatement.size();
    if (context.compare(stmt, kMarker.size(), kMarker) == 0) {
        const size_t end = context.find("*/", stmt);
        if (end == std::string::npos)
            return std::nullopt;
        stmt = end + 2;
    }
    const size_t compared = std::min<size_t>(content.size(), 200);
    if (context.compare(stmt, compared, content, 0, compared) != 0)
        return std::nullopt;
    size_t at = kFrame.size();
    int body_line = 0;
    for (; at < context.size() && context[at] >= '0' && context[at] <= '9'; ++at) {
        body_line = body_line * 10 + (context[at] - '0');
        if (body_line > 10'000'000)
            return std::nullopt;
    }
    if (body_line < 1)
        return std::nullopt;
    // The file's DO blocks: a dollar-quoted body right after the word DO.
    const script::Masked m = script::mask(content);
    std::optional<size_t> body;
    for (const script::Region& r : m.regions) {
        if (r.kind != script::RegionKind::DollarQuoted)
            continue;
        size_t end = r.begin;
        while (end > 0 && script::is_space(m.mask[end - 1]))
            --end;
        size_t begin = end;
        while (begin > 0 && script::is_ident_byte(m.mask[begin - 1]))
            --begin;
        if (!script::iequals(std::string_view(m.mask).substr(begin, end - begin), "DO"))
            continue;
        if (body)
            return std::nullopt;  // two DO blocks: the frame could be either's
        body = r.body_begin;
    }
    if (!body)
        return std::nullopt;
    // PL/pgSQL counts the body's lines from 1, the first being the rest of the `DO $$` line.
    const int line = script::line_at(content, *body) + body_line - 1;
    const auto lines = script::lines_of(content, line, line);
    if (lines.empty())
        return std::nullopt;
    const size_t first = lines[0].find_first_not_of(" \t");
    return script::Location{line, static_cast<int>(first == std::string::npos ? 0 : first) + 1,
                            lines[0]};
}

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
