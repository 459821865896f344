#include "ui/tree.hpp"

#include <map>
#include <memory>

namespace pgmi::ui {

namespace {

struct Node {
    bool dir = false;
    std::map<std::string, std::unique_ptr<Node>> children;  // byte order of names
};

void add(Node& root, std::string_view path) {
    Node* node = &root;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view name = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (name.empty() || name == ".")
            continue;
        auto& child = node->children[std::string(name)];
        if (!child)
            child = std::make_unique<Node>();
        if (slash != std::string_view::npos)
            child->dir = true;
        node = child.get();
    }
}

void draw(const Node& node, const std::string& indent, std::string& out) {
    std::size_t left = node.children.size();
    for (const auto& [name, child] : node.children) {
        const bool last = --left == 0;
        out += indent;
        out += last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ";
        out += name;
        if (child->dir)
            out += '/';
        out += '\n';
        if (!child->children.empty())
            draw(*child, indent + (last ? "    " : "\u2502   "), out);
    }
}

}  // namespace

std::string render_tree(std::string_view root, const std::vector<std::string>& paths) {
    Node top;
    top.dir = true;
    for (const auto& p : paths)
        add(top, p);
    std::string out(root);
    if (out.empty() || out.back() != '/')
        out += '/';
    out += '\n';
    draw(top, "", out);
    return out;
}

}  // namespace pgmi::ui
