// What the `sharemsg musig` subcommands share: reading their hex arguments (keys, message,
// nonces, signatures) with errors that name the argument and the signer, and the signer list
// with its two orders (as given, and KeyAgg's).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_io.hpp"
#include "crypto/hash.hpp"
#include "musig/keyagg.hpp"
#include "musig/types.hpp"

namespace sharemsg::cli {

// Exit statuses of the musig commands (besides 0).
inline constexpr int kExitInvalid = 1;  // a signature or a partial signature does not verify
inline constexpr int kExitUsage = 2;    // unusable input; the message names the argument

// --help text of --message.
inline constexpr const char* kMessageHelp =
    "The 32-byte message to sign, 64 hex digits (a digest, e.g. a sighash: BIP340 signatures "
    "here are over 32 bytes)";

// `text` (surrounding whitespace ignored) as hex of exactly `size` bytes; otherwise fails
// naming `what`.
Bytes parse_hex_exact(std::string_view cmd, const std::string& what, std::string_view text,
                      std::size_t size);
// The same for either of two sizes.
Bytes parse_hex_choice(std::string_view cmd, const std::string& what, std::string_view text,
                       std::size_t size_a, std::size_t size_b);
// --message: 32 bytes.
Bytes parse_message(std::string_view cmd, std::string_view text);
// A 66-byte pubnonce (two valid compressed points).
musig::PubNonce parse_pubnonce(std::string_view cmd, const std::string& what,
                               std::string_view text);
// A 32-byte message as the digest type crypto's BIP340 functions take.
crypto::Hash256 to_hash(const Bytes& msg32);

// The signers' keys in the order given and in KeyAgg order (sorted, or as given with
// --no-sort), with their aggregation. Nonces and partial signatures on the command line and
// standard input follow the order given; the BIP327 functions take KeyAgg order.
class SignerList {
  public:
    // Reads the keys (66 hex digits each). `what` names the argument in errors ("PUB",
    // "--signers"). With `distinct`, a key given twice is refused: each signer of a signing
    // round has its own key.
    static SignerList load(std::string_view cmd, const std::string& what,
                           const std::vector<std::string>& texts, bool sort, bool distinct);

    std::size_t size() const { return given_.size(); }
    const std::vector<musig::PlainPubKey>& given() const { return given_; }
    const musig::KeyAggContext& keyagg() const { return keyagg_; }
    // The index, in the order given, of the key at `keyagg_index` in KeyAgg order.
    std::size_t given_index(std::size_t keyagg_index) const { return order_[keyagg_index]; }
    // The KeyAgg-order keys as hex.
    std::vector<std::string> keyagg_order_hex() const;
    // "signer 2 of 3 (02...)", counting from 1 in the order given.
    std::string describe(std::size_t given_index) const;

    // A list in the order given, put into KeyAgg order.
    template <class T>
    std::vector<T> to_keyagg_order(const std::vector<T>& by_given) const {
        std::vector<T> out;
        out.reserve(order_.size());
        for (std::size_t g : order_)
            out.push_back(by_given[g]);
        return out;
    }

    // A BIP327 error (whose signer indexes are in KeyAgg order) for people, naming the
    // signer in the order given.
    std::string explain(const musig::Error& e) const;

  private:
    SignerList(std::vector<musig::PlainPubKey> given, std::vector<std::size_t> order,
               musig::KeyAggContext keyagg)
        : given_(std::move(given)), order_(std::move(order)), keyagg_(std::move(keyagg)) {}
    std::vector<musig::PlainPubKey> given_;
    std::vector<std::size_t> order_;  // order_[k]: the given index of KeyAgg's k-th key
    musig::KeyAggContext keyagg_;
};

// Adds --signers (comma-separated keys) and --no-sort to a subcommand.
void add_signers_options(CLI::App* cmd, std::vector<std::string>& signers, bool& no_sort);

// `sharemsg musig sign` (cmd_musig_sign.cpp).
void add_musig_sign_command(CLI::App& musig);

}  // namespace sharemsg::cli
