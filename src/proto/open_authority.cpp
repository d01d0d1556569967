#include "proto/open_authority.hpp"

#include <algorithm>

#include "musig/keyagg.hpp"

namespace sharemsg::proto::open {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

}  // namespace

Result<CosignAuthority> CosignAuthority::make(std::string name,
                                              std::span<const crypto::CompressedPubKey> signers) {
    if (name.empty() || name.size() > MAX_AUTHORITY_NAME ||
        !std::all_of(name.begin(), name.end(), name_char))
        return make_error(Errc::invalid_argument, "co-signing authority name '" +
                                                      name.substr(0, 80) + "': 1.." +
                                                      std::to_string(MAX_AUTHORITY_NAME) +
                                                      " letters, digits, '-', '_' or '.'");
    const std::string who = "co-signing authority " + name + ": ";
    if (signers.size() < MIN_COSIGNERS || signers.size() > MAX_COSIGNERS)
        return make_error(Errc::invalid_argument,
                          who + std::to_string(signers.size()) + " signer key(s), need " +
                              std::to_string(MIN_COSIGNERS) + ".." + std::to_string(MAX_COSIGNERS));
    std::vector<musig::PlainPubKey> sorted(signers.begin(), signers.end());
    sorted = musig::key_sort(sorted);
    if (auto d = std::adjacent_find(sorted.begin(), sorted.end()); d != sorted.end())
        return make_error(Errc::invalid_argument,
                          who + "signer key " + to_hex(*d) + " given twice");
    for (const auto& k : sorted)
        if ((k[0] != 0x02 && k[0] != 0x03) || !crypto::parse_pubkey(k).ok())
            return make_error(Errc::bad_key,
                              who + "signer key " + to_hex(k) + " is not a compressed point");
    auto agg = musig::KeyAggContext::create(sorted);
    if (!agg) return make_error(Errc::bad_key, who + musig::to_project_error(agg.error()).reason);
    CosignAuthority a;
    a.name_ = std::move(name);
    a.signers_ = std::move(sorted);
    a.key_ = agg->xonly_pubkey();
    return a;
}

Result<CosignAuthority> CosignAuthority::parse(std::string_view spec) {
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos)
        return make_error(Errc::invalid_argument,
                          "co-signing authority '" + std::string(spec.substr(0, 80)) +
                              "': expected NAME=PUB1,PUB2,... (compressed keys, 66 hex digits)");
    std::string name(spec.substr(0, eq));
    std::vector<crypto::CompressedPubKey> keys;
    std::string_view rest = spec.substr(eq + 1);
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        auto k = from_hex_fixed<33>(item);
        if (!k)
            return make_error(Errc::bad_encoding,
                              "co-signing authority " + name + ": signer key '" +
                                  std::string(item.substr(0, 80)) +
                                  "' is not 66 hex digits (a compressed public key)");
        keys.push_back(*k);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return make(std::move(name), keys);
}

const CosignAuthority* find_cosign_authority(std::span<const CosignAuthority> authorities,
                                             const XonlyKey& key) {
    for (const auto& a : authorities)
        if (a.key() == key) return &a;
    return nullptr;
}

Bytes alert_context(const OpenMessage& m) {
    ByteWriter w;
    w.bytes(as_bytes(ALERT_CONTEXT_TAG));
    w.u8(m.msg_type);
    w.u8(m.flags);
    w.u32le(m.timestamp);
    w.bytes(m.payload);
    return std::move(w).take();
}

Result<OpenMessage> alert_of_session(ByteView context, const XonlyKey& aggregate_key,
                                     ByteView session_message, const NetworkId& network_id) {
    auto refuse = [](const std::string& what) {
        return make_error(Errc::bad_encoding, "not an authority message's session: " + what);
    };
    ByteReader r(context);
    auto tag = r.bytes(ALERT_CONTEXT_TAG.size(), "tag");
    if (!tag || !std::equal(tag->begin(), tag->end(), ALERT_CONTEXT_TAG.begin()))
        return refuse("the context does not begin with \"" + std::string(ALERT_CONTEXT_TAG) + "\"");
    auto type = r.u8("msg_type");
    auto flags = r.u8("flags");
    auto timestamp = r.u32le("timestamp");
    if (!type || !flags || !timestamp || r.empty())
        return refuse("the context is too short for a message");
    auto m = make_authority_message(*type, r.rest(), *timestamp, aggregate_key, *flags);
    if (!m) return refuse(m.error().reason);
    if (m->flags != *flags)
        return refuse("flags " + to_hex(ByteView(&*flags, 1)) +
                      " are not an authority message's (0x08 and 0x01 set, 0x10 to 0x80 clear)");
    const auto digest = authority_sighash(network_id, *m);
    if (session_message.size() != digest.size() ||
        !std::equal(digest.begin(), digest.end(), session_message.begin()))
        return refuse("the session's message is not the authority sighash of its context");
    return m;
}

}  // namespace sharemsg::proto::open
