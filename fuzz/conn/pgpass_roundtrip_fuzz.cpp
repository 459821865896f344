// Fuzzes .pgpass escaping as a round trip: records from the input are written with libpq's
// escaping (`\` and `:` backslash-escaped, a leading `#` or a literal `*` field escaped so it is
// neither a comment nor a wildcard), one line each, and parse_pgpass must read back exactly those
// fields; the first record's password is what lookup_pgpass returns for its own host, port,
// database and user (nothing for an empty password, libpq's rule). Fields are the input's lines
// in groups of five; a record with a CR is not written (a line ending is not a field's content,
// and CR at a line's end is stripped by the reader).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conn/pgpass.hpp"
#include "driver/fuzz_support.hpp"

namespace {

std::string escape(const std::string& field) {
    if (field == "*")
        return "\\*";
    std::string out;
    for (char c : field) {
        if (c == '\\' || c == ':')
            out += '\\';
        out += c;
    }
    return out;
}

struct Record {
    std::string host, port, database, user, password;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> fields;
    for (size_t start = 0; start <= input.size() && fields.size() < 40;) {
        size_t nl = input.find('\n', start);
        if (nl == std::string_view::npos)
            nl = input.size();
        fields.emplace_back(input.substr(start, nl - start));
        start = nl + 1;
    }
    std::vector<Record> records;
    std::string file;
    for (size_t i = 0; i + 5 <= fields.size(); i += 5) {
        Record r{fields[i], fields[i + 1], fields[i + 2], fields[i + 3], fields[i + 4]};
        // The port as lookup_pgpass compares it: the decimal of a real port number.
        r.port = std::to_string(
            1 + (r.port.size() * 7919 + (r.port.empty() ? 0 : r.port[0] & 0xff)) % 65535);
        bool has_cr = false;
        for (const std::string* f : {&r.host, &r.database, &r.user, &r.password})
            has_cr = has_cr || f->find('\r') != std::string::npos;
        if (has_cr)
            continue;
        std::string line = escape(r.host) + ':' + escape(r.port) + ':' + escape(r.database) + ':' +
                           escape(r.user) + ':' + escape(r.password);
        if (line.front() == '#')
            line.insert(0, "\\");
        file += line + '\n';
        records.push_back(std::move(r));
    }
    if (size % 3 == 0) {
        // Comments and blank lines between records change nothing.
        file = "# pgmi fuzz\n\n" + file;
    }
    const auto entries = pgmi::conn::parse_pgpass(file);
    FUZZ_CHECK(entries.size() == records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& e = entries[i];
        const auto& r = records[i];
        FUZZ_CHECK(e.host == r.host && e.port == r.port && e.database == r.database &&
                   e.user == r.user && e.password == r.password);
        FUZZ_CHECK(!e.any_host && !e.any_port && !e.any_database && !e.any_user);
    }
    if (!records.empty()) {
        const Record& r = records[0];
        const bool socket = r.host.empty() || r.host[0] == '/' || r.host[0] == '@';
        if (!socket) {
            const auto pw =
                pgmi::conn::lookup_pgpass(entries, r.host, std::stoi(r.port), r.database, r.user);
            FUZZ_CHECK(r.password.empty() ? !pw.has_value() : (pw && *pw == r.password));
        }
    }
    return 0;
}
