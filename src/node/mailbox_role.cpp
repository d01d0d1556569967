#include "node/mailbox_role.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace sharemsg::node {

Result<std::unique_ptr<MailboxRole>> MailboxRole::start(const Config& cfg, const Network& net,
                                                        mailbox::Service::Clock clock,
                                                        mailbox::Service::Listener listener) {
    if (!cfg.mailbox) return std::unique_ptr<MailboxRole>();
    mailbox::ServiceOptions o;
    o.network = net.network_id();
    o.quota.messages = cfg.mailbox_quota_messages;
    o.quota.bytes = cfg.mailbox_quota_bytes;
    o.message_ttl = static_cast<std::uint64_t>(cfg.mailbox_ttl);
    o.registration_ttl = static_cast<std::uint64_t>(cfg.mailbox_registration_ttl);
    o.rate_per_minute = cfg.mailbox_rate_limit;
    o.sweep_interval = cfg.mailbox_sweep_interval;
    const std::string path = (std::filesystem::path(cfg.datadir) / "mailbox.sqlite").string();
    auto store = mailbox::open_mailbox_store(cfg.mailbox_db, path);
    if (!store) return make_error(store.error().code, "mailbox: " + store.error().reason);
    auto role = std::unique_ptr<MailboxRole>(new MailboxRole);
    role->service_ = std::make_unique<mailbox::Service>(o, std::move(*store), std::move(clock));
    role->service_->set_listener(std::move(listener));
    role->service_->start();
    spdlog::info(
        "mailbox: serving network {} from {} (quota {} messages / {} bytes, ttl {} s, {} "
        "requests a minute)",
        to_hex(o.network), role->service_->backend(), o.quota.messages, o.quota.bytes,
        o.message_ttl, o.rate_per_minute);
    return role;
}

MailboxRole::~MailboxRole() {
    if (service_) service_->stop();
}

}  // namespace sharemsg::node
