// The /net endpoints (docs/api.md, "Network"): what this node knows of its own address, of the
// relays, of other identities and of its direct links to them.
#include "node/net_routes.hpp"

#include <set>

#include "crypto/hash.hpp"
#include "node/direct_links.hpp"
#include "node/gossip_service.hpp"
#include "node/node.hpp"
#include "node/peer_directory.hpp"
#include "node/relay_lookup.hpp"
#include "node/relay_role.hpp"
#include "util/bytes.hpp"

namespace sharemsg::node {

namespace {

using J = nlohmann::ordered_json;

// A signing id (40 hex) or a signing pubkey (66 hex) -> the signing id.
std::optional<crypto::Hash160> parse_signing_id(const std::string& text) {
    if (text.size() == 40) {
        if (auto parsed = from_hex_fixed<20>(text)) return *parsed;
    } else if (text.size() == 66) {
        if (auto k = from_hex_fixed<33>(text); k && crypto::parse_pubkey(*k))
            return crypto::hash160(*k);
    }
    return std::nullopt;
}

// The path of the identity's link, and the link itself, added to an identity's object.
void add_link(J& identity, const std::map<std::string, J>& links) {
    auto it = links.find(identity["signing_id"].get<std::string>());
    identity["path"] = it == links.end() ? "none" : it->second["path"].get<std::string>();
    identity["link"] = it == links.end() ? J() : it->second;
}

int ping_status(DirectError e) {
    switch (e) {
        case DirectError::self:
            return 400;
        case DirectError::no_identity:
            return 409;
        case DirectError::failed:
            return 502;
        case DirectError::lost:
        case DirectError::timeout:
            return 504;
        case DirectError::busy:
        case DirectError::breaker_open:
        case DirectError::stopped:
            return 503;
    }
    return 500;
}

}  // namespace

void get_net_self(const RouteCall& c, const ReplyFn& done) {
    done(json_reply(200, c.node.self_json()));
}

void get_net_relays(const RouteCall& c, const ReplyFn& done) {
    J j;
    const auto* role = c.node.relay_role();
    j["relays"] = role ? role->relays_state() : J::array();
    done(json_reply(200, j));
}

void get_net_peers(const RouteCall& c, const ReplyFn& done) {
    J j;
    std::map<std::string, J> links;
    if (const auto* d = c.node.direct())
        for (auto& l : d->links_json())
            links.emplace(l["signing_id"].get<std::string>(), std::move(l));
    const auto* role = c.node.relay_role();
    J ids = J::array();
    std::set<std::string> listed;
    if (const auto* lookup = role ? role->lookup() : nullptr)
        for (const auto& p : lookup->directory().live(c.node.now())) {
            ids.push_back(PeerDirectory::to_json(p));
            listed.insert(ids.back()["signing_id"].get<std::string>());
        }
    // The identities learnt by gossip that no relay answered ("source": "gossip" or "cache").
    if (const auto* g = c.node.gossip())
        for (auto& p : g->peers_json())
            if (listed.insert(p["signing_id"].get<std::string>()).second)
                ids.push_back(std::move(p));
    // The identities known only by their link (they called this node).
    for (const auto& [id, link] : links)
        if (!listed.count(id)) ids.push_back(J{{"signing_id", id}, {"source", "direct"}});
    for (auto& identity : ids)
        add_link(identity, links);
    j["identities"] = std::move(ids);
    j["relays"] = role ? role->relays_state() : J::array();
    done(json_reply(200, j));
}

void get_net_peer(const RouteCall& c, const ReplyFn& done) {
    std::string path;
    parse_query(c.req.target, path);
    std::string id = path.substr(std::string_view("/net/peers/").size());
    PeerQuery q;
    if (id.rfind("miner/", 0) == 0) {
        q.by = PeerQuery::By::miner;
        id = id.substr(6);
    }
    std::optional<crypto::Hash160> h;
    if (q.by == PeerQuery::By::miner) {
        if (id.size() == 40)
            if (auto parsed = from_hex_fixed<20>(id)) h = *parsed;
    } else {
        h = parse_signing_id(id);
    }
    if (!h)
        return done(error_reply(400, "bad_request",
                                q.by == PeerQuery::By::miner
                                    ? "need /net/peers/miner/<master pubkey HASH160, 40 hex>"
                                    : "need /net/peers/<signing id (40 hex) or signing pubkey "
                                      "(66 hex)>"));
    q.id = *h;
    // The fallback chain (docs/nat.md): what gossip learnt first, then the relays.
    const auto* g = c.node.gossip();
    if (q.by == PeerQuery::By::identity && g)
        if (auto found = g->find_json(to_hex(*h))) return done(json_reply(200, *found));
    const auto* role = c.node.relay_role();
    auto* lookup = role ? role->lookup() : nullptr;
    if (!lookup)
        return done(error_reply(404, g ? "not_found" : "no_relay",
                                g ? "gossip does not know it, and this node uses no relay "
                                    "(--relay-url)"
                                  : "this node uses no relay (--relay-url)"));
    lookup->request(q, [done](RelayLookup::Answer a) {
        using O = RelayLookup::Outcome;
        switch (a.outcome) {
            case O::found:
                return done(json_reply(200, PeerDirectory::to_json(*a.peer)));
            case O::not_found:
                return done(error_reply(404, "not_found", "no relay knows it: " + a.detail));
            case O::no_relay:
                return done(error_reply(503, "no_relay", "no relay can be asked: " + a.detail));
            case O::busy:
                return done(error_reply(503, "busy", a.detail));
            case O::rate_limited: {
                auto r = error_reply(429, "rate_limited", a.detail);
                r.retry_after = a.retry_after;
                return done(std::move(r));
            }
        }
    });
}

void post_net_ping(const RouteCall& c, const ReplyFn& done) {
    std::string path;
    parse_query(c.req.target, path);
    const auto id = parse_signing_id(path.substr(std::string_view("/net/ping/").size()));
    if (!id)
        return done(error_reply(400, "bad_request",
                                "need /net/ping/<signing id (40 hex) or signing pubkey (66 hex)>"));
    auto* d = c.node.direct();
    if (!d)
        return done(error_reply(404, "no_signaling",
                                "direct links need the relays' signaling (--relay-url)"));
    d->ping(*id, [done](DirectLinks::PingResult r) {
        if (r.error)
            return done(error_reply(ping_status(*r.error), direct_error_name(*r.error), r.detail));
        J j;
        j["path"] = ice::path_name(r.path);
        j["rtt_ms"] = r.rtt_ms;
        j["tries"] = r.tries;
        done(json_reply(200, j));
    });
}

}  // namespace sharemsg::node
