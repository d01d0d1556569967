// The node's own mail (--mailbox-url; docs/mailbox.md, "The node's mail"): the mail client
// started with the node's signing key, handing messages to the direct links when they are up.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "node/mail_service.hpp"
#include "node/node.hpp"

namespace sharemsg::node {

Status Node::start_mail() {
    if (cfg_.mailbox_url.empty()) return Ok{};
    auto url = parse_mailbox_url(cfg_.mailbox_url);
    if (!url) return url.error();
    if (!keys_.key() || !keys_.announcement())
        return make_error(Errc::invalid_argument,
                          "--mailbox-url needs a signing key and its delegation "
                          "(--signing-key-file with --signing-key-delegation)");
    MailOptions o;
    o.db_path = (std::filesystem::path(cfg_.datadir) / "mail.sqlite").string();
    o.mailbox = std::move(*url);
    o.network = net_.network_id();
    auto identity = [this]() -> std::optional<MailIdentity> {
        auto key = keys_.key();
        auto ann = keys_.announcement();
        if (!key || !ann || ann->signing_pubkey != key->pubkey()) return std::nullopt;
        return MailIdentity{*key, ann->delegation()};
    };
    auto mail =
        MailService::open(std::move(o), std::move(identity),
                          direct_ ? direct_mail_sender() : nullptr, [this] { return now(); });
    if (!mail) return mail.error();
    (*mail)->start();
    mail_ = std::move(*mail);
    spdlog::info("mail: the mailbox is {}", cfg_.mailbox_url);
    return Ok{};
}

}  // namespace sharemsg::node
