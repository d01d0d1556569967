#include "node/http_routes.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <variant>
#include <vector>

#include "node/api_parse.hpp"
#include "node/assets.hpp"
#include "node/gossip_service.hpp"
#include "node/mail_routes.hpp"
#include "node/mailbox_routes.hpp"
#include "node/musig_routes.hpp"
#include "node/net_routes.hpp"
#include "node/node.hpp"
#include "node/relay_role.hpp"
#include "relay/service.hpp"
#include "util/numeric.hpp"

namespace sharemsg::node {

namespace {

using J = nlohmann::ordered_json;

J stats_json(const Node& node, const proto::MessageStore& store, double now, bool full) {
    // From the store's running counts: no pass over the messages.
    J by_type = J::object();
    for (auto t : kAllMessageTypes)
        by_type[proto::type_name(t)] = store.count_of_type(t);
    for (unsigned t = 0; t < 256; ++t) {
        const auto n = store.count_of_type(static_cast<std::uint8_t>(t));
        const auto name = proto::type_name(static_cast<std::uint8_t>(t));
        if (n && !by_type.contains(name)) by_type[name] = n;
    }
    const std::size_t last_hour = store.count_since(now - 3600);
    const std::size_t total = store.size();
    const auto oldest = store.oldest_timestamp();
    const auto newest = store.newest_timestamp();
    // Signers: the open profile's bound keys on networks that carry it, else the v1 registry.
    std::size_t known = 0, revoked = 0;
    if (node.open_profile()) {
        for (const auto& k : node.open_keys())
            if (k.bound) {
                ++known;
                revoked += k.revoked;
            }
    } else {
        for (const auto& e : store.registry().entries()) {
            ++known;
            revoked += e.info.revoked;
        }
    }
    J j;
    j["total_messages"] = total;
    j["total_by_type"] = std::move(by_type);
    j["known_signers"] = known;
    if (full) {
        j["active_signers"] = known - revoked;
        j["revoked_keys"] = revoked;
    }
    j["oldest_message_age"] = oldest ? J(now - *oldest) : J();
    j["newest_message_age"] = newest ? J(now - *newest) : J();
    if (full) {
        j["messages_per_hour"] = static_cast<double>(last_hour);
        const auto capacity = node.config().max_messages;
        j["store_capacity"] = capacity;
        j["store_usage_pct"] = 100.0 * static_cast<double>(total) / static_cast<double>(capacity);
        j["messaging_enabled"] = true;
        j["signing_key_configured"] = node.identity().value("messaging_enabled", false);
    }
    return j;
}

// ---- Reads (answered at once) ----------------------------------------------------------

void get_health(const RouteCall& c, const ReplyFn& done) {
    Node& node = c.node;
    J j;
    j["status"] = "ok";
    j["version"] = "sharemsgd/0.1.0";
    j["network"] = std::string(node.network().p2p.name);
    j["mining"] = node.mines();
    j["follower"] = node.follower();
    j["sync"] = node.sync().to_json();
    j["uptime"] = std::floor(node.uptime());
    j["peers"] = node.peer_count();
    j["shares"] = node.share_count();
    j["outbox_depth"] = node.outbox_depth();
    auto best = node.best_share();
    j["best_share"] = best ? J(to_hex(*best)) : J();
    done(json_reply(200, j));
}

void get_metrics(const RouteCall& c, const ReplyFn& done) {
    std::string text = c.node.metrics().render();
    if (const auto* relay = c.node.relay()) text += relay->metrics_text();
    text += mailbox_metrics_text(c.node);
    done({200, "text/plain; version=0.0.4", std::move(text)});
}

// The message lists: one endpoint per type (or all), the answer's key and default limit.
struct ListOf {
    const char* key;
    std::optional<std::uint8_t> type;
    long long default_limit;
    bool with_stats;
};

void list_messages(const RouteCall& c, const ListOf& l, const ReplyFn& done) {
    proto::MessageQuery q;
    q.msg_type = l.type;
    q.limit = static_cast<std::size_t>(l.default_limit);
    if (auto it = c.params.find("limit"); it != c.params.end()) {
        auto n = parse_int(it->second);
        if (!n || *n < 1 || *n > 200)
            return done(error_reply(400, "bad limit", "limit must be an integer from 1 to 200"));
        q.limit = static_cast<std::size_t>(*n);
    }
    if (auto it = c.params.find("since"); it != c.params.end()) {
        auto since = parse_int(it->second);
        if (!since || *since < 0)
            return done(
                error_reply(400, "bad since", "since must be a non-negative unix timestamp"));
        q.since = static_cast<double>(*since) + 1;  // "only messages newer than this"
    }
    const double now = c.node.now();
    J j;
    {
        auto lock = c.node.read_store();
        auto arr = J::array();
        for (const auto& m : c.node.store().query(q))
            arr.push_back(message_json(*m, now, c.text, c.node.cosign_authorities()));
        j[l.key] = std::move(arr);
        if (l.with_stats) j["stats"] = stats_json(c.node, c.node.store(), now, false);
    }
    done(json_reply(200, j));
}

template <const ListOf& L>
void get_list(const RouteCall& c, const ReplyFn& done) {
    list_messages(c, L, done);
}
constexpr ListOf kRecent{"messages", std::nullopt, 50, true};
constexpr ListOf kChat{"messages", proto::MSG_MINER_MESSAGE, 50, false};
constexpr ListOf kAnnouncements{"messages", proto::MSG_POOL_ANNOUNCE, 50, false};
constexpr ListOf kAlerts{"alerts", proto::MSG_EMERGENCY, 10, false};
constexpr ListOf kStatuses{"statuses", proto::MSG_NODE_STATUS, 20, false};

void get_stats(const RouteCall& c, const ReplyFn& done) {
    J j;
    {
        auto lock = c.node.read_store();
        j = stats_json(c.node, c.node.store(), c.node.now(), true);
    }
    done(json_reply(200, j));
}

// The open profile's keys: bound to an address by a delegation, revoked from a height.
J open_keys_json(Node& node) {
    const auto keys = node.open_keys();
    std::vector<std::size_t> signed_by;
    {
        auto lock = node.read_store();
        for (const auto& e : keys)
            signed_by.push_back(node.store().count_of_signer(e.signing_id));
    }
    std::size_t key_no = 0, revoked = 0, bound = 0;
    auto arr = J::array();
    for (const auto& e : keys) {
        J k;
        k["signing_id"] = to_hex(e.signing_id);
        k["key_index"] = e.key_index;
        k["signing_pubkey"] = to_hex(e.pubkey);
        k["miner_address"] = e.address;
        k["first_seen"] = e.first_seen_time;
        k["last_seen"] = e.first_seen_time;
        k["messages_signed"] = signed_by[key_no++];
        k["revoked"] = e.revoked;
        k["revoked_at_height"] = e.revoked_at_height ? J(*e.revoked_at_height) : J();
        k["first_seen_height"] = e.first_seen_height;
        k["bound"] = e.bound;
        if (!e.bound) k["unbound_reason"] = e.unbound_reason;
        revoked += e.bound && e.revoked;
        bound += e.bound;
        arr.push_back(std::move(k));
    }
    J j;
    j["total_keys"] = bound;
    j["active_keys"] = bound - revoked;
    j["revoked_keys"] = revoked;
    j["keys"] = std::move(arr);
    return j;
}

// The v1 registry's keys (networks without the open profile).
J registry_keys_json(Node& node) {
    auto lock = node.read_store();
    const auto& store = node.store();
    auto arr = J::array();
    std::size_t revoked = 0;
    for (const auto& e : store.registry().entries()) {
        auto sid = from_hex_fixed<20>(e.signing_id_hex);
        J k;
        k["signing_id"] = e.signing_id_hex;
        k["key_index"] = e.info.key_index;
        k["signing_pubkey"] = to_hex(e.info.pubkey);
        k["miner_address"] = e.address;
        k["first_seen"] = saturate_cast<std::int64_t>(e.info.first_seen);
        // refreshed by each announcement
        k["last_seen"] = saturate_cast<std::int64_t>(e.info.first_seen);
        k["messages_signed"] = sid ? store.count_of_signer(*sid) : 0;
        k["revoked"] = e.info.revoked;
        revoked += e.info.revoked;
        arr.push_back(std::move(k));
    }
    J j;
    j["total_keys"] = arr.size();
    j["active_keys"] = arr.size() - revoked;
    j["revoked_keys"] = revoked;
    j["keys"] = std::move(arr);
    return j;
}

void get_keys(const RouteCall& c, const ReplyFn& done) {
    done(json_reply(200,
                    c.node.open_profile() ? open_keys_json(c.node) : registry_keys_json(c.node)));
}

void get_identity(const RouteCall& c, const ReplyFn& done) {
    done(json_reply(200, c.node.identity()));
}

void get_activity(const RouteCall& c, const ReplyFn& done) {
    long long hours = 24;
    if (auto it = c.params.find("hours"); it != c.params.end()) {
        auto h = parse_int(it->second);
        if (!h || *h < 1 || *h > 168)
            return done(error_reply(400, "bad hours", "hours must be an integer from 1 to 168"));
        hours = *h;
    }
    const double now = c.node.now();
    const auto this_hour = static_cast<std::int64_t>(std::floor(now / 3600)) * 3600;
    const std::int64_t first = this_hour - (hours - 1) * 3600;
    std::vector<std::map<std::string, std::size_t>> counts(static_cast<std::size_t>(hours));
    {
        auto lock = c.node.read_store();
        c.node.store().for_each_between(static_cast<double>(first),
                                        static_cast<double>(this_hour + 3600),
                                        [&](const proto::ShareMessage& m) {
                                            const auto ts = static_cast<std::int64_t>(m.timestamp);
                                            ++counts[static_cast<std::size_t>((ts - first) / 3600)]
                                                    [proto::type_name(m.msg_type)];
                                        });
    }
    auto arr = J::array();
    for (long long i = 0; i < hours; ++i) {
        J h;
        h["start"] = first + i * 3600;
        J n = J::object();
        for (auto t : kAllMessageTypes)
            n[proto::type_name(t)] = counts[static_cast<std::size_t>(i)][proto::type_name(t)];
        h["counts"] = std::move(n);
        arr.push_back(std::move(h));
    }
    J j;
    j["hours"] = std::move(arr);
    done(json_reply(200, j));
}

void get_bans(const RouteCall& c, const ReplyFn& done) {
    J j;
    {
        auto lock = c.node.read_store();
        const auto& b = c.node.store().bans();
        J bans;
        bans["signing_ids"] = b.signing_ids();
        bans["addresses"] = b.addresses();
        bans["words"] = b.keywords();
        auto types = J::array();
        for (int t : b.types())
            types.push_back(proto::type_short_name(static_cast<std::uint8_t>(t)));
        bans["types"] = std::move(types);
        j["bans"] = std::move(bans);
        j["total_bans"] =
            b.signing_ids().size() + b.addresses().size() + b.keywords().size() + b.types().size();
    }
    done(json_reply(200, j));
}

// ---- The token's endpoints (answered once the node has done it) ----------------------

ApiDone answer_with(const ReplyFn& done) {
    return [done](ApiAnswer a) { done(json_reply(a.status, a.body)); };
}

void get_outbox(const RouteCall& c, const ReplyFn& done) {
    c.node.outbox(answer_with(done));
}

void post_send(const RouteCall& c, const ReplyFn& done) {
    auto req = parse_send(c.req.body);
    if (auto* e = std::get_if<ApiError>(&req))
        return done(error_reply(e->status, e->error, e->detail));
    c.node.send(std::move(std::get<SendRequest>(req)), answer_with(done));
}

void post_authority(const RouteCall& c, const ReplyFn& done) {
    auto req = parse_authority(c.req.body);
    if (auto* e = std::get_if<ApiError>(&req))
        return done(error_reply(e->status, e->error, e->detail));
    c.node.send_authority(std::move(std::get<AuthorityRequest>(req)), answer_with(done));
}

void ban_or_unban(const RouteCall& c, const ReplyFn& done) {
    auto ban = parse_ban(c.req.body);
    if (auto* e = std::get_if<ApiError>(&ban))
        return done(error_reply(e->status, e->error, e->detail));
    c.node.ban(std::move(std::get<store::Ban>(ban)), c.req.method == "POST", answer_with(done));
}

void post_rotate(const RouteCall& c, const ReplyFn& done) {
    auto req = parse_rotate(c.req.body);
    if (auto* e = std::get_if<ApiError>(&req))
        return done(error_reply(e->status, e->error, e->detail));
    c.node.rotate_key(std::move(std::get<RotateRequest>(req)), answer_with(done));
}

// ---- The relay role (--relay; docs/relay.md) ------------------------------------------------

relay::AnswerFn relay_answer(const ReplyFn& done) {
    return [done](relay::Answer a) {
        done({a.status, "application/json", std::move(a.body), a.retry_after});
    };
}

// The relay's service, or a 404 "not_enabled" answered.
relay::Service* relay_or_404(const RouteCall& c, const ReplyFn& done) {
    relay::Service* s = c.node.relay();
    if (!s)
        relay_answer(done)(relay::problem_answer(relay::fail(
            relay::Problem::not_enabled, "this node is not a relay (start it with --relay)")));
    return s;
}

void relay_register(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = relay_or_404(c, done))
        s->post_register(c.req.body, c.req.client, relay_answer(done));
}

// GET /relay/lookup/<network>/<signing id or pubkey> and GET /relay/miner/<network>/<master
// hash>: the path is /relay/<what>/<network>/<id>.
void relay_lookup_by(const RouteCall& c, const ReplyFn& done, relay::Service::LookupBy by) {
    auto* s = relay_or_404(c, done);
    if (!s) return;
    const std::string_view prefix =
        by == relay::Service::LookupBy::miner ? "/relay/miner/" : "/relay/lookup/";
    std::string path;
    parse_query(c.req.target, path);
    const std::string rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos || rest.find('/', slash + 1) != std::string::npos)
        return relay_answer(done)(relay::problem_answer(relay::fail(
            relay::Problem::bad_field,
            "need " + std::string(prefix) + "<network>/<" +
                (by == relay::Service::LookupBy::miner ? "master hash" : "signing id or pubkey") +
                ">")));
    s->lookup(by, rest.substr(0, slash), rest.substr(slash + 1), c.req.client, relay_answer(done));
}

void relay_lookup(const RouteCall& c, const ReplyFn& done) {
    relay_lookup_by(c, done, relay::Service::LookupBy::identity);
}

void relay_miner(const RouteCall& c, const ReplyFn& done) {
    relay_lookup_by(c, done, relay::Service::LookupBy::miner);
}

// POST /relay/signal and POST /relay/signal/poll (ICE signaling; relay/signal.hpp).
void relay_signal(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = relay_or_404(c, done))
        s->post_signal(c.req.body, c.req.client, relay_answer(done));
}

void relay_signal_poll(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = relay_or_404(c, done)) s->post_poll(c.req.body, c.req.client, relay_answer(done));
}

void relay_health(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = relay_or_404(c, done)) s->health(relay_answer(done));
}

void relay_allow(const RouteCall& c, const ReplyFn& done) {
    auto* s = relay_or_404(c, done);
    if (!s) return;
    if (c.req.method == "POST") return s->post_allow(c.req.body, c.req.client, relay_answer(done));
    s->allow_list(c.req.client, relay_answer(done));
}

constexpr Route kRoutes[] = {
    {"/health", kGet, Access::open, get_health},
    {"/metrics", kGet, Access::open, get_metrics},
    {"/msg/recent", kGet, Access::open, get_list<kRecent>},
    {"/msg/chat", kGet, Access::open, get_list<kChat>},
    {"/msg/announcements", kGet, Access::open, get_list<kAnnouncements>},
    {"/msg/alerts", kGet, Access::open, get_list<kAlerts>},
    {"/msg/status", kGet, Access::open, get_list<kStatuses>},
    {"/msg/stream", kGet, Access::open, nullptr},
    {"/msg/stats", kGet, Access::open, get_stats},
    {"/msg/keys", kGet, Access::open, get_keys},
    {"/msg/identity", kGet, Access::open, get_identity},
    {"/msg/activity", kGet, Access::open, get_activity},
    {"/msg/bans", kGet, Access::open, get_bans},
    {"/msg/outbox", kGet, Access::token, get_outbox},
    {"/msg/send", kPost, Access::token, post_send},
    {"/msg/authority", kPost, Access::token, post_authority},
    {"/msg/ban", kPost | kDelete, Access::token, ban_or_unban},
    {"/msg/rotate_key", kPost, Access::token, post_rotate},
    {"/net/relays", kGet, Access::open, get_net_relays},
    {"/net/self", kGet, Access::open, get_net_self},
    {"/net/peers", kGet, Access::open, get_net_peers},
    {"/net/peers/", kGet, Access::open, get_net_peer, true},
    {"/net/ping/", kPost, Access::token, post_net_ping, true},
    {"/mail/send", kPost, Access::token, post_mail_send},
    {"/mail/inbox", kGet, Access::token, get_mail_inbox},
    {"/mail/read/", kGet, Access::token, get_mail_read, true},
    {"/mail/outbox", kGet, Access::token, get_mail_outbox},
    {"/mail/status", kGet, Access::token, get_mail_status},
    {"/mail/stream", kGet, Access::token, get_mail_stream},
    {"/musig/start", kPost, Access::token, post_musig_start},
    {"/musig/join/", kPost, Access::token, post_musig_join, true},
    {"/musig/cancel/", kPost, Access::token, post_musig_cancel, true},
    {"/musig/sessions", kGet, Access::token, get_musig_sessions},
    {"/musig/session/", kGet, Access::token, get_musig_session, true},
    {"/musig/status", kGet, Access::token, get_musig_status},
    {"/relay/register", kPost, Access::anyone, relay_register},
    {"/relay/lookup/", kGet, Access::anyone, relay_lookup, true},
    {"/relay/miner/", kGet, Access::anyone, relay_miner, true},
    {"/relay/health", kGet, Access::anyone, relay_health},
    {"/relay/signal", kPost, Access::anyone, relay_signal},
    {"/relay/signal/poll", kPost, Access::anyone, relay_signal_poll},
    {"/relay/admin/allow", kGet | kPost, Access::anyone, relay_allow},
    {"/mailbox/challenge", kGet, Access::anyone, mailbox_challenge},
    {"/mailbox/register", kPost, Access::anyone, mailbox_register},
    {"/mailbox/send", kPost, Access::anyone, mailbox_send},
    {"/mailbox/subscribe", kPost, Access::anyone, mailbox_subscribe},
    {"/mailbox/get", kPost, Access::anyone, mailbox_get},
    {"/mailbox/ack", kPost, Access::anyone, mailbox_ack},
    {"/mailbox/health", kGet, Access::anyone, mailbox_health},
};

}  // namespace

unsigned method_bit(std::string_view method) {
    if (method == "GET") return kGet;
    if (method == "POST") return kPost;
    if (method == "DELETE") return kDelete;
    return 0;
}

std::span<const Route> route_table() {
    return kRoutes;
}

const Route* find_route(std::string_view path) {
    for (const auto& r : kRoutes)
        if (r.prefix ? path.starts_with(r.path) : r.path == path) return &r;
    return nullptr;
}

void route(Node& node, const HostAllowList& hosts, const HttpRequest& req, ReplyFn done,
           const StreamFn& stream) {
    std::string path;
    const auto params = parse_query(req.target, path);
    const Route* r = find_route(path);
    // A route's own path (a prefix route's prefix), so that the label set stays bounded.
    const std::string label = r ? std::string(r->path) : path == "/" ? path : "other";
    node.metrics().inc("sharemsg_api_requests_total", "path=\"" + label + "\"");
    if (!(r && r->access == Access::anyone) && !hosts.allows(req.host))
        return done(error_reply(
            403, "forbidden host",
            "this node answers only requests for localhost, 127.0.0.1 or [::1] and the names "
            "given with --web-allow-host, not Host: " +
                req.host.value_or("(none)")));
    // A token sent must be the node's; it lets private text through on every endpoint.
    bool authorized = false;
    if (req.authorization) {
        const auto token = bearer_token(*req.authorization);
        if (!token || !node.token_ok(*token))
            return done(error_reply(401, "unauthorized", "wrong token"));
        authorized = true;
    }
    if (r && r->access == Access::token && !authorized)
        return done(error_reply(
            401, "unauthorized",
            "missing token: send Authorization: Bearer <the token in DATADIR/.cookie>"));
    const unsigned bit = method_bit(req.method);
    if (!r) {
        if (bit != kGet)
            return done(error_reply(405, "method not allowed", req.method + " " + path));
        if (const Asset* a = find_asset(path))
            return done({200, std::string(a->content_type), std::string(a->body)});
        return done(error_reply(404, "not found", path));
    }
    if (!(r->methods & bit))
        return done(error_reply(405, "method not allowed", req.method + " " + path));
    const PrivateText text = authorized ? PrivateText::shown : PrivateText::hidden;
    if (!r->handler) return stream(StreamStart{text, {}, {}});
    r->handler(RouteCall{node, req, params, text, &stream}, done);
}

}  // namespace sharemsg::node
