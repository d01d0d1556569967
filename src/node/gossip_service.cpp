#include "node/gossip_service.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "node/metrics.hpp"

namespace sharemsg::node {

namespace {

using boost::asio::ip::udp;

std::string key_of(const udp::endpoint& e) {
    const auto a = e.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

udp::endpoint to_udp(const relay::Endpoint& e) {
    if (e.v6) {
        boost::asio::ip::address_v6::bytes_type b;
        std::copy(e.addr.begin(), e.addr.end(), b.begin());
        return {boost::asio::ip::address_v6(b), e.port};
    }
    boost::asio::ip::address_v4::bytes_type b;
    std::copy(e.addr.begin(), e.addr.begin() + 4, b.begin());
    return {boost::asio::ip::address_v4(b), e.port};
}

std::optional<relay::Endpoint> from_address(const boost::asio::ip::address& a, std::uint16_t port) {
    if (a.is_unspecified() || port == 0) return std::nullopt;
    relay::Endpoint e;
    e.port = port;
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), e.addr.begin());
    } else {
        e.v6 = true;
        const auto b = a.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), e.addr.begin());
    }
    return e;
}

std::string reason_label(const char* reason) {
    return std::string("reason=\"") + reason + "\"";
}

std::string kind_label(const char* kind) {
    return std::string("kind=\"") + kind + "\"";
}

const char* kind_name(const gossip::Datagram& d) {
    switch (d.index()) {
        case 0:
            return "announce";
        case 1:
            return "pull";
        default:
            return "delta";
    }
}

}  // namespace

Result<std::unique_ptr<GossipService>> GossipService::start(GossipOptions o, IdentityFn identity,
                                                            Clock clock, Metrics& metrics) {
    auto s = std::unique_ptr<GossipService>(
        new GossipService(std::move(o), std::move(identity), std::move(clock), metrics));
    boost::system::error_code ec;
    s->socket_.open(s->o_.bind.protocol(), ec);
    if (!ec) s->socket_.bind(s->o_.bind, ec);
    if (ec)
        return make_error(
            Errc::io, "gossip: cannot listen on UDP " + key_of(s->o_.bind) + ": " + ec.message());
    s->port_ = s->socket_.local_endpoint().port();
    auto* self = s.get();
    s->verifier_ = std::make_unique<GossipVerifier>(
        s->o_.network, s->clock_,
        [self](const gossip::MasterHash& m, const gossip::SigningId&) {
            std::lock_guard lk(self->mu_);
            return self->window_ && self->window_->count(m) > 0;
        },
        [self](GossipVerifier::Job&& job, gossip::Verdict v) {
            boost::asio::post(self->io_, [self, job = std::move(job), v]() mutable {
                self->on_verdict(std::move(job), v);
            });
        });
    boost::asio::post(s->io_, [self] {
        self->load_cache();
        self->receive();
        // A few quick pulls in the first pull interval, then one each interval.
        self->schedule_pull(std::chrono::milliseconds(200));
        self->schedule_push(std::chrono::milliseconds(300));
        self->schedule_save();
    });
    s->thread_ = std::thread([self] { self->io_.run(); });
    spdlog::info("gossip: listening on UDP {}, {} seed(s), {}", key_of(s->socket_.local_endpoint()),
                 s->o_.seeds.size(),
                 s->o_.cache_path.empty() ? std::string("no cache") : "cache " + s->o_.cache_path);
    return s;
}

GossipService::GossipService(GossipOptions o, IdentityFn identity, Clock clock, Metrics& metrics)
    : o_(std::move(o)),
      identity_(std::move(identity)),
      clock_(std::move(clock)),
      metrics_(metrics),
      work_(io_.get_executor()),
      socket_(io_),
      push_timer_(io_),
      pull_timer_(io_),
      save_timer_(io_),
      table_(o_.network, clock_()),
      per_source_(o_.source_per_minute, 4096),
      per_identity_(o_.identity_per_minute, 4096),
      answers_per_ip_(o_.answers_per_ip_minute, 4096),
      rng_(std::random_device{}()) {}

GossipService::~GossipService() {
    stop();
}

void GossipService::stop() {
    {
        std::lock_guard lk(stop_mu_);
        if (stop_requested_) return;
        stop_requested_ = true;
    }
    if (verifier_) verifier_->stop();
    boost::asio::post(io_, [this] {
        stopped_ = true;
        boost::system::error_code ec;
        push_timer_.cancel();
        pull_timer_.cancel();
        save_timer_.cancel();
        socket_.close(ec);
        save_cache();
        work_.reset();
    });
    if (thread_.joinable()) thread_.join();
}

// ---------------------------------------------------------------- window, views

void GossipService::set_window(const std::set<relay::MasterHash>& payouts) {
    auto w = std::make_shared<const std::set<relay::MasterHash>>(payouts);
    bool first = false;
    {
        std::lock_guard lk(mu_);
        first = !window_;
        if (!first && *window_ == payouts) return;
        window_ = std::move(w);
    }
    // The table's entries are listed and served only while authorized: refresh the view.
    boost::asio::post(io_, [this, first] {
        if (stopped_) return;
        publish();
        if (first) schedule_pull(std::chrono::milliseconds(100));
    });
}

void GossipService::set_public_address(const boost::asio::ip::address& a) {
    std::lock_guard lk(mu_);
    public_address_ = a;
}

bool GossipService::authorized(const gossip::Announce& a) const {
    std::lock_guard lk(mu_);
    return !window_ || window_->count(a.master_hash()) > 0;
}

void GossipService::publish() {
    const auto now = clock_();
    table_.expire(now);
    std::erase_if(fresh_, [this](const gossip::SigningId& id) { return !table_.find(id); });
    auto arr = nlohmann::ordered_json::array();
    for (const auto& [id, p] : table_.peers()) {
        if (!authorized(p.announce)) continue;
        const auto& a = p.announce;
        nlohmann::ordered_json j;
        j["signing_id"] = to_hex(id);
        j["signing_pubkey"] = to_hex(a.signing_pubkey);
        j["master_hash"] = to_hex(a.master_hash());
        j["key_index"] = a.key_index;
        auto eps = nlohmann::ordered_json::array();
        auto scores = nlohmann::ordered_json::array();
        for (const auto& e : table_.best_endpoints(id, gossip::MAX_ENDPOINTS)) {
            eps.push_back(e.endpoint.to_string());
            scores.push_back(e.score);
        }
        // Otherwise loaded from the cache and not refreshed by an announce since this start.
        const bool gossiped = fresh_.count(id) > 0;
        j["endpoints"] = std::move(eps);
        j["scores"] = std::move(scores);
        j["nat"] = relay::nat_name(a.nat);
        j["last_seen"] = a.timestamp;
        j["source"] = gossiped ? "gossip" : "cache";
        j["gossip_version"] = a.version;
        j["updated"] = p.updated;
        arr.push_back(std::move(j));
    }
    metrics_.set("sharemsg_gossip_identities", "", static_cast<double>(arr.size()));
    metrics_.set("sharemsg_gossip_table_entries", "", static_cast<double>(table_.entries()));
    std::lock_guard lk(mu_);
    snapshot_ = std::move(arr);
}

nlohmann::ordered_json GossipService::peers_json() const {
    std::lock_guard lk(mu_);
    return snapshot_;
}

std::optional<nlohmann::ordered_json> GossipService::find_json(const std::string& id) const {
    std::lock_guard lk(mu_);
    for (const auto& p : snapshot_)
        if (p["signing_id"] == id) return p;
    return std::nullopt;
}

// ---------------------------------------------------------------- cache

void GossipService::load_cache() {
    if (o_.cache_path.empty()) return;
    auto c = gossip::PeerCache::open(o_.cache_path);
    if (!c) {
        spdlog::warn("gossip: cache {}: {}; running without it", o_.cache_path, c.error().reason);
        return;
    }
    cache_.emplace(std::move(*c));
    auto r = cache_->load(table_, clock_());
    if (!r) {
        spdlog::warn("gossip: cache {}: {}", o_.cache_path, r.error().reason);
        return;
    }
    spdlog::info("gossip: {} identities from the cache ({} expired, {} unreadable, {} refused)",
                 r->identities, r->expired, r->corrupt, r->refused);
    publish();
}

void GossipService::save_cache() {
    if (!cache_) return;
    if (auto r = cache_->save(table_); !r)
        spdlog::warn("gossip: saving the cache: {}", r.error().reason);
}

void GossipService::schedule_save() {
    save_timer_.expires_after(o_.save_interval);
    save_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        save_cache();
        publish();
        schedule_save();
    });
}

// ---------------------------------------------------------------- receiving

void GossipService::receive() {
    socket_.async_receive_from(boost::asio::buffer(buf_), from_,
                               [this](boost::system::error_code ec, std::size_t n) {
                                   if (stopped_ || ec == boost::asio::error::operation_aborted)
                                       return;
                                   if (!ec) on_datagram(from_, n);
                                   receive();
                               });
}

bool GossipService::banned(const std::string& source) {
    auto it = strikes_.find(source);
    if (it == strikes_.end()) return false;
    if (it->second.banned_until > clock_()) return true;
    it->second.banned_until = 0;
    return false;
}

void GossipService::strike(const std::string& source) {
    const auto now = clock_();
    if (strikes_.size() >= 4096) {
        for (auto it = strikes_.begin(); it != strikes_.end();) {
            const bool idle =
                it->second.banned_until <= now &&
                (it->second.at.empty() || it->second.at.back() + o_.strike_window.count() <= now);
            it = idle ? strikes_.erase(it) : std::next(it);
        }
        if (strikes_.size() >= 4096) return;  // a flood of sources: limits still apply
    }
    auto& s = strikes_[source];
    const auto since = now > static_cast<std::uint64_t>(o_.strike_window.count())
                           ? now - static_cast<std::uint64_t>(o_.strike_window.count())
                           : 0;
    std::erase_if(s.at, [since](std::uint64_t t) { return t < since; });
    s.at.push_back(now);
    if (s.at.size() >= o_.ban_strikes && s.banned_until <= now) {
        s.banned_until = now + static_cast<std::uint64_t>(o_.ban_time.count());
        s.at.clear();
        metrics_.inc("sharemsg_gossip_bans_total");
        spdlog::warn("gossip: {} banned for {} s ({} bad datagrams within {} s)", source,
                     o_.ban_time.count(), o_.ban_strikes, o_.strike_window.count());
    }
}

void GossipService::on_datagram(const udp::endpoint& from, std::size_t n) {
    const std::string source = key_of(from);
    if (banned(source)) {
        metrics_.inc("sharemsg_gossip_banned_dropped_total");
        return;
    }
    unsigned retry = 0;
    if (!per_source_.take(source, static_cast<double>(clock_()), retry)) {
        metrics_.inc("sharemsg_gossip_refused_total", reason_label("source_rate"));
        return;
    }
    auto d = gossip::decode(ByteView(buf_.data(), n));
    if (!d) {
        metrics_.inc("sharemsg_gossip_datagrams_in_total", kind_label("malformed"));
        metrics_.inc("sharemsg_gossip_refused_total",
                     reason_label(gossip::problem_name(d.failure().problem)));
        // A format or type this node does not speak may be a newer node's: not a strike.
        if (d.failure().problem != gossip::Problem::bad_version &&
            d.failure().problem != gossip::Problem::unknown_type)
            strike(source);
        return;
    }
    metrics_.inc("sharemsg_gossip_datagrams_in_total", kind_label(kind_name(*d)));
    if (auto* a = std::get_if<gossip::Announce>(&*d))
        on_announce(std::move(*a), source);
    else if (auto* p = std::get_if<gossip::Pull>(&*d))
        on_pull(*p, from);
    else
        on_delta(std::move(std::get<gossip::Delta>(*d)), from, source);
}

void GossipService::on_announce(gossip::Announce a, const std::string& source) {
    auto own = identity_();
    if (own && own->key.signing_id() == a.signing_id()) return;  // our own, passed back
    // What the table already holds at this version or above needs no signature work.
    if (const auto* held = table_.find(a.signing_id());
        held && held->announce.version >= a.version) {
        metrics_.inc("sharemsg_gossip_refused_total",
                     reason_label(gossip::verdict_name(gossip::Verdict::stale_version)));
        return;
    }
    if (!verifier_->submit({std::move(a), source}))
        metrics_.inc("sharemsg_gossip_refused_total", reason_label("verifier_busy"));
}

void GossipService::on_verdict(GossipVerifier::Job job, gossip::Verdict v) {
    if (stopped_) return;
    // The per-identity limit counts only announces that verify, so that forgeries sent in an
    // identity's name cannot spend its budget.
    unsigned retry = 0;
    if (v == gossip::Verdict::accepted &&
        !per_identity_.take(to_hex(job.announce.signing_id()), static_cast<double>(clock_()),
                            retry)) {
        metrics_.inc("sharemsg_gossip_refused_total", reason_label("identity_rate"));
        return;
    }
    if (v == gossip::Verdict::accepted) v = table_.apply(job.announce, clock_());
    if (v == gossip::Verdict::accepted) {
        fresh_.insert(job.announce.signing_id());
        metrics_.inc("sharemsg_gossip_accepted_total");
        publish();
        return;
    }
    metrics_.inc("sharemsg_gossip_refused_total", reason_label(gossip::verdict_name(v)));
    if (v == gossip::Verdict::bad_signature || v == gossip::Verdict::bad_delegation)
        strike(job.source);
}

void GossipService::on_pull(const gossip::Pull& p, const udp::endpoint& from) {
    if (p.network != o_.network) {
        metrics_.inc("sharemsg_gossip_refused_total",
                     reason_label(gossip::verdict_name(gossip::Verdict::wrong_network)));
        return;
    }
    std::uint64_t cursor = p.since;
    for (std::size_t page = 0; page < o_.pages_per_pull; ++page) {
        auto dp = table_.deltas_since(cursor);
        gossip::Delta d;
        d.nonce = p.nonce;
        d.cursor = dp.cursor;
        d.more = dp.more && page + 1 == o_.pages_per_pull;
        for (auto& a : dp.announces)
            if (authorized(a)) d.announces.push_back(std::move(a));
        cursor = dp.cursor;
        if (d.announces.empty() && page > 0 && dp.more) continue;
        unsigned retry = 0;
        if (!answers_per_ip_.take(from.address().to_string(), static_cast<double>(clock_()),
                                  retry)) {
            metrics_.inc("sharemsg_gossip_refused_total", reason_label("answer_rate"));
            return;
        }
        send(d, from, "delta");
        if (!dp.more) break;
    }
}

void GossipService::on_delta(gossip::Delta d, const udp::endpoint& from,
                             const std::string& source) {
    auto it = pulls_.find(source);
    const auto now = clock_();
    if (it == pulls_.end() || it->second.nonce != d.nonce || it->second.sent + 30 < now) {
        metrics_.inc("sharemsg_gossip_refused_total", reason_label("unsolicited"));
        return;
    }
    it->second.cursor = d.cursor;
    for (auto& a : d.announces)
        on_announce(std::move(a), source);
    // The answerer had more than it sends for one pull: ask on, a few pages at most.
    if (d.more && it->second.chained < 8) {
        ++it->second.chained;
        send_pull(from, d.cursor);
    } else {
        it->second.chained = 0;
    }
}

// ---------------------------------------------------------------- sending

void GossipService::send(const gossip::Datagram& d, const udp::endpoint& to, const char* kind) {
    auto bytes = gossip::encode(d);
    if (!bytes) {
        spdlog::warn("gossip: cannot encode a {}: {}", kind, bytes.failure().detail);
        return;
    }
    boost::system::error_code ec;
    socket_.send_to(boost::asio::buffer(*bytes), to, 0, ec);
    if (ec) {
        metrics_.inc("sharemsg_gossip_send_errors_total");
        return;
    }
    metrics_.inc("sharemsg_gossip_datagrams_out_total", kind_label(kind));
}

std::vector<udp::endpoint> GossipService::targets() const {
    std::vector<udp::endpoint> out = o_.seeds;
    auto own = identity_();
    for (const auto& [id, p] : table_.peers()) {
        if (own && own->key.signing_id() == id) continue;
        if (!authorized(p.announce)) continue;
        for (const auto& e : table_.best_endpoints(id, 1)) {
            auto u = to_udp(e.endpoint);
            if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
        }
    }
    // Not ourselves.
    std::erase_if(out, [this](const udp::endpoint& e) {
        if (e.port() != port_) return false;
        if (e.address() == o_.bind.address()) return true;
        return std::any_of(o_.endpoints.begin(), o_.endpoints.end(),
                           [&e](const relay::Endpoint& mine) { return to_udp(mine) == e; });
    });
    return out;
}

void GossipService::send_pull(const udp::endpoint& to, std::uint64_t since) {
    const auto key = key_of(to);
    if (pulls_.size() >= 1024 && !pulls_.count(key)) pulls_.erase(pulls_.begin());
    auto& st = pulls_[key];
    st.nonce = rng_();
    st.sent = clock_();
    gossip::Pull p;
    p.since = since;
    p.nonce = st.nonce;
    p.network = o_.network;
    send(p, to, "pull");
}

void GossipService::pull_round() {
    auto all = targets();
    std::shuffle(all.begin(), all.end(), rng_);
    const std::size_t n = std::min(all.size(), std::max<std::size_t>(1, o_.pull_fanout));
    for (std::size_t i = 0; i < n; ++i) {
        const auto it = pulls_.find(key_of(all[i]));
        send_pull(all[i], it == pulls_.end() ? 0 : it->second.cursor);
    }
    ++pulls_done_;
    publish();
}

void GossipService::schedule_pull(std::chrono::milliseconds after) {
    pull_timer_.expires_after(after);
    pull_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        pull_round();
        auto next = o_.pull_interval;
        if (pulls_done_ <= o_.quick_pulls) next = o_.pull_interval / (o_.quick_pulls + 1);
        schedule_pull(next);
    });
}

void GossipService::push_round() {
    auto own = identity_();
    if (!own) return;  // no signing key: listens and pulls, announces nothing
    gossip::Announce a = own->unsigned_announce;
    a.endpoints = o_.endpoints;
    {
        std::lock_guard lk(mu_);
        if (public_address_)
            if (auto e = from_address(*public_address_, port_);
                e && std::find(a.endpoints.begin(), a.endpoints.end(), *e) == a.endpoints.end() &&
                a.endpoints.size() < gossip::MAX_ENDPOINTS)
                a.endpoints.push_back(*e);
    }
    if (a.endpoints.empty()) {
        metrics_.inc("sharemsg_gossip_no_endpoint_total");
        return;
    }
    const auto now = clock_();
    a.timestamp = now;
    version_ = std::max(version_ + 1, now * 1000);
    a.version = version_;
    gossip::sign(a, own->key.privkey());
    auto all = targets();
    std::shuffle(all.begin(), all.end(), rng_);
    for (std::size_t i = 0; i < std::min(all.size(), o_.push_fanout); ++i)
        send(a, all[i], "announce");
}

void GossipService::schedule_push(std::chrono::milliseconds after) {
    push_timer_.expires_after(after);
    push_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        push_round();
        // 60 s ± 10 s by default: the interval ± a sixth of it.
        const auto base = o_.push_interval.count();
        std::uniform_int_distribution<long long> jitter(-base / 6, base / 6);
        schedule_push(std::chrono::milliseconds(base + jitter(rng_)));
    });
}

}  // namespace sharemsg::node
