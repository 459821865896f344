// A file tree as `tree` draws it: the root line, then one line per entry in byte order of names
// with "├── " / "└── " (last child) and "│   " / "    " per ancestor; directories end in "/".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgmi::ui {

/// `paths` are relative ("a/b.sql"; "a/" names an empty directory). Directories implied by a
/// path need not be listed. Every line ends in "\n".
std::string render_tree(std::string_view root, const std::vector<std::string>& paths);

}  // namespace pgmi::ui
