// The mailbox role's endpoints (/mailbox/*; docs/mailbox.md, "The mailbox server"): each hands the
// request to the node's mailbox::Service, or answers 404 not_enabled on a node started without
// --mailbox. The route table (http_routes.cpp) lists them.
#pragma once

#include <string>

#include "node/http_routes.hpp"

namespace sharemsg::node {

void mailbox_challenge(const RouteCall& c, const ReplyFn& done);
void mailbox_register(const RouteCall& c, const ReplyFn& done);
void mailbox_send(const RouteCall& c, const ReplyFn& done);
void mailbox_get(const RouteCall& c, const ReplyFn& done);
void mailbox_ack(const RouteCall& c, const ReplyFn& done);
// Answers with a refusal, or turns the connection into the receiver's event stream.
void mailbox_subscribe(const RouteCall& c, const ReplyFn& done);
void mailbox_health(const RouteCall& c, const ReplyFn& done);

// The mailbox's Prometheus text for /metrics (empty without --mailbox).
std::string mailbox_metrics_text(Node& node);

}  // namespace sharemsg::node
