// Subcommands of the `sharemsg` tool. Each file cmd_*.cpp defines one add_*_command, which
// registers the subcommand, its options and --help text, and its callback. A callback
// reports failure by throwing CLI::RuntimeError(exit_code) after printing a clear message
// to stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace sharemsg::cli {

void add_conformance_command(CLI::App& app);
void add_derive_key_command(CLI::App& app);
void add_decode_command(CLI::App& app);
void add_transition_command(CLI::App& app);
void add_open_vectors_command(CLI::App& app);
// send, recent, ban, unban, bans, keys, identity, outbox, rotate-key (cmd_api.cpp).
void add_api_commands(CLI::App& app);
// mail send, inbox, read, outbox, status (cmd_mail.cpp).
void add_mail_commands(CLI::App& app);
// musig keyagg, sign, aggregate, verify: offline MuSig2 co-signing (cmd_musig.cpp).
void add_musig_command(CLI::App& app);
// stun (hidden): mapped address and NAT type (cmd_stun.cpp).
void add_stun_command(CLI::App& app);

}  // namespace sharemsg::cli
