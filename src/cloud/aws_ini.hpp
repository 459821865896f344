// The AWS shared credentials and config files (~/.aws/credentials, ~/.aws/config): INI text.
//   [section]            name trimmed; in the config file "[profile NAME]" names profile NAME
//   key = value          key trimmed and lower-cased, value trimmed; later duplicates win
//   # or ; comment       whole-line; inline after a value or header only when preceded by a blank
//   <indented line>      continuation of the previous key's value (nested settings), kept
//                        as "\n"-joined text
// A UTF-8 BOM and CRLF line ends are accepted. Repeated sections merge. Errors (Config) say
// only the line number and the fault, never the content (values may be secret keys).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace pgmi::cloud {

using IniSection = std::map<std::string, std::string>;

struct IniFile {
    std::map<std::string, IniSection> sections;  // by section name as written (trimmed)
};

/// Parses INI text as above.
Result<IniFile> parse_aws_ini(std::string_view text);

/// The keys of profile `name`: in the credentials file the section "[name]"; in the config file
/// "[profile name]" (or "[default]" for "default").
const IniSection* find_credentials_profile(const IniFile& file, const std::string& name);
const IniSection* find_config_profile(const IniFile& file, const std::string& name);

}  // namespace pgmi::cloud
