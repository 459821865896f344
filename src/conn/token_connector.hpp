// The token connector (connections §7.5): Azure Entra ID and AWS RDS IAM. Every connection
// attempt, retries included, asks the TokenProvider for a fresh token and uses it as the password
// (the user name is unchanged); the retry loop, compatibility query and messages are the standard
// connector's (connect_with_retries). The token goes to ConnectorOptions::secret before libpq sees
// it, and only into libpq's parameters otherwise: never into a message or a process argument.
// An sslmode weaker than require is raised to require (the resolver already said so).
// A token failure ends the attempts: `failed to acquire <P> token: <why>`, listing the credential
// sources tried; Connection (11), or Config (10) when the configuration is wrong.
#pragma once

#include <memory>

#include "cloud/token.hpp"
#include "conn/connector.hpp"

namespace pgmi::conn {

/// The provider for `config.auth` (AzureEntraId or AwsIam) from `config.cloud`, host, port and
/// user; Config errors (exit 10) when a precondition fails offline (AWS: endpoint, region, user;
/// several hosts).
Result<std::unique_ptr<cloud::TokenProvider>> make_token_provider(const ConnectionConfig& config);

/// A connector that uses `provider`'s tokens as passwords.
std::unique_ptr<Connector> make_token_connector(ConnectionConfig config,
                                                std::unique_ptr<cloud::TokenProvider> provider,
                                                ConnectorOptions options);

}  // namespace pgmi::conn
