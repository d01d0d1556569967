// The node's MuSig2 signing sessions (--musig; docs/musig.md, "Sessions between nodes"): a
// coordinator with the node's signing key, whose frames travel by the node's mail.
#include <spdlog/spdlog.h>

#include "node/musig_service.hpp"
#include "node/node.hpp"

namespace sharemsg::node {

Status Node::start_musig() {
    if (!cfg_.musig) return Ok{};
    if (!mail_)
        return make_error(Errc::invalid_argument,
                          "--musig needs the node's mail (--mailbox-url, with a signing key and "
                          "its delegation): session frames travel by mail");
    auto key = keys_.key();
    if (!key) return make_error(Errc::invalid_argument, "--musig needs a signing key");
    MusigOptions o;
    auto& c = o.coordinator;
    c.network_id = net_.network_id();
    c.session_timeout = cfg_.musig_session_timeout;
    c.stuck_timeout = cfg_.musig_stuck_timeout;
    c.cleanup_interval = cfg_.musig_cleanup_interval;
    c.max_sessions = cfg_.musig_max_sessions;
    c.max_sequence_gap = cfg_.musig_max_sequence_gap;
    musig_ = std::make_unique<MusigService>(std::move(o), key->privkey(), *mail_,
                                            [this] { return static_cast<std::uint64_t>(now()); });
    mail_->set_frame_handler(
        MailApp::musig, [svc = musig_.get()](const crypto::CompressedPubKey& from, ByteView frame) {
            svc->take_frame(from, frame);
        });
    musig_->start();
    spdlog::info("musig: signing sessions as {}", to_hex(musig_->pubkey()));
    return Ok{};
}

}  // namespace sharemsg::node
