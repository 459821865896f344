// The connection wizard (commands §9): the one place pgmi asks a person where to connect. Used by
// `pgmi config`, by `pgmi init` when the user wants a connection, and by `pgmi deploy` at a
// terminal that gave no connection source at all (connections §2.4).
//
// Steps: provider (Local, Azure, AWS RDS, Google Cloud SQL, a connection string), how to
// authenticate (a cloud identity or a password), the provider's fields, then a connection test
// against the maintenance database (cloud identities are reported as configured, not tested; a
// failed test offers to change the settings or keep them). Esc goes back a step, Ctrl+C cancels.
//
// Secrets (a password, a connection string's password) are never drawn, never written to
// pgmi.yaml and never put in process arguments: they live in ConnectionAnswers, in the libpq
// parameters of the test, and in the password file only when the user accepts the offer.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/connection_yaml.hpp"
#include "conn/pgpass.hpp"
#include "conn/resolver.hpp"
#include "ui/terminal.hpp"
#include "ui/wizard.hpp"
#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::cli {

enum class Provider { Local, Azure, Aws, Google, Other };

/// What the user answered.
struct ConnectionAnswers {
    Provider provider = Provider::Local;
    bool cloud_identity = false;  // Entra ID / IAM instead of a password
    std::string host;             // Azure: the server
    int port = 5432;
    std::string database;
    std::string maintenance_database;  // password forms only
    std::string username;
    std::string aws_region;
    std::string google_instance;
    std::string password;           // secret; "" = none typed
    std::string connection_string;  // Other; may hold a password (secret)
};

/// The pgmi.yaml settings for `a` (never a secret), with the connection-string parts pgmi.yaml
/// has no key for in `unsaved` (names only). Config error when a connection string does not
/// parse or names several hosts.
Result<config::ConnectionSettings> settings_for(const ConnectionAnswers& a,
                                                std::vector<std::string>* unsaved = nullptr);

/// The deploy flags the answers stand for (`--host`, `-d`, `--azure`, `--connection`, ...): a
/// deploy with them connects where the wizard's settings say. No password among them.
conn::ConnectionFlags flags_for(const ConnectionAnswers& a);

/// `text` with every password inside a connection string (`scheme://user:pw@`, `password=`,
/// `pwd=`) drawn as '*', one per character, so a line editor's cursor stays in place.
std::string mask_connection_password(const std::string& text);

/// What the wizard produced.
struct ConnectionSetup {
    ConnectionAnswers answers;
    config::ConnectionSettings settings;
    std::vector<std::string> unsaved;  // connection-string keys pgmi.yaml cannot hold
    /// Where a password would be saved (set when the answers carry a password).
    std::optional<conn::PgpassKey> pgpass_key;
    std::string password;  // secret: typed, or inside the connection string
};

struct WizardOptions {
    /// The settings go to pgmi.yaml: a connection string must fit it (one host).
    bool saving = true;
    /// The granular flags the command line already gave ("-p, -U"), for `deploy`: a connection
    /// string cannot be combined with them, so choosing "Other" says so and asks again.
    std::string granular_flags;
};

/// Runs the wizard: Next with the setup, Back (Esc at the first step) or Cancel (Ctrl+C).
ui::Answer<ConnectionSetup> run_connection_wizard(ui::Wizard& w, const ui::Terminal& term,
                                                  const EnvLookup& env,
                                                  const WizardOptions& options = {});

/// Writes `settings` into `<dir>/pgmi.yaml`: an existing file keeps every line outside its
/// `connection:` block byte for byte and its mode (unless `mode` is given); a new file gets mode
/// 0600. Config error when the existing file cannot be read or parsed (it is then left alone).
Status save_connection(const std::filesystem::path& dir, const config::ConnectionSettings& settings,
                       std::optional<mode_t> mode = std::nullopt);

/// The `.pgpass` offer when the setup carries a password: asks, saves (password_file_path), says
/// where; a failure is a warning. Otherwise (or when declined) a tip about where passwords go.
void offer_pgpass(ui::Wizard& w, const ConnectionSetup& setup, const EnvLookup& env);

}  // namespace pgmi::cli
