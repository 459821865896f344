// Design notes.
// - Block comments come from script::mask(), so a "/*" inside a literal, a quoted identifier or
//   a dollar body is never a comment, nested comments belong to the outer one, and an
//   unterminated comment runs to the end of the file (no slicing past its end).
// - The XML is read like Go's encoding/xml reads it: text before the first element is skipped,
//   the first element must be <pgmi-meta>, and nothing after its end tag is read. A small
//   pre-scan finds where that element ends (so trailing text cannot fail the parse) and checks
//   what pugixml tolerates but XML forbids: undefined entities, a bare '&', characters outside
//   the XML range. pugixml then parses exactly that prefix.
#include "project/metadata.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <variant>

#include "project/checksum.hpp"
#include "project/scanner.hpp"
#include "project/utf8.hpp"
#include "script/lexer.hpp"
#include "util/strings.hpp"

namespace pgmi::project {

namespace {

constexpr std::string_view kDocsPointer =
    "See metadata format documentation:\n"
    "  Reference: docs/METADATA.md, or run `pgmi ai skill pgmi-metadata-system`\n"
    "  Generate template: pgmi metadata scaffold <path>";

constexpr std::string_view kSyntaxHint =
    "Check that all XML tags are properly closed and attributes are quoted.\n\n"
    "Expected format:\n"
    "  <pgmi-meta id=\"UUID\" idempotent=\"true|false\">\n"
    "    <description>...</description>\n"
    "    <sortKeys><key>...</key></sortKeys>\n"
    "  </pgmi-meta>";

constexpr std::string_view kDecodeHint =
    "Verify the metadata XML structure matches the expected format.\n"
    "Generate a valid block with: pgmi metadata scaffold <project_path>";

constexpr std::string_view kOldFormatHint =
    "The metadata format changed to remove XML namespaces.\n\n"
    "Migration required:\n"
    "  OLD: <pgmi:meta xmlns:pgmi=\"https://pgmi.com/pgmi-metadata/v1\" ...>\n"
    "  NEW: <pgmi-meta id=\"...\" idempotent=\"...\">\n\n"
    "Remove the xmlns:pgmi attribute and change <pgmi:meta> to <pgmi-meta>.";

/// Go's unicode.IsSpace.
bool is_unicode_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/// [begin, end) of `s` without leading and trailing Unicode white space (Go's strings.TrimSpace;
/// an invalid byte is not space).
std::pair<size_t, size_t> trim_bounds(std::string_view s) {
    size_t begin = s.size();
    size_t end = 0;
    size_t i = 0;
    while (i < s.size()) {
        const CodePoint cp = decode_utf8(s, i);
        const size_t len = cp.length == 0 ? 1 : cp.length;
        if (cp.length == 0 || !is_unicode_space(cp.value)) {
            begin = std::min(begin, i);
            end = i + len;
        }
        i += len;
    }
    if (begin > end)
        return {0, 0};
    return {begin, end};
}

std::string_view trim(std::string_view s) {
    const auto [b, e] = trim_bounds(s);
    return s.substr(b, e - b);
}

/// Offset of the first match of Go's `<\s*NAME[\s>]` in `text`, or npos (\s = [\t\n\f\r ]).
size_t find_tag(std::string_view text, std::string_view name) {
    auto re_space = [](char c) {
        return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
    };
    for (size_t lt = text.find('<'); lt != std::string_view::npos; lt = text.find('<', lt + 1)) {
        size_t i = lt + 1;
        while (i < text.size() && re_space(text[i]))
            ++i;
        if (text.substr(i, name.size()) != name)
            continue;
        i += name.size();
        if (i < text.size() && (re_space(text[i]) || text[i] == '>'))
            return lt;
    }
    return std::string_view::npos;
}

size_t line_at(std::string_view content, size_t offset) {
    offset = std::min(offset, content.size());
    return 1 + static_cast<size_t>(std::count(
                   content.begin(), content.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::string location(std::string_view path, size_t line) {
    std::string out(path);
    if (line > 0)
        out += " (line " + std::to_string(line) + ")";
    return out;
}

MetadataProblem structural(std::string_view path, size_t line, std::string_view message,
                           std::string_view hint) {
    MetadataProblem p;
    p.path = std::string(path);
    p.line = line;
    p.text = "metadata error in " + location(path, line) + ": " + std::string(message) +
             "\n\nHint: " + std::string(hint);
    return p;
}

/// XML 1.0 Char production (what Go's decoder accepts in text and attribute values).
bool is_xml_char(char32_t c) {
    return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string code_point_text(char32_t c) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string digits;
    for (char32_t v = c; v != 0 || digits.size() < 4; v >>= 4)
        digits.insert(digits.begin(), kHex[v & 0xF]);
    return "U+" + digits;
}

struct XmlFault {
    size_t offset;
    std::string message;
};

/// Where the first element of `x` ends, and the first fault pugixml would not report.
struct XmlScan {
    size_t root_end = std::string_view::npos;
    std::optional<XmlFault> fault;
};

bool is_name_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '-' || u == '.' || u == ':' || u >= 0x80;
}

/// Checks the character or reference at x[i] of text or an attribute value; returns the offset
/// after it, or a fault.
std::variant<size_t, XmlFault> check_text_unit(std::string_view x, size_t i) {
    if (x[i] != '&') {
        const CodePoint cp = decode_utf8(x, i);
        if (cp.length == 0)
            return XmlFault{i, "invalid UTF-8"};
        if (!is_xml_char(cp.value))
            return XmlFault{i, "illegal character code " + code_point_text(cp.value)};
        return i + cp.length;
    }
    size_t j = i + 1;
    if (j < x.size() && x[j] == '#') {
        ++j;
        int base = 10;
        if (j < x.size() && x[j] == 'x') {
            base = 16;
            ++j;
        }
        const size_t digits = j;
        uint32_t value = 0;
        bool overflow = false;
        while (j < x.size()) {
            const int d = util::hex_value(x[j]);
            if (d < 0 || d >= base)
                break;
            value = value * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
            overflow = overflow || value > 0x10FFFF;
            ++j;
        }
        const bool closed = j < x.size() && x[j] == ';';
        if (j == digits || !closed || overflow || !is_xml_char(value)) {
            return XmlFault{i, "invalid character entity " +
                                   std::string(x.substr(i, j - i + (closed ? 1 : 0)))};
        }
        return j + 1;
    }
    while (j < x.size() && is_name_byte(x[j]))
        ++j;
    const std::string_view name = x.substr(i + 1, j - i - 1);
    if (j >= x.size() || x[j] != ';') {
        return XmlFault{i, "invalid character entity &" + std::string(name) + " (no semicolon)"};
    }
    if (name != "lt" && name != "gt" && name != "amp" && name != "apos" && name != "quot")
        return XmlFault{i, "invalid character entity &" + std::string(name) + ";"};
    return j + 1;
}

/// Walks tags up to the end of the first element. Stops quietly where the markup is malformed:
/// pugixml reports that with its own message.
XmlScan scan_xml(std::string_view x) {
    XmlScan out;
    const size_t n = x.size();
    size_t depth = 0;
    size_t i = 0;
    auto skip_to = [&](size_t from, std::string_view close) {
        const size_t at = x.find(close, from);
        return at == std::string_view::npos ? at : at + close.size();
    };
    while (i < n) {
        if (x[i] != '<') {
            auto r = check_text_unit(x, i);
            if (auto* f = std::get_if<XmlFault>(&r)) {
                out.fault = std::move(*f);
                return out;
            }
            i = std::get<size_t>(r);
            continue;
        }
        const std::string_view rest = x.substr(i);
        size_t next;
        if (rest.starts_with("<!--")) {
            next = skip_to(i + 4, "-->");
        } else if (rest.starts_with("<![CDATA[")) {
            next = skip_to(i + 9, "]]>");
        } else if (rest.starts_with("<?")) {
            next = skip_to(i + 2, "?>");
        } else if (rest.starts_with("<!")) {
            next = skip_to(i + 2, ">");
        } else if (rest.starts_with("</")) {
            next = skip_to(i + 2, ">");
            if (next == std::string_view::npos || depth == 0)
                return out;
            if (--depth == 0) {
                out.root_end = next;
                return out;
            }
        } else {
            // A start tag: attribute values may hold '>' and references.
            size_t j = i + 1;
            while (j < n && x[j] != '>') {
                if (x[j] != '"' && x[j] != '\'') {
                    ++j;
                    continue;
                }
                const char quote = x[j++];
                while (j < n && x[j] != quote) {
                    if (x[j] == '<')
                        return out;  // pugixml: "Error parsing element attribute"
                    auto r = check_text_unit(x, j);
                    if (auto* f = std::get_if<XmlFault>(&r)) {
                        out.fault = std::move(*f);
                        return out;
                    }
                    j = std::get<size_t>(r);
                }
                if (j >= n)
                    return out;
                ++j;
            }
            if (j >= n)
                return out;
            next = j + 1;
            if (x[j - 1] != '/') {
                ++depth;
            } else if (depth == 0) {
                out.root_end = next;
                return out;
            }
        }
        if (next == std::string_view::npos)
            return out;
        i = next;
    }
    return out;
}

std::string_view local_name(const char* name) {
    const std::string_view s = name;
    const size_t colon = s.rfind(':');
    return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

/// The character data directly inside `node` (text and CDATA; nested elements are skipped).
std::string direct_text(const pugi::xml_node& node) {
    std::string out;
    for (const pugi::xml_node& child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
            out += child.value();
    }
    return out;
}

/// strconv.ParseBool behind encoding/xml: empty is false, otherwise the trimmed text.
Result<bool> parse_go_bool(std::string_view raw) {
    if (raw.empty())
        return false;
    const std::string_view v = trim(raw);
    if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True")
        return true;
    if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False")
        return false;
    return make_error(ErrorKind::Config,
                      "strconv.ParseBool: parsing " + go_quote(v) + ": invalid syntax");
}

std::string lower_first(std::string s) {
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

/// Parses and validates the block `xml`, which starts at `xml_begin` of `content`.
Extraction read_block(std::string_view content, size_t xml_begin, std::string_view xml,
                      std::string_view path) {
    auto file_line = [&](size_t offset_in_xml) {
        return line_at(content, xml_begin + offset_in_xml);
    };
    const XmlScan scan = scan_xml(xml);
    const size_t parse_len = scan.root_end == std::string_view::npos ? xml.size() : scan.root_end;

    pugi::xml_document doc;
    const unsigned flags =
        pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol | pugi::parse_ws_pcdata;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), parse_len, flags, pugi::encoding_utf8);
    std::optional<XmlFault> fault = scan.fault;
    // Only comments or PIs: no element at all is a decode problem, reported below.
    if (!parsed && parsed.status != pugi::status_no_document_element) {
        const auto at = static_cast<size_t>(std::max<ptrdiff_t>(parsed.offset, 0));
        if (!fault || at < fault->offset)
            fault = XmlFault{at, "XML syntax error: " + lower_first(parsed.description())};
    }
    if (fault) {
        return {std::nullopt,
                structural(path, file_line(fault->offset), fault->message, kSyntaxHint)};
    }

    pugi::xml_node root;
    for (const pugi::xml_node& child : doc.children()) {
        if (child.type() == pugi::node_element) {
            root = child;
            break;
        }
    }
    const size_t block_line = file_line(0);
    if (!root) {
        return {std::nullopt,
                structural(path, block_line, "expected element type <pgmi-meta> but found none",
                           kDecodeHint)};
    }
    const size_t root_line =
        file_line(static_cast<size_t>(std::max<ptrdiff_t>(root.offset_debug(), 0)));
    if (local_name(root.name()) != "pgmi-meta") {
        return {std::nullopt, structural(path, root_line,
                                         "expected element type <pgmi-meta> but have <" +
                                             std::string(local_name(root.name())) + ">",
                                         kDecodeHint)};
    }

    Metadata meta;
    meta.line = root_line;
    std::optional<bool> idempotent;
    for (const pugi::xml_attribute& attr : root.attributes()) {
        const std::string_view name = local_name(attr.name());
        if (name == "id") {
            auto id = parse_uuid(attr.value());
            if (!id)
                return {std::nullopt,
                        structural(path, root_line, "id attribute: " + id.error().message,
                                   kDecodeHint)};
            meta.id = *id;
        } else if (name == "idempotent") {
            auto b = parse_go_bool(attr.value());
            if (!b)
                return {std::nullopt,
                        structural(path, root_line, "idempotent attribute: " + b.error().message,
                                   kDecodeHint)};
            idempotent = *b;
        }
    }
    for (const pugi::xml_node& child : root.children()) {
        if (child.type() != pugi::node_element)
            continue;
        const std::string_view name = local_name(child.name());
        if (name == "description") {
            meta.description = direct_text(child);  // a repeated element: the last one wins
        } else if (name == "sortKeys") {
            for (const pugi::xml_node& key : child.children()) {
                if (key.type() == pugi::node_element && local_name(key.name()) == "key")
                    meta.sort_keys.push_back(direct_text(key));
            }
        }
    }

    std::vector<std::string> items;
    if (meta.id.is_nil()) {
        items.emplace_back(
            "id attribute is required and cannot be the nil UUID "
            "(00000000-0000-0000-0000-000000000000).\n"
            "  Each script must have a unique identifier.\n"
            "  Generate with: uuidgen (Linux/Mac), [guid]::NewGuid() (PowerShell), or "
            "https://www.uuidgenerator.net/");
    }
    if (!idempotent) {
        items.emplace_back(
            "idempotent attribute is required (idempotent=\"true\" or idempotent=\"false\").\n"
            "  true: the script is safe to rerun every deploy (CREATE OR REPLACE, IF NOT "
            "EXISTS).\n"
            "  false: the script runs once per id (tracked one-time migration).");
    }
    for (size_t i = 0; i < meta.sort_keys.size(); ++i) {
        if (trim(meta.sort_keys[i]).empty()) {
            items.emplace_back("sortKeys[" + std::to_string(i) +
                               "] cannot be empty or whitespace-only.\n"
                               "  Provide meaningful sort keys for execution ordering.\n"
                               "  Recommended format: \"phase/sequence\" (e.g., \"10-utils/0010\", "
                               "\"30-core/2000\")");
        }
    }
    if (!meta.description.empty() && trim(meta.description).empty()) {
        items.emplace_back(
            "description element contains only whitespace.\n"
            "  Consider removing it or providing a meaningful description.");
    }
    if (!items.empty()) {
        MetadataProblem p;
        p.path = std::string(path);
        p.line = root_line;
        p.validation = true;
        p.text = "invalid PGMI metadata in " + location(path, root_line) + ":";
        for (size_t i = 0; i < items.size(); ++i)
            p.text += "\n  " + std::to_string(i + 1) + ". " + items[i];
        return {std::nullopt, std::move(p)};
    }
    meta.idempotent = *idempotent;
    return {std::move(meta), std::nullopt};
}

}  // namespace

bool Uuid::is_nil() const {
    return std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; });
}

std::string Uuid::str() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0xF];
    }
    return out;
}

Result<Uuid> parse_uuid(std::string_view s) {
    auto format_error = [] { return make_error(ErrorKind::Config, "invalid UUID format"); };
    Uuid u;
    auto read_byte = [&](size_t at, size_t index) {
        const int hi = util::hex_value(s[at]);
        const int lo = util::hex_value(s[at + 1]);
        if (hi < 0 || lo < 0)
            return false;
        u.bytes[index] = static_cast<unsigned char>(hi * 16 + lo);
        return true;
    };
    switch (s.size()) {
        case 36:
            break;
        case 36 + 9: {
            const std::string_view prefix = s.substr(0, 9);
            std::string lower(prefix);
            for (char& c : lower) {
                if (c >= 'A' && c <= 'Z')
                    c = static_cast<char>(c - 'A' + 'a');
            }
            if (lower != "urn:uuid:") {
                return make_error(ErrorKind::Config, "invalid urn prefix: " + go_quote(prefix));
            }
            s.remove_prefix(9);
            break;
        }
        case 36 + 2:  // any one-character wrapper, e.g. {...}
            s.remove_prefix(1);
            break;
        case 32:
            for (size_t i = 0; i < 16; ++i) {
                if (!read_byte(2 * i, i))
                    return format_error();
            }
            return u;
        default:
            return make_error(ErrorKind::Config,
                              "invalid UUID length: " + std::to_string(s.size()));
    }
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return format_error();
    static constexpr size_t kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (size_t i = 0; i < 16; ++i) {
        if (!read_byte(kAt[i], i))
            return format_error();
    }
    return u;
}

Uuid md5_uuid(std::string_view text) {
    const std::string hex = md5_hex(text);
    Uuid u;
    for (size_t i = 0; i < 16; ++i)
        u.bytes[i] = static_cast<unsigned char>(util::hex_value(hex[2 * i]) * 16 +
                                                util::hex_value(hex[2 * i + 1]));
    return u;
}

Extraction extract_metadata(std::string_view content, std::string_view path) {
    // Most files mention neither tag: skip the lexer (and its copy of the file) for them.
    if (content.find("pgmi-meta") == std::string_view::npos &&
        content.find("pgmi:meta") == std::string_view::npos) {
        return {};
    }
    const script::Masked masked = script::mask(content);
    std::optional<std::pair<size_t, size_t>> block;  // trimmed text: [begin, end) of content
    for (const script::Region& r : masked.regions) {
        if (r.kind != script::RegionKind::BlockComment)
            continue;
        const std::string_view body = content.substr(r.body_begin, r.body_end - r.body_begin);
        const auto [tb, te] = trim_bounds(body);
        const std::string_view text = body.substr(tb, te - tb);
        if (const size_t old = find_tag(text, "pgmi:meta"); old != std::string_view::npos) {
            return {std::nullopt,
                    structural(path, line_at(content, r.body_begin + tb + old),
                               "Found old metadata format with namespace", kOldFormatHint)};
        }
        const size_t at = find_tag(text, "pgmi-meta");
        if (at == std::string_view::npos)
            continue;
        if (block) {
            return {
                std::nullopt,
                structural(path, line_at(content, r.body_begin + tb + at),
                           "Multiple metadata blocks found",
                           "Only one <pgmi-meta> block is allowed per file. Remove duplicates.")};
        }
        block = {r.body_begin + tb, r.body_begin + te};
    }
    if (!block)
        return {};
    const std::string_view xml = content.substr(block->first, block->second - block->first);
    if (xml.size() > kMaxMetadataBytes) {
        return {std::nullopt,
                structural(path, line_at(content, block->first),
                           "Metadata block exceeds maximum size of " +
                               std::to_string(kMaxMetadataBytes) + " bytes (got " +
                               std::to_string(xml.size()) + " bytes)",
                           "Metadata should be concise. Move large descriptions to separate "
                           "documentation files.\nTypical metadata blocks are 200-500 bytes.")};
    }
    return read_block(content, block->first, xml, path);
}

std::vector<DuplicateId> find_duplicate_ids(std::span<const std::pair<std::string, Uuid>> uses) {
    std::map<Uuid, std::vector<std::string>> by_id;
    for (const auto& [path, id] : uses)
        by_id[id].push_back(path);
    std::vector<DuplicateId> out;
    for (auto& [id, paths] : by_id) {
        if (paths.size() < 2)
            continue;
        std::sort(paths.begin(), paths.end());
        out.push_back({id, std::move(paths)});
    }
    return out;  // map order on bytes = order of the canonical text
}

std::string duplicate_ids_text(const std::vector<DuplicateId>& duplicates) {
    std::string out = "duplicate <pgmi-meta id> across files; each script must have a unique id:";
    for (const DuplicateId& d : duplicates) {
        out += "\n  " + d.id.str() + ":";
        for (size_t i = 0; i < d.paths.size(); ++i)
            out += (i == 0 ? " " : ", ") + d.paths[i];
    }
    return out;
}

Error metadata_error(const std::vector<MetadataProblem>& problems,
                     const std::vector<DuplicateId>& duplicates) {
    std::vector<std::string> parts;
    bool validation = false;
    for (const MetadataProblem& p : problems) {
        parts.push_back(p.text);
        validation = validation || p.validation;
    }
    if (!duplicates.empty())
        parts.push_back(duplicate_ids_text(duplicates));
    const size_t count = problems.size() + duplicates.size();
    std::string message;
    if (count > 1) {
        message = std::to_string(count) + " metadata problems:\n\n";
    }
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            message += "\n\n";
        message += parts[i];
    }
    if (validation) {
        message += "\n\n";
        message += kDocsPointer;
    }
    message += "\n: invalid configuration";
    return make_error(ErrorKind::Config, std::move(message));
}

}  // namespace pgmi::project
