#include "cli/completion_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "ai/client.hpp"
#include "ai/setup.hpp"
#include "ai/skills.hpp"
#include "cli/app.hpp"
#include "cli/templates_command.hpp"

namespace pgmi::cli {

namespace {

constexpr std::array<std::string_view, 4> kShells = {"bash", "zsh", "fish", "powershell"};
constexpr std::array<std::string_view, 6> kSslModes = {"disable", "allow",     "prefer",
                                                       "require", "verify-ca", "verify-full"};
// Options whose value is a file: the shell's own file completion is the right one.
constexpr std::array<std::string_view, 6> kFileOptions = {"params-file", "sslcert", "sslkey",
                                                          "sslrootcert", "output",  "test-report"};
// First positional is a directory for these commands.
constexpr std::array<std::string_view, 7> kDirectoryCommands = {
    "init", "deploy", "info", "config", "metadata scaffold", "metadata validate", "metadata plan"};

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

std::string command_path(const CLI::App* app) {
    std::string path;
    for (const CLI::App* a = app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
        std::string word = a->get_name();
        if (!path.empty())
            word.append(" ").append(path);
        path = std::move(word);
    }
    return path;
}

const CLI::App* find_sub(const CLI::App* app, std::string_view name) {
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name() == name)
            return sub;
    }
    return nullptr;
}

// The option of `app` called `word` ("--template", "-t", "--template=x"), or nullptr.
const CLI::Option* find_option(const CLI::App* app, std::string_view word) {
    if (starts_with(word, "--")) {
        std::string_view name = word.substr(2);
        name = name.substr(0, name.find('='));
        for (const CLI::Option* o : app->get_options()) {
            for (const auto& l : o->get_lnames()) {
                if (l == name)
                    return o;
            }
        }
    } else if (word.size() >= 2 && word[0] == '-') {
        const std::string_view name = word.substr(1, 1);
        for (const CLI::Option* o : app->get_options()) {
            for (const auto& s : o->get_snames()) {
                if (s == name)
                    return o;
            }
        }
    }
    return nullptr;
}

bool takes_value(const CLI::Option* o) {
    return o->get_expected_max() > 0;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

void add_matching(Completions& c, std::string_view prefix, std::string_view value,
                  std::string_view description = {}) {
    if (starts_with(value, prefix))
        c.items.emplace_back(std::string(value), std::string(description));
}

// Values for option `o` of command `app`, the typed text being `typed` (without any "--x=").
Completions option_values(const CLI::App* app, const CLI::Option* o, std::string_view typed) {
    Completions c;
    c.directive = directive::kNoFiles;
    const std::string path = command_path(app);
    const std::string name = o->get_lnames().empty() ? "" : o->get_lnames().front();
    if (name == "template") {
        for (const TemplateInfo* t : available_templates())
            add_matching(c, typed, t->name, t->summary);
    } else if (name == "assistant" && path.rfind("ai ", 0) == 0) {
        for (const auto& a : ai::assistants())
            add_matching(c, typed, a.name);
    } else if (name == "sslmode") {
        for (const auto m : kSslModes)
            add_matching(c, typed, m);
    } else if (contains(kFileOptions, name)) {
        c.directive = directive::kDefault;
    }
    return c;
}

Completions positional_values(const CLI::App* app, std::size_t index, std::string_view typed) {
    Completions c;
    c.directive = directive::kNoFiles;
    const std::string path = command_path(app);
    if (index == 0 && contains(kDirectoryCommands, path)) {
        c.directive = directive::kDirsOnly;
    } else if (index == 0 && path == "templates describe") {
        for (const TemplateInfo* t : available_templates())
            add_matching(c, typed, t->name, t->summary);
    } else if (index == 0 && path == "ai skill") {
        for (const auto& s : ai::list_skills()) {
            if (!s.virtual_entry)
                add_matching(c, typed, s.file, s.description);
        }
    } else if (index == 0 && path == "completion") {
        for (const auto s : kShells)
            add_matching(c, typed, s);
    } else if (index == 0 && path == "ai client") {
        for (const std::string& l : ai::client_languages())
            add_matching(c, typed, l);
    }
    return c;
}

}  // namespace

Completions complete(const CLI::App& root, const std::vector<std::string>& words) {
    const CLI::App* app = &root;
    std::size_t positionals = 0;
    const std::string cur = words.empty() ? std::string() : words.back();
    const std::size_t n = words.empty() ? 0 : words.size() - 1;

    // The words before the current one choose the command and consume option values.
    const CLI::Option* pending = nullptr;  // an option still waiting for its value
    bool only_positionals = false;
    std::size_t after_command = 0;  // index of the first word after the last command word
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& w = words[i];
        if (pending != nullptr) {
            pending = nullptr;
            continue;
        }
        if (!only_positionals && w == "--") {
            only_positionals = true;
            continue;
        }
        if (!only_positionals && w.size() > 1 && w[0] == '-') {
            const CLI::Option* o = find_option(app, w);
            const bool inline_value =
                w.find('=') != std::string::npos || (w[1] != '-' && w.size() > 2);
            if (o != nullptr && takes_value(o) && !inline_value)
                pending = o;
            continue;
        }
        if (positionals == 0) {
            if (const CLI::App* sub = find_sub(app, w); sub != nullptr) {
                app = sub;
                after_command = i + 1;
                continue;
            }
        }
        ++positionals;
    }

    if (pending != nullptr)
        return option_values(app, pending, cur);

    Completions c;
    c.directive = directive::kNoFiles;
    if (!only_positionals && starts_with(cur, "-")) {
        if (const auto eq = cur.find('='); eq != std::string::npos && starts_with(cur, "--")) {
            const CLI::Option* o = find_option(app, cur);
            if (o == nullptr || !takes_value(o))
                return c;
            Completions v = option_values(app, o, std::string_view(cur).substr(eq + 1));
            for (auto& item : v.items)
                item.first = cur.substr(0, eq + 1) + item.first;
            return v;
        }
        for (const CLI::Option* o : app->get_options()) {
            if (!o->nonpositional())
                continue;
            const std::string desc = first_line(o->get_description());
            for (const auto& l : o->get_lnames())
                add_matching(c, cur, "--" + l, desc);
            if (cur.size() <= 2 && !starts_with(cur, "--")) {
                for (const auto& s : o->get_snames())
                    add_matching(c, cur, "-" + s, desc);
            }
        }
        return c;
    }

    const auto subs = app->get_subcommands([](const CLI::App* s) { return visible(s); });
    if (!subs.empty() && positionals == 0) {
        std::vector<std::pair<std::string, std::string>> names;
        names.reserve(subs.size());
        for (const CLI::App* s : subs)
            names.emplace_back(s->get_name(), first_line(s->get_description()));
        std::sort(names.begin(), names.end());
        for (const auto& [name, desc] : names)
            add_matching(c, cur, name, desc);
        return c;
    }
    if (app->get_name() == "help" && app->get_parent() == &root) {
        // `pgmi help <command...>`: the command tree again.
        const CLI::App* target = &root;
        for (std::size_t i = after_command; i < n; ++i) {
            if (const CLI::App* sub = find_sub(target, words[i]))
                target = sub;
        }
        for (const CLI::App* s : target->get_subcommands(
                 [](const CLI::App* x) { return visible(x) && x->get_name() != "help"; }))
            add_matching(c, cur, s->get_name(), first_line(s->get_description()));
        std::sort(c.items.begin(), c.items.end());
        return c;
    }
    return positional_values(app, positionals, cur);
}

std::string complete_output(const CLI::App& root, const std::vector<std::string>& words,
                            bool descriptions) {
    const Completions c = complete(root, words);
    std::string out;
    for (const auto& [value, desc] : c.items) {
        out += value;
        if (descriptions && !desc.empty()) {
            out += '\t';
            out += desc;
        }
        out += '\n';
    }
    out += fmt::format(":{}\n", c.directive);
    return out;
}

namespace {

constexpr std::string_view kBash = R"SCRIPT(# bash completion for pgmi
#
# Current shell:  source <(pgmi completion bash)
# Every shell:    pgmi completion bash > /etc/bash_completion.d/pgmi   (or ~/.local/share/bash-completion/completions/pgmi)

_pgmi_completion() {
    local prog="${COMP_WORDS[0]}"
    [[ "$prog" == "~/"* ]] && prog="$HOME/${prog#\~/}"
    # Rejoin "--flag=value", which bash splits at '='.
    local -a words=()
    local i w
    for ((i = 1; i <= COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        if ((${#words[@]} > 0)) && [[ "$w" == "=" || "${words[${#words[@]}-1]}" == *= ]]; then
            words[${#words[@]}-1]+="$w"
        else
            words+=("$w")
        fi
    done
    ((${#words[@]} == 0)) && words=("")
    local cur="${words[${#words[@]}-1]}"

    local out
    out="$("$prog" __completeNoDesc "${words[@]}" 2>/dev/null)" || return
    local -a lines=()
    mapfile -t lines <<<"$out"
    local last="${lines[${#lines[@]}-1]}"
    [[ "$last" == :* ]] || return
    local directive="${last#:}"
    unset 'lines[${#lines[@]}-1]'

    COMPREPLY=()
    ((directive & 1)) && return
    if ((directive & 16)); then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
    fi
    local line prefix=""
    # After "--flag=", bash replaces only the part after '='.
    [[ "$cur" == *=* ]] && prefix="${cur%%=*}="
    for line in "${lines[@]}"; do
        [[ -n "$line" ]] && COMPREPLY+=("${line#"$prefix"}")
    done
    ((directive & 2)) && compopt -o nospace 2>/dev/null
    if ((${#COMPREPLY[@]} == 0)) && ! ((directive & 4)); then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

complete -F _pgmi_completion pgmi
)SCRIPT";

constexpr std::string_view kZsh = R"SCRIPT(#compdef pgmi
# zsh completion for pgmi
#
# Current shell:  source <(pgmi completion zsh)
# Every shell:    pgmi completion zsh > "${fpath[1]}/_pgmi"   (compinit must be enabled)

_pgmi() {
    local -a args lines candidates
    local out directive line value desc
    args=("${(@)words[2,CURRENT]}")
    out="$(${words[1]} __complete "${args[@]}" 2>/dev/null)" || return 1
    lines=("${(@f)out}")
    directive="${lines[-1]#:}"
    [[ "${lines[-1]}" == :* ]] || return 1
    lines=("${(@)lines[1,-2]}")
    (( directive & 1 )) && return 1
    if (( directive & 16 )); then
        _path_files -/
        return
    fi
    for line in "${lines[@]}"; do
        [[ -z "$line" ]] && continue
        value="${line%%$'\t'*}"
        desc=""
        [[ "$line" == *$'\t'* ]] && desc="${line#*$'\t'}"
        value="${value//:/\\:}"
        if [[ -n "$desc" ]]; then candidates+=("${value}:${desc}"); else candidates+=("${value}"); fi
    done
    if (( ${#candidates} > 0 )); then
        if (( directive & 2 )); then _describe -t pgmi 'pgmi' candidates -S ''
        else _describe -t pgmi 'pgmi' candidates; fi
        return
    fi
    (( directive & 4 )) || _files
}

if [[ "${funcstack[1]}" == "_pgmi" ]]; then
    _pgmi "$@"
else
    compdef _pgmi pgmi
fi
)SCRIPT";

constexpr std::string_view kFish = R"SCRIPT(# fish completion for pgmi
#
# Current shell:  pgmi completion fish | source
# Every shell:    pgmi completion fish > ~/.config/fish/completions/pgmi.fish

function __pgmi_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] "$cur" 2>/dev/null)
    or return
    set -l last $out[-1]
    string match -q -- ':*' $last; or return
    set -l directive (string sub -s 2 -- $last)
    set -e out[-1]
    if test (math "bitand($directive, 1)") -ne 0
        return
    end
    if test (math "bitand($directive, 16)") -ne 0
        __fish_complete_directories "$cur"
        return
    end
    for line in $out
        test -n "$line"; and echo $line
    end
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path "$cur"
    end
end

complete -c pgmi -f -a '(__pgmi_complete)'
)SCRIPT";

constexpr std::string_view kPowerShell = R"SCRIPT(# PowerShell completion for pgmi
#
# Current shell:  pgmi completion powershell | Out-String | Invoke-Expression
# Every shell:    add the line above to your $PROFILE

Register-ArgumentCompleter -Native -CommandName 'pgmi' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.ToString() })
    $prog = $elements[0]
    $words = @()
    if ($elements.Count -gt 1) { $words = $elements[1..($elements.Count - 1)] }
    if ($wordToComplete -eq '') {
        # An empty argument needs quoting for native commands before PowerShell 7.3.
        if ($PSVersionTable.PSVersion -lt [version]'7.3') { $words += '""' } else { $words += '' }
    }
    $out = @(& $prog __complete @words 2>$null)
    if ($out.Count -eq 0 -or -not $out[-1].StartsWith(':')) { return }
    $directive = [int]$out[-1].Substring(1)
    if ($directive -band 1) { return }
    $candidates = @()
    if ($out.Count -gt 1) { $candidates = $out[0..($out.Count - 2)] }
    if ($directive -band 16) {
        Get-ChildItem -Directory -Path "$wordToComplete*" -ErrorAction SilentlyContinue |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_.Name, $_.Name, 'ProviderContainer', $_.Name) }
        return
    }
    foreach ($line in $candidates) {
        if ($line -eq '') { continue }
        $parts = $line -split "`t", 2
        $desc = if ($parts.Count -gt 1 -and $parts[1] -ne '') { $parts[1] } else { $parts[0] }
        [System.Management.Automation.CompletionResult]::new($parts[0], $parts[0], 'ParameterValue', $desc)
    }
}
)SCRIPT";

}  // namespace

std::string completion_script(std::string_view shell) {
    if (shell == "bash")
        return std::string(kBash);
    if (shell == "zsh")
        return std::string(kZsh);
    if (shell == "fish")
        return std::string(kFish);
    if (shell == "powershell")
        return std::string(kPowerShell);
    return "";
}

void add_completion_command(CLI::App& app, int& result, const Reporter& reporter) {
    auto args = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand("completion", "Generate a shell completion script");
    cmd->description(
        "Generate a shell completion script\n\n"
        "Prints a script that completes pgmi's commands, flags, template names, sslmode values "
        "and project directories in bash, zsh, fish or PowerShell.");
    cmd->footer(
        "Examples:\n"
        "  source <(pgmi completion bash)                               # bash, this shell\n"
        "  pgmi completion bash > /etc/bash_completion.d/pgmi           # bash, every shell\n"
        "  pgmi completion zsh > \"${fpath[1]}/_pgmi\"                     # zsh\n"
        "  pgmi completion fish > ~/.config/fish/completions/pgmi.fish  # fish\n"
        "  pgmi completion powershell | Out-String | Invoke-Expression  # PowerShell\n");
    cmd->add_option("shell", *args, "bash, zsh, fish or powershell")
        ->type_name("bash|zsh|fish|powershell");
    cmd->callback([args, &result, &reporter] {
        if (args->size() != 1) {
            result = reporter.usage(fmt::format("accepts 1 arg(s), received {}", args->size()));
            return;
        }
        const std::string script = completion_script(args->front());
        if (script.empty()) {
            result = reporter.usage(
                fmt::format("invalid argument \"{}\" for \"pgmi completion\"", args->front()));
            return;
        }
        std::fwrite(script.data(), 1, script.size(), stdout);
        result = 0;
    });
}

}  // namespace pgmi::cli
