// The node's mailbox server (--mailbox; docs/mailbox.md, "The mailbox server"): opens the mailbox's
// store, runs its service, and is handed the payouts of the best chain's window (who may register).
// Node holds one when --mailbox is given; the HTTP routes reach its service through
// Node::mailbox().
#pragma once

#include <memory>
#include <set>

#include "mailbox/service.hpp"
#include "node/config.hpp"
#include "node/network.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class MailboxRole {
  public:
    // nullptr without --mailbox. `listener` hears of each message stored (from the worker).
    static Result<std::unique_ptr<MailboxRole>> start(const Config& cfg, const Network& net,
                                                      mailbox::Service::Clock clock,
                                                      mailbox::Service::Listener listener);
    ~MailboxRole();

    mailbox::Service* service() { return service_.get(); }
    // Chain thread: the payout pubkey hashes of the best chain's window.
    void set_window(const std::set<relay::MasterHash>& payouts) {
        service_->window().replace(payouts);
    }

  private:
    MailboxRole() = default;
    std::unique_ptr<mailbox::Service> service_;
};

}  // namespace sharemsg::node
