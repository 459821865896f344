// The SQL normalizer behind pgmi_checksum (session-api §2.1–2.2): comments out, case folded
// outside literals, whitespace runs collapsed. Two files that differ only in formatting share it.
#pragma once

#include <string>
#include <string_view>

namespace pgmi::project {

std::string normalize(std::string_view sql);

}  // namespace pgmi::project
