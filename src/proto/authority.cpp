#include "proto/authority.hpp"

#include <algorithm>
#include <utility>

namespace sharemsg::proto {

Authority::Authority(const crypto::CompressedPubKey& key, std::string key_name)
    : pubkey(key), name(std::move(key_name)) {
    if (auto parsed = crypto::ParsedPubKey::parse(pubkey)) point_ = *parsed;
}

const AuthoritySet& mainnet_authorities() {
    static const AuthoritySet set = [] {
        AuthoritySet s;
        s.push_back({*from_hex_fixed<33>(
                         "03ffd03de44a6e11b9917f3a29f9443283d9871c9d743ef30d5eddcd37094b64d1"),
                     "forrestv"});
        s.push_back({*from_hex_fixed<33>(
                         "02fe6578f8021a7d466787827b3f26437aef88279ef380af326f87ec362633293a"),
                     "maintainer"});
        return s;
    }();
    return set;
}

const AuthoritySet& test_authorities() {
    static const AuthoritySet set = [] {
        AuthoritySet s;
        s.push_back({*from_hex_fixed<33>(
                         "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee"),
                     "test_authority_A"});
        s.push_back({*from_hex_fixed<33>(
                         "0378a85bc895123116a144b15184fe3d0424947f3e917f003462407cf661ca1a9a"),
                     "test_authority_B"});
        return s;
    }();
    return set;
}

const Authority* find_authority(const AuthoritySet& set, ByteView pubkey) {
    for (const auto& a : set)
        if (std::equal(a.pubkey.begin(), a.pubkey.end(), pubkey.begin(), pubkey.end())) return &a;
    return nullptr;
}

}  // namespace sharemsg::proto
