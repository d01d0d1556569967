// The /net endpoints' handlers (net_routes.cpp); the route table (http_routes.cpp) names them.
#pragma once

#include "node/http_routes.hpp"

namespace sharemsg::node {

// GET /net/self: this node's public address and NAT type, as --stun found them.
void get_net_self(const RouteCall& c, const ReplyFn& done);
// GET /net/relays: the relays this node uses (--relay-url) and their state.
void get_net_relays(const RouteCall& c, const ReplyFn& done);
// GET /net/peers: the identities this node knows (through its relays, gossip, or because they
// called it), each with the path of its direct link ("none" without one) and the link itself;
// and the relays.
void get_net_peers(const RouteCall& c, const ReplyFn& done);
// GET /net/peers/<signing id or pubkey> and GET /net/peers/miner/<master hash>: what is known
// of one identity: an identity gossip learnt is answered from its table; otherwise (and for a
// miner) the relays' answer, asked of them when the node holds nothing fresh.
void get_net_peer(const RouteCall& c, const ReplyFn& done);
// POST /net/ping/<signing id or pubkey> (token): connects to that identity directly when no
// link is up (ICE through the relays' signaling), then pings it over the channel.
void post_net_ping(const RouteCall& c, const ReplyFn& done);

}  // namespace sharemsg::node
