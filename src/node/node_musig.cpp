// The node's MuSig2 signing sessions (--musig; docs/musig.md, "Sessions between nodes"): a
// coordinator with the node's signing key, whose frames travel by the node's mail.
#include <spdlog/spdlog.h>

#include "node/api_parse.hpp"
#include "node/musig_service.hpp"
#include "node/node.hpp"
#include "proto/constants.hpp"
#include "proto/open_authority.hpp"

namespace sharemsg::node {

namespace {

// The creator of a session that signed an authority message (docs/musig.md, "Co-signing an
// alert") queues the message with its signature, as POST /msg/authority would; the result is
// logged and kept in `book` for the session's view. Other sessions, and the other signers, do
// nothing here.
void publish_if_alert(Node& node, const std::shared_ptr<MusigPublications>& book,
                      const musig::SessionView& v) {
    if (!v.signature || v.own_index != v.creator_index) return;
    auto m = proto::open::alert_of_session(v.context, v.aggregate_key, v.message,
                                           node.network().network_id());
    if (!m) return;
    AuthorityRequest req;
    req.msg_type = m->msg_type;
    req.flags = m->flags;
    req.timestamp = m->timestamp;
    req.text.assign(m->payload.begin(), m->payload.end());
    req.authority_key = v.aggregate_key;
    req.signature = *v.signature;
    const auto what = proto::type_name(m->msg_type);
    node.send_authority(std::move(req), [book, id = v.id, what](ApiAnswer a) {
        MusigPublication p;
        p.queued = a.status == 200;
        if (p.queued) {
            p.message_hash = a.body.value("message_hash", "");
            spdlog::info("musig: session {} signed a co-signed {}; queued as message {}",
                         to_hex(id), what, p.message_hash);
        } else {
            p.error = a.body.value("error", "");
            p.detail = a.body.value("detail", "");
            spdlog::warn(
                "musig: session {} signed a co-signed {}, but this node could not queue "
                "it: {} ({})",
                to_hex(id), what, p.error, p.detail);
        }
        book->set(id, std::move(p));
    });
}

}  // namespace

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
    musig_->set_end_hook([this, book = musig_->publications()](const musig::SessionView& v) {
        publish_if_alert(*this, book, v);
    });
    musig_->start();
    spdlog::info("musig: signing sessions as {}", to_hex(musig_->pubkey()));
    return Ok{};
}

}  // namespace sharemsg::node
