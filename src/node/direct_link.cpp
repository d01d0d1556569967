#include "node/direct_link.hpp"

namespace sharemsg::node {

DirectLink::DirectLink(channel::Channel ch, SendFn send)
    : ch_(std::move(ch)), send_(std::move(send)) {
    auto hello = ch_.start();
    if (!hello.empty()) send_(std::move(hello));
}

DirectLink::Event DirectLink::feed(ByteView bytes) {
    Event e;
    if (ch_.closed()) {
        e.closed = Closed::local;
        return e;
    }
    auto out = ch_.feed(bytes);
    if (!out.to_send.empty()) send_(std::move(out.to_send));
    e.established = out.established;
    for (const auto& m : out.messages) {
        ++frames_in_;
        auto link = channel::decode_link(m);
        if (!link) {
            e.protocol_error = link.failure().problem;
            e.closed = Closed::protocol;
            ch_.close();
            return e;
        }
        switch (link->type) {
            case channel::LinkType::ping:
                send_message({channel::LinkType::pong, link->nonce, false, {}});
                break;
            case channel::LinkType::pong:
                e.pongs.push_back(link->nonce);
                break;
            case channel::LinkType::mail:
                e.mails.push_back({link->nonce, std::move(link->body)});
                break;
            case channel::LinkType::mail_ack:
                e.mail_acks.emplace_back(link->nonce, link->accepted);
                break;
        }
    }
    if (out.error) {
        e.channel_error = out.error;
        e.closed = Closed::channel;
    }
    return e;
}

bool DirectLink::ping(std::uint64_t nonce) {
    return send_message({channel::LinkType::ping, nonce, false, {}});
}

bool DirectLink::send_mail(std::uint64_t tag, Bytes body) {
    channel::LinkMessage m{channel::LinkType::mail, tag, false, std::move(body)};
    return send_message(m);
}

bool DirectLink::ack_mail(std::uint64_t tag, bool accepted) {
    return send_message({channel::LinkType::mail_ack, tag, accepted, {}});
}

void DirectLink::close() {
    ch_.close();
}

bool DirectLink::send_message(const channel::LinkMessage& m) {
    if (!ch_.established()) return false;
    auto sealed = ch_.seal(channel::encode_link(m));
    if (sealed.error) return false;
    ++frames_out_;
    send_(std::move(sealed.frame));
    return true;
}

}  // namespace sharemsg::node
