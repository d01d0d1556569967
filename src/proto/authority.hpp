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

struct Authority {
    crypto::CompressedPubKey pubkey;
    std::string name;
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
