// Co-signing a digest with every secret key of a co-signing authority held in one place: the
// whole BIP327 run (NonceGen for each signer, NonceAgg, Sign, PartialSigVerify and
// PartialSigAgg) in one process. For the open profile's vectors and for tests; a real
// authority's signers each hold their own key and run a session between them.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "musig/keyagg.hpp"
#include "musig/nonce.hpp"
#include "musig/session.hpp"

namespace sharemsg::conformance {

// The BIP340 signature of `digest` under KeyAgg(KeySort(pubkeys of sks)). With a `label` the
// run is reproducible (each signer's rand' is SHA256(label || signer index)); without one the
// nonces are drawn at random. Throws std::runtime_error on any failure.
inline musig::Signature cosign_digest(std::span<const crypto::PrivKey> sks,
                                      const crypto::Hash256& digest,
                                      std::optional<std::string_view> label = std::nullopt) {
    auto fail = [](const std::string& what, const musig::Error& e) {
        return std::runtime_error("cosign: " + what + ": " + e.to_string());
    };
    std::vector<musig::PlainPubKey> pks;
    for (const auto& sk : sks)
        pks.push_back(sk.pubkey());
    const auto sorted = musig::key_sort(pks);
    auto keys = musig::KeyAggContext::create(sorted);
    if (!keys) throw fail("key aggregation", keys.error());
    const Bytes msg(digest.begin(), digest.end());
    // In KeySort order, as the session wants the pubnonces and partials.
    std::vector<const crypto::PrivKey*> by_key;
    for (const auto& pk : sorted)
        for (const auto& sk : sks)
            if (sk.pubkey() == pk) by_key.push_back(&sk);
    std::vector<musig::SecNonce> secnonces;
    std::vector<musig::PubNonce> pubnonces;
    for (std::size_t i = 0; i < by_key.size(); ++i) {
        musig::NonceGenArgs args;
        args.sk = by_key[i];
        args.pk = by_key[i]->pubkey();
        args.aggpk = keys->xonly_pubkey();
        args.msg = msg;
        musig::Result<musig::Nonces> n = [&] {
            if (!label) return musig::nonce_gen(args);
            Bytes seed(label->begin(), label->end());
            seed.push_back(static_cast<std::uint8_t>(i));
            return musig::nonce_gen_with_rand(crypto::sha256(seed), args);
        }();
        if (!n) throw fail("nonce of signer " + std::to_string(i), n.error());
        secnonces.push_back(std::move(n->secnonce));
        pubnonces.push_back(n->pubnonce);
    }
    auto agg = musig::nonce_agg(pubnonces);
    if (!agg) throw fail("nonce aggregation", agg.error());
    auto session = musig::Session::create(*agg, *keys, msg);
    if (!session) throw fail("session", session.error());
    std::vector<musig::PartialSig> psigs;
    for (std::size_t i = 0; i < by_key.size(); ++i) {
        auto p = session->sign(std::move(secnonces[i]), *by_key[i]);
        if (!p) throw fail("partial signature of signer " + std::to_string(i), p.error());
        psigs.push_back(*p);
    }
    auto sig = musig::verify_and_aggregate(*session, pubnonces, psigs);
    if (!sig) throw fail("aggregation", sig.error());
    return *sig;
}

}  // namespace sharemsg::conformance
