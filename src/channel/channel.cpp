#include "channel/channel.hpp"

#include <algorithm>

namespace sharemsg::channel {

std::string_view channel_error_name(const ChannelError& e) noexcept {
    if (const auto* h = std::get_if<HandshakeError>(&e)) return handshake_error_name(*h);
    return frame_error_name(std::get<FrameError>(e));
}

Channel Channel::initiator(LocalIdentity local, const proto::SigningId& wanted) {
    return Channel(Handshake::initiator(std::move(local), wanted));
}

Channel Channel::responder(LocalIdentity local) {
    return Channel(Handshake::responder(std::move(local)));
}

Bytes Channel::start() {
    if (closed_ || handshake_.role() != Handshake::Role::initiator) return {};
    return handshake_.hello();
}

void Channel::close() {
    closed_ = true;
    sealer_.reset();
    decoder_.reset();
    hs_buf_.clear();
    handshake_.drop_keys();
}

Channel::Output Channel::fail(Output out, ChannelError e) {
    close();
    out.error = e;
    return out;
}

Channel::Output Channel::feed(ByteView bytes) {
    Output out;
    if (closed_) {
        out.error = handshake_.done() ? ChannelError{FrameError::closed}
                                      : ChannelError{HandshakeError::failed};
        return out;
    }
    std::size_t pos = 0;
    while (!handshake_.done()) {
        const std::size_t need = handshake_.expected_size();
        if (need == 0) {
            // An initiator that has not sent its hello expects nothing yet.
            if (pos == bytes.size()) return out;
            return fail(std::move(out), HandshakeError::unexpected_message);
        }
        const std::size_t take = std::min(need - hs_buf_.size(), bytes.size() - pos);
        hs_buf_.insert(hs_buf_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                       bytes.begin() + static_cast<std::ptrdiff_t>(pos + take));
        pos += take;
        if (hs_buf_.size() < need) return out;
        auto step = handshake_.on_message(hs_buf_);
        hs_buf_.clear();
        if (step.error) return fail(std::move(out), *step.error);
        append(out.to_send, step.reply);
    }
    if (!sealer_) {
        const auto& keys = *handshake_.keys();
        sealer_.emplace(keys.send);
        decoder_.emplace(keys.receive);
        out.established = true;
    }
    if (pos == bytes.size()) return out;
    auto frames = decoder_->feed(bytes.subspan(pos));
    out.messages = std::move(frames.messages);
    if (frames.error) return fail(std::move(out), *frames.error);
    return out;
}

FrameSealer::Sealed Channel::seal(ByteView plaintext) {
    if (closed_ || !sealer_) return {{}, FrameError::closed};
    auto sealed = sealer_->seal(plaintext);
    if (sealed.error == FrameError::counter_exhausted) close();
    return sealed;
}

}  // namespace sharemsg::channel
