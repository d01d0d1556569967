#include "musig_args.hpp"

#include <algorithm>
#include <numeric>

#include "musig/codec.hpp"

namespace sharemsg::cli {

namespace {

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string digits(std::size_t bytes) {
    return std::to_string(2 * bytes) + " hex digits (" + std::to_string(bytes) + " bytes)";
}

// Hex of any length, or a failure naming `what`.
Bytes parse_hex(std::string_view cmd, const std::string& what, std::string_view text,
                const std::string& expected) {
    const std::string_view t = trim(text);
    if (t.empty()) fail(cmd, what + ": empty; expected " + expected, kExitUsage);
    auto b = from_hex(t);
    if (!b)
        fail(cmd, what + ": not hex (" + b.error().reason + "); expected " + expected, kExitUsage);
    return std::move(*b);
}

[[noreturn]] void wrong_size(std::string_view cmd, const std::string& what, std::size_t got,
                             const std::string& expected) {
    fail(cmd, what + ": " + std::to_string(2 * got) + " hex digits, expected " + expected,
         kExitUsage);
}

}  // namespace

Bytes parse_hex_exact(std::string_view cmd, const std::string& what, std::string_view text,
                      std::size_t size) {
    Bytes b = parse_hex(cmd, what, text, digits(size));
    if (b.size() != size) wrong_size(cmd, what, b.size(), digits(size));
    return b;
}

Bytes parse_hex_choice(std::string_view cmd, const std::string& what, std::string_view text,
                       std::size_t size_a, std::size_t size_b) {
    const std::string expected = digits(size_a) + " or " + digits(size_b);
    Bytes b = parse_hex(cmd, what, text, expected);
    if (b.size() != size_a && b.size() != size_b) wrong_size(cmd, what, b.size(), expected);
    return b;
}

Bytes parse_message(std::string_view cmd, std::string_view text) {
    return parse_hex_exact(cmd, "--message", text, 32);
}

musig::PubNonce parse_pubnonce(std::string_view cmd, const std::string& what,
                               std::string_view text) {
    const Bytes b = parse_hex_exact(cmd, what, text, sizeof(musig::PubNonce));
    auto n = musig::decode_pubnonce(b);
    if (!n) fail(cmd, what + ": not a pubnonce (two compressed points on secp256k1)", kExitUsage);
    return *n;
}

crypto::Hash256 to_hash(const Bytes& msg32) {
    crypto::Hash256 h{};
    std::copy_n(msg32.begin(), h.size(), h.begin());
    return h;
}

SignerList SignerList::load(std::string_view cmd, const std::string& what,
                            const std::vector<std::string>& texts, bool sort, bool distinct) {
    const std::size_t n = texts.size();
    auto key_name = [&](std::size_t i) {
        return what + ": key " + std::to_string(i + 1) + " of " + std::to_string(n) + " ('" +
               std::string(trim(texts[i])) + "')";
    };
    std::vector<musig::PlainPubKey> given(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Bytes b = parse_hex(cmd, key_name(i), texts[i], digits(33));
        if (b.size() == 32)
            fail(cmd,
                 key_name(i) +
                     ": 32 bytes, an x-only key; MuSig2 needs each signer's compressed pubkey, " +
                     digits(33),
                 kExitUsage);
        if (b.size() != 33) wrong_size(cmd, key_name(i), b.size(), digits(33));
        auto k = musig::decode_plain_pubkey(b);
        if (!k)
            fail(cmd,
                 key_name(i) +
                     ": not a valid compressed pubkey (02 or 03, then the x coordinate of a "
                     "point on secp256k1)",
                 kExitUsage);
        given[i] = *k;
    }
    if (distinct)
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (given[i] == given[j])
                    fail(cmd,
                         key_name(i) + ": repeats key " + std::to_string(j + 1) +
                             "; each signer signs with a key of its own",
                         kExitUsage);

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    // KeySort's order; stable, so equal keys keep the order given.
    if (sort)
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return given[a] < given[b]; });
    std::vector<musig::PlainPubKey> keyagg_keys;
    keyagg_keys.reserve(n);
    for (std::size_t g : order)
        keyagg_keys.push_back(given[g]);
    auto ctx = musig::KeyAggContext::create(keyagg_keys);
    if (!ctx) {
        const musig::Error& e = ctx.error();
        if (e.code == musig::ErrorCode::aggregate_key_infinite)
            fail(cmd, what + ": these keys add up to the point at infinity: no aggregate key",
                 kExitUsage);
        if (e.signer && *e.signer < n)
            fail(cmd, key_name(order[*e.signer]) + ": " + e.to_string(), kExitUsage);
        fail(cmd, what + ": " + e.to_string(), kExitUsage);
    }
    return SignerList(std::move(given), std::move(order), std::move(*ctx));
}

std::vector<std::string> SignerList::keyagg_order_hex() const {
    std::vector<std::string> out;
    out.reserve(order_.size());
    for (std::size_t g : order_)
        out.push_back(to_hex(given_[g]));
    return out;
}

std::string SignerList::describe(std::size_t given_index) const {
    return "signer " + std::to_string(given_index + 1) + " of " + std::to_string(given_.size()) +
           " (" + to_hex(given_[given_index]) + ")";
}

std::string SignerList::explain(const musig::Error& e) const {
    if (e.code == musig::ErrorCode::invalid_contribution && e.signer && *e.signer < order_.size())
        return std::string("invalid ") + musig::contribution_name(e.contribution) + " of " +
               describe(given_index(*e.signer));
    return e.to_string();
}

void add_signers_options(CLI::App* cmd, std::vector<std::string>& signers, bool& no_sort) {
    cmd->add_option("--signers", signers,
                    "The signers' pubkeys (66 hex digits each), separated by commas; every "
                    "signer gives the same keys (in any order, unless --no-sort)")
        ->delimiter(',')
        ->required();
    cmd->add_flag("--no-sort", no_sort,
                  "Aggregate the keys in the order given instead of sorting them (KeySort); "
                  "every signer must then give them in the same order");
}

}  // namespace sharemsg::cli
