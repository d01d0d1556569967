// Protocol authority keys: the signers of the deployed network's donation script.
//
// The v1 envelope and authority messages are checked against an AuthoritySet, a parameter
// (not a global) so that tests and conformance vectors can use their own test authorities.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/secp256k1.hpp"

namespace sharemsg::proto {

// An authority key and its name. The key is parsed into a curve point once, here, and every
// authority signature check uses that point (parsing is an eighth of a verification).
// `pubkey` and `point()` must agree: set the key through the constructor only.
struct Authority {
    Authority(const crypto::CompressedPubKey& key, std::string key_name);

    crypto::CompressedPubKey pubkey;
    std::string name;

    // Null when `pubkey` is not a curve point (no signature verifies under it).
    const crypto::ParsedPubKey* point() const { return point_ ? &*point_ : nullptr; }

  private:
    std::optional<crypto::ParsedPubKey> point_;
};

using AuthoritySet = std::vector<Authority>;

// forrestv (03ffd03d...) and the maintainer key (02fe6578...), as in the reference.
const AuthoritySet& mainnet_authorities();

// The two test authorities of the reference's golden vectors (vectors/share_messages_public
// .json, meta.test_authority): "test_authority_A" in forrestv's slot and "test_authority_B"
// in the maintainer's. Their private keys are public, so this set must never be trusted on
// a real network; it exists for tests, the conformance runner and `--authorities test`.
const AuthoritySet& test_authorities();

const Authority* find_authority(const AuthoritySet& set, ByteView pubkey);

}  // namespace sharemsg::proto
