#include "node/api_json.hpp"

#include <optional>

#include "proto/open_private.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

namespace {

std::string dump(const nlohmann::ordered_json& j) {
    // Text that is not UTF-8 (a request path echoed in an error, say) is replaced, never
    // allowed to make the answer fail.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

HttpReply json_reply(unsigned status, const nlohmann::ordered_json& j) {
    return {status, "application/json", dump(j)};
}

HttpReply error_reply(unsigned status, std::string_view error, std::string_view detail) {
    return json_reply(status, {{"error", error}, {"detail", detail}});
}

nlohmann::ordered_json message_json(const proto::ShareMessage& msg, double now, PrivateText text,
                                    std::span<const proto::open::CosignAuthority> authorities) {
    // A private message without the token: the message as any other node holds it.
    std::optional<proto::ShareMessage> redacted;
    if (msg.recipient && text == PrivateText::hidden) {
        redacted = msg;
        const auto& p = proto::open::ENCRYPTED_PLACEHOLDER;
        redacted->payload.assign(p.begin(), p.end());
    }
    const proto::ShareMessage& m = redacted ? *redacted : msg;
    using J = nlohmann::ordered_json;
    J j;
    j["msg_type"] = m.msg_type;
    j["type_name"] = proto::type_name(m.msg_type);
    j["flags"] = m.flags;
    j["timestamp"] = m.timestamp;
    // JSON payloads stay JSON text.
    j["payload"] = utf8_lossy(m.payload);
    j["signing_id"] = m.signing_id ? J(to_hex(*m.signing_id)) : J();
    j["has_signature"] = m.has_signature();
    j["verified"] = m.verified;
    j["protocol_authority"] = m.is_protocol_authority();
    j["sender_address"] = m.sender_address ? J(*m.sender_address) : J();
    j["share_hash"] = m.share_hash ? J(to_hex(*m.share_hash)) : J();
    j["age"] = now - static_cast<double>(m.timestamp);
    j["private"] = m.recipient.has_value();
    j["to"] = m.recipient ? J(to_hex(*m.recipient)) : J();
    j["message_hash"] = to_hex(m.hash());
    j["co_signed"] = m.authority_key.has_value();
    if (m.authority_key) {
        const auto* a = proto::open::find_cosign_authority(authorities, *m.authority_key);
        j["authority"] = a ? J(a->name()) : J();
        j["authority_key"] = to_hex(*m.authority_key);
        J signers = J::array();
        if (a)
            for (const auto& k : a->signers())
                signers.push_back(to_hex(k));
        j["signers"] = std::move(signers);
    }
    return j;
}

std::string sse_event(std::string_view name, const nlohmann::ordered_json& data) {
    std::string ev = "event: ";
    ev.append(name);
    ev += "\ndata: ";
    ev += dump(data);
    ev += "\n\n";
    return ev;
}

}  // namespace sharemsg::node
