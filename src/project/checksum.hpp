// Digests used for file identity: util/digest under the names the project module has always used.
#pragma once

#include "util/digest.hpp"

namespace pgmi::project {

using util::md5_hex;     // 32 lower-case hex characters
using util::sha256_hex;  // 64 lower-case hex characters

}  // namespace pgmi::project
