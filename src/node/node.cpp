#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/node.hpp"
#include "util/numeric.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "node/direct_links.hpp"
#include "node/files.hpp"
#include "node/gossip_service.hpp"
#include "node/http.hpp"
#include "node/mail_client.hpp"
#include "node/mail_routes.hpp"
#include "node/mailbox_role.hpp"
#include "node/musig_service.hpp"
#include "node/peer.hpp"
#include "node/relay_role.hpp"
#include "node/rules.hpp"
#include "node/share_reply.hpp"
#include "proto/envelope.hpp"
#include "proto/keys_io.hpp"
#include "proto/open_private.hpp"

namespace sharemsg::node {

namespace fs = std::filesystem;
using tcp = boost::asio::ip::tcp;

namespace {
constexpr std::uint64_t kMaxMineAttempts = 5'000'000;

std::uint64_t random_u64() {
    auto b = crypto::random_bytes(8);
    std::uint64_t v = 0;
    for (auto x : b)
        v = v << 8 | x;
    return v;
}

std::string short_hex(const chain::ShareId& h) {
    return to_hex(h).substr(0, 16);
}

chain::ShareId to_id(const chain::Uint256& u) {
    chain::ShareId h{};
    std::copy(u.begin(), u.end(), h.begin());
    return h;
}
chain::Uint256 to_u256(const chain::ShareId& h) {
    chain::Uint256 u{};
    std::copy(h.begin(), h.end(), u.begin());
    return u;
}

// A sharereq for `want` (not empty) and up to 100 parents of each.
p2p::ShareReq share_request(const std::vector<chain::ShareId>& want) {
    p2p::ShareReq req;
    req.id = to_u256(crypto::sha256(want.front()));
    for (const auto& w : want)
        req.hashes.push_back(to_u256(w));
    req.parents = 100;
    return req;
}
}  // namespace

Node::Node(Config cfg, Network net)
    : cfg_(std::move(cfg)),
      net_(std::move(net)),
      nonce_(random_u64()),
      keys_(cfg_.datadir, KeyNetwork{net_.open_profile, net_.network_id(), net_.address_version}),
      mine_timer_(chain_io_),
      signals_(io_),
      status_timer_(chain_io_) {}

Node::~Node() {
    stop();
    if (chain_thread_.joinable()) chain_thread_.join();
    // The sessions' thread ends before the mail client it sends through; the mail client's
    // threads (which hand frames to the sessions) end before the sessions' object goes, and
    // before the direct links it hands messages to.
    if (musig_) musig_->stop();
    mail_.reset();
    musig_.reset();
    if (gossip_) gossip_->stop();
    if (direct_) direct_->stop();
}

relay::Service* Node::relay() const {
    return relay_ ? relay_->service() : nullptr;
}

mailbox::Service* Node::mailbox() const {
    return mailbox_ ? mailbox_->service() : nullptr;
}

double Node::now() const {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::optional<chain::ShareId> Node::best_share() const {
    std::lock_guard lk(best_mutex_);
    return best_;
}

Status Node::start() {
    // The data directory is private (0700; its files 0600: the database holds decrypted
    // private text, .cookie the API token) and belongs to one process: the lock is taken
    // before anything in it is read or written.
    std::string loose;
    if (auto s = make_private_dir(cfg_.datadir, &loose); !s)
        return make_error(Errc::io, "datadir: " + s.error().reason);
    auto lock = DirLock::acquire(cfg_.datadir);
    if (!lock) return lock.error();
    datadir_lock_ = std::move(*lock);
    for (const char* f :
         {".cookie", "shares.log", "signing_key.json", "signing_key.secret", "signing_keys.json",
          "banned_senders.json", "payout_pubkey_hash", "addrs.json", "addrs.json.corrupt"})
        if (auto s = make_private_file((fs::path(cfg_.datadir) / f).string(), &loose); !s)
            return s.error();
    std::istringstream warnings(loose);
    for (std::string line; std::getline(warnings, line);)
        spdlog::warn("{}", line);
    if (cfg_.p2p_port == 0) cfg_.p2p_port = net_.p2p.p2p_port;
    if (cfg_.web_port == 0) cfg_.web_port = net_.web_port;

    // Payout: given, or (devnet) generated once into the datadir.
    std::string addr_hex = cfg_.address;
    const fs::path addr_file = fs::path(cfg_.datadir) / "payout_pubkey_hash";
    if (addr_hex.empty() && fs::exists(addr_file)) std::ifstream(addr_file) >> addr_hex;
    if (addr_hex.empty() && mines()) {
        addr_hex = to_hex(crypto::random_bytes(20));
        if (auto w = write_file_atomic(addr_file.string(), addr_hex + "\n", 0600); !w)
            return w.error();
    }
    // A follower needs none: it makes no shares.
    if (!addr_hex.empty()) {
        auto pkh = from_hex_fixed<20>(addr_hex);
        if (!pkh)
            return make_error(
                Errc::invalid_argument,
                "--address must be 40 hex digits (a pubkey hash): " + pkh.error().reason);
        payout_ = *pkh;
        payout_address_ = proto::p2pkh_address_from_hash160(payout_, net_.address_version);
    }
    started_at_ = now();

    for (const auto& hex : cfg_.transition_messages) {
        auto blob = from_hex(hex);
        if (!blob)
            return make_error(Errc::invalid_argument,
                              "--transition-message: " + blob.error().reason);
        auto verdict = proto::check_v36_message_data(*blob, net_.authorities);
        if (!verdict.valid())
            return make_error(
                Errc::invalid_argument,
                std::string("--transition-message is not valid message_data: ") + verdict.reason);
        outbox_blobs_.push_back(std::move(*blob));
    }

    // Authority blobs kept in DATADIR/bootstrap_messages/ (one hex blob per file), as the
    // reference loads them; embedded in mined shares like --transition-message.
    std::vector<std::string> blob_hex = cfg_.transition_messages;
    const fs::path boot = fs::path(cfg_.datadir) / "bootstrap_messages";
    if (fs::is_directory(boot)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(boot))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f);
            std::string hex, line;
            while (std::getline(in, line))
                for (char c : line)
                    if (!std::isspace(static_cast<unsigned char>(c))) hex.push_back(c);
            auto blob = from_hex(hex);
            if (!blob || !proto::check_v36_message_data(*blob, net_.authorities).valid()) {
                spdlog::warn("bootstrap message {}: not a valid authority blob; ignored",
                             f.string());
                continue;
            }
            outbox_blobs_.push_back(std::move(*blob));
            blob_hex.push_back(hex);
        }
    }

    store_ = std::make_unique<proto::MessageStore>(
        proto::StoreOptions{cfg_.max_messages, proto::MAX_MESSAGE_AGE, {}}, net_.authorities);
    if (!net_.open_profile && !cfg_.cosign_authorities.empty())
        return make_error(Errc::invalid_argument,
                          "--cosign-authority: this network does not carry the open profile");
    if (net_.open_profile) {
        sacrifice_hashes_ = net_.sacrifice_pubkey_hashes;
        for (const auto& a : cfg_.sacrifice_addresses) {
            auto h = a.size() == 40 ? from_hex_fixed<20>(a)
                                    : proto::hash160_from_p2pkh_address(a, net_.address_version);
            if (!h)
                return make_error(Errc::invalid_argument,
                                  "--sacrifice-address " + a + ": " + h.error().reason);
            if (std::find(sacrifice_hashes_.begin(), sacrifice_hashes_.end(), *h) ==
                sacrifice_hashes_.end())
                sacrifice_hashes_.push_back(*h);
        }
        for (const auto& spec : cfg_.cosign_authorities) {
            auto a = proto::open::CosignAuthority::parse(spec);
            if (!a) return make_error(a.error().code, "--cosign-authority: " + a.error().reason);
            for (const auto& other : cosign_authorities_)
                if (other.name() == a->name() || other.key() == a->key())
                    return make_error(Errc::invalid_argument, "--cosign-authority " + a->name() +
                                                                  ": the same name or signers as " +
                                                                  other.name());
            cosign_authorities_.push_back(std::move(*a));
        }
        proto::open::LedgerConfig lc;
        lc.network_id = net_.network_id();
        lc.address_version = net_.address_version;
        lc.sacrifice_pubkey_hashes = sacrifice_hashes_;
        lc.cosign_authorities = cosign_authorities_;
        open_chain_ = std::make_unique<proto::open::ChainLedger>(lc, open_window());
    }
    if (auto s = open_database(); !s) return s;
    if (auto s = load_database(); !s) return s;
    {
        std::unique_lock lk(store_mutex_);
        for (const auto& hex : blob_hex)
            store_->load_blob_hex(hex, now());
    }
    if (auto s = setup_signing_key(); !s) return s;
    if (cfg_.sacrifice_every > 0 && (!open_chain_ || !keys_.has_key()))
        return make_error(Errc::invalid_argument,
                          "--sacrifice-every needs the open profile and a signing key "
                          "(--signing-key-file with its --signing-key-delegation)");
    if (auto s = write_cookie(); !s) return s;
    // The miners found through the relays are dialled on the I/O thread.
    auto dial = [this](std::vector<relay::Endpoint> eps) {
        boost::asio::post(io_, [this, eps = std::move(eps)] {
            if (peers_) peers_->dial_found(eps);
        });
    };
    auto relay_role = RelayRole::start(
        cfg_, net_, keys_, [this] { return now(); }, metrics_, std::move(dial),
        [this](relay::Signal s) { deliver_signal(std::move(s)); });
    if (!relay_role) return relay_role.error();
    relay_ = std::move(*relay_role);
    // Each message the mailbox stores is told to its receiver's subscribe streams.
    auto mailbox_role = MailboxRole::start(
        cfg_, net_, [this] { return now(); },
        [this](const mailbox::IdentityId& receiver, std::uint64_t id) {
            if (http_)
                http_->publish_event(to_hex(receiver), "message",
                                     "{\"id\":" + std::to_string(id) + "}");
        });
    if (!mailbox_role) return mailbox_role.error();
    mailbox_ = std::move(*mailbox_role);
    if (auto s = start_direct(); !s) return s;
    if (auto s = start_mail(); !s) return s;
    if (auto s = start_musig(); !s) return s;
    if (auto s = start_gossip(); !s) return s;
    if (auto s = start_nat_monitor(); !s) return s;

    // A pending share whose difficulty passes once its ancestors are known is checked for its
    // generated transaction too, and then forgets what that check read.
    tracker_.set_further_check([this](const chain::ShareId& id) {
        auto it = shares_.find(id);
        if (it == shares_.end()) return chain::FurtherVerdict{};
        auto verdict = check_pending(net_, it->second, tracker_);
        if (!verdict.deferred && verdict.rule == Rule::none) it->second.pending.reset();
        return verdict;
    });

    // Shares from the previous run.
    std::vector<p2p::WrappedShare> stored;
    auto opened = share_log_.open((fs::path(cfg_.datadir) / "shares.log").string(),
                                  [&](ByteView body) {
                                      if (auto s = share_from_log_body(body))
                                          stored.push_back(std::move(*s));
                                  },
                                  [](const std::string& w) { spdlog::warn("{}", w); });
    if (!opened) return opened.error();
    if (!stored.empty()) {
        auto r = ingest(stored, Source::disk);
        spdlog::info("loaded {} shares from the share log ({} rejected)", r.accepted, r.rejected);
    }

    // P2P: the listener, then (after the HTTP server) the --peer targets.
    PeerManager::Hooks hooks;
    hooks.on_message = [this](const std::shared_ptr<Peer>& peer, p2p::Message&& msg,
                              WorkTicket&& ticket) {
        on_peer_message(peer, std::move(msg), std::move(ticket));
    };
    hooks.best_share = [this] { return best_share(); };
    hooks.on_count = [this](std::size_t n) { peer_count_ = n; };
    peers_ = std::make_unique<PeerManager>(io_, net_.p2p, peer_limits(), cfg_.p2p_port, nonce_,
                                           metrics_, std::move(hooks));
    DiscoveryOptions discovery;
    discovery.file = (fs::path(cfg_.datadir) / "addrs.json").string();
    discovery.discover = cfg_.discover;
    // The devnet's nodes, and a test's synthetic chain, are all on 127.0.0.1.
    discovery.book.allow_loopback = cfg_.devnet || cfg_.synthetic_mining;
    peers_->use_address_book(std::move(discovery));
    if (auto s = peers_->listen(cfg_.p2p_bind, cfg_.p2p_port); !s) return s;

    http_ = std::make_unique<HttpServer>(io_, *this);
    auto h = http_->listen(cfg_.web_bind, cfg_.web_port);
    if (!h) return h.error();
    // Each message entering the inbox goes to the /mail/stream subscribers.
    if (mail_)
        mail_->set_listener([http = http_.get()](const MailReceived& m) {
            http->publish_event(MAIL_STREAM_TOPIC, "mail", mail_received_json(m).dump());
        });

    if (auto s = peers_->connect_to(cfg_.peers); !s) return s;
    if (cfg_.bootstrap && !net_.bootstrap.empty()) {
        if (cfg_.discover)
            peers_->add_bootstrap(net_.bootstrap, net_.p2p.p2p_port);
        else
            spdlog::warn("--discover false: the network's bootstrap nodes are not dialled");
    }

    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](boost::system::error_code sig_ec, int sig) {
        if (sig_ec) return;
        spdlog::info("signal {}: stopping", sig);
        stop();
    });

    chain_work_.emplace(chain_io_.get_executor());
    chain_thread_ = std::thread([this] { chain_guard_.run_loop(chain_io_); });
    chain_guard_.post(chain_io_, "start", [this] {
        queue_startup_messages();
        schedule_status();
        if (mines()) schedule_mining();
    });

    spdlog::info("sharemsgd on {} ({}): p2p {}:{}, http {}:{}, payout {}, {} shares", net_.p2p.name,
                 mines() ? (cfg_.devnet ? "mining" : "synthetic mining") : "follower, not mining",
                 cfg_.p2p_bind, cfg_.p2p_port, cfg_.web_bind, cfg_.web_port,
                 payout_address_.empty() ? "none" : payout_address_, share_count_.load());
    return Ok{};
}

void Node::run() {
    io_.run();
}

void Node::stop() {
    boost::asio::post(io_, [this] {
        boost::system::error_code ec;
        signals_.cancel(ec);
        if (http_) http_->close();
        if (peers_) peers_->stop();
        if (nat_monitor_) nat_monitor_->stop();
        io_.stop();
    });
    boost::asio::post(chain_io_, [this] {
        mine_timer_.cancel();
        status_timer_.cancel();
    });
    chain_work_.reset();
    chain_io_.stop();
}

// ---------------------------------------------------------------- I/O thread: peers

PeerLimits Node::peer_limits() const {
    PeerLimits l;
    l.max_inbound = cfg_.max_peers;
    l.max_outbound = cfg_.max_outbound;
    l.max_per_ip = cfg_.max_peers_per_ip;
    l.ban_time = std::chrono::seconds(cfg_.ban_time);
    l.idle_timeout =
        std::chrono::milliseconds(saturate_cast<std::int64_t>(cfg_.p2p_idle_timeout * 1000));
    return l;
}

void Node::broadcast(const p2p::Message& msg, std::uint64_t except_peer) {
    if (peers_) peers_->broadcast(msg, except_peer);
}

void Node::on_peer_message(const std::shared_ptr<Peer>& peer, p2p::Message&& msg,
                           WorkTicket&& ticket) {
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, p2p::Version>) {
                // Ask the new peer for its best share when it is new to us, and for what our
                // own window lacks (a node restarted in the middle of a sync).
                std::optional<chain::ShareId> best;
                if (m.best_share_hash) best = to_id(*m.best_share_hash);
                chain_guard_.post(chain_io_, "version",
                                  [this, peer, best, t = std::move(ticket)]() mutable {
                                      if (peer->doomed()) return;
                                      std::vector<chain::ShareId> want;
                                      if (best && !tracker_.contains(*best)) want.push_back(*best);
                                      if (auto gap = tracker_.window_gap(needed_shares()))
                                          want.push_back(*gap);
                                      if (want.empty()) return;
                                      boost::asio::post(io_, [peer, want, t = std::move(t)] {
                                          peer->send(share_request(want));
                                      });
                                  });
            } else if constexpr (std::is_same_v<T, p2p::Shares> ||
                                 std::is_same_v<T, p2p::ShareReply>) {
                const std::size_t n = m.shares.size();
                metrics_.inc("sharemsg_shares_received_total", "", static_cast<double>(n));
                // A reply lists each requested share, then its parents (newest first, as the
                // reference answers): added oldest first, each share finds its parent held, and
                // a catching-up node does not re-link what it already holds once per share.
                if constexpr (std::is_same_v<T, p2p::ShareReply>)
                    std::reverse(m.shares.begin(), m.shares.end());
                chain_guard_.post(
                    chain_io_, "shares",
                    [this, peer, n, shares = std::move(m.shares), t = std::move(ticket)]() mutable {
                        // A peer banned meanwhile: what it had queued is not processed.
                        if (peer->doomed()) return;
                        auto r = ingest(shares, Source::peer);
                        if (r.unprocessed || rule_policy(r.rule).bans) peer->condemn();
                        boost::asio::post(io_, [this, peer, n, r = std::move(r), t = std::move(t)] {
                            report_shares(peer, n, r);
                        });
                    });
            } else if constexpr (std::is_same_v<T, p2p::ShareReq>) {
                if (auto why = oversized_sharereq(m)) {
                    peers_->penalize(peer, Rule::oversized_sharereq, *why);
                    return;
                }
                chain_guard_.post(
                    chain_io_, "sharereq",
                    [this, peer, req = std::move(m), t = std::move(ticket)]() mutable {
                        answer_sharereq(peer, req, std::move(t));
                    });
            }
            // getaddrs, addrs and addrme are PeerManager's (the address book); ping, bestblock
            // and the transaction messages need no action here.
        },
        msg);
}

void Node::report_shares(const std::shared_ptr<Peer>& peer, std::size_t received, const Ingest& r) {
    if (!r.to_relay.empty()) broadcast(p2p::Shares{r.to_relay}, peer->id());
    // One penalty and one log line for the message, for its costliest rule: a rule that bans
    // (as the reference's PeerMisbehavingError) ended the message; the others skip the share.
    // Shares dropped for a rule that costs nothing (another share version) are only counted.
    if (r.rejected && rule_policy(r.rule).score == 0 && !rule_policy(r.rule).bans) {
        spdlog::debug("{}: {} of {} shares dropped: {}", peer->label(), r.rejected, received,
                      r.reason);
    } else if (r.rejected) {
        std::string detail = r.reason;
        if (received > 1)
            detail +=
                " [" + std::to_string(r.rejected) + " of the message's " +
                std::to_string(received) + " shares rejected" +
                (r.unprocessed ? ", the last " + std::to_string(r.unprocessed) + " not processed"
                               : std::string()) +
                "]";
        peers_->penalize(peer, r.rule, detail);
    }
    // Missing parents are asked for when the message brought new shares: a peer answering
    // with none (it lacks them, or pretends to) is not asked again and again.
    if (r.accepted && !r.wanted.empty() && !peer->closed() && peer->score() == 0)
        peer->send(share_request(r.wanted));
}

// ---------------------------------------------------------------- chain thread

Node::Ingest Node::ingest(const std::vector<p2p::WrappedShare>& shares, Source source) {
    Ingest r;
    std::set<chain::ShareId> batch;  // added by this call: whose sender is known
    for (std::size_t i = 0; i < shares.size(); ++i) {
        const auto& ws = shares[i];
        auto v = verify_share(net_, ws, tracker_, saturate_cast<std::uint64_t>(now()));
        if (!v) {
            const RulePolicy& broke = rule_policy(v.error().rule);
            metrics_.inc("sharemsg_shares_rejected_total",
                         std::string("rule=\"") + broke.name + "\"");
            ++r.rejected;
            if (source != Source::peer) {
                spdlog::warn("share rejected ({}): {}",
                             source == Source::disk ? "share log" : "local", v.error().reason);
                continue;
            }
            // Reported once for the message, with the peer (report_shares).
            if (r.rejected == 1 || broke.score > rule_policy(r.rule).score) {
                r.rule = v.error().rule;
                r.reason = v.error().reason;
            }
            if (broke.bans) {
                r.unprocessed = shares.size() - i - 1;
                break;
            }
            continue;
        }
        if (tracker_.contains(v->hash)) continue;
        if (source != Source::disk) {
            auto saved = share_log_.append(share_log_body(ws));
            if (!saved) {
                spdlog::error("share {} not stored: {}; not accepted", short_hex(v->hash),
                              saved.error().reason);
                continue;
            }
        }
        tracker_.add(v->hash, v->prev, v->work, v->target, v->checked, net_.target(), v->payout);
        shares_.emplace(v->hash, *v);
        batch.insert(v->hash);
        // Pending shares this one let be checked, and found too easy (or otherwise off the
        // chain's rule): gone with their descendants. The sender is penalized when the share
        // came in this message; one received earlier is only logged and counted.
        for (const auto& bad : tracker_.take_rejected()) {
            const Rule rule = bad.rule;
            const std::string& reason = bad.reason;
            metrics_.inc("sharemsg_shares_rejected_total",
                         std::string("rule=\"") + rule_policy(rule).name + "\"");
            for (const auto& gone : bad.removed)
                shares_.erase(gone);
            if (source == Source::peer && batch.count(bad.hash)) {
                ++r.rejected;
                if (r.rejected == 1 || rule_policy(rule).score > rule_policy(r.rule).score) {
                    r.rule = rule;
                    r.reason = reason;
                }
            } else {
                spdlog::warn("pending share {} rejected ({} removed with it): {}",
                             short_hex(bad.hash), bad.removed.size() - 1, reason);
            }
        }
        metrics_.inc("sharemsg_shares_accepted_total", source == Source::local ? "source=\"local\""
                                                       : source == Source::disk
                                                           ? "source=\"disk\""
                                                           : "source=\"peer\"");
        ++r.accepted;
        r.accepted_ids.push_back(v->hash);
        // Only a share whose difficulty was checked: a pending one may yet prove invalid, and
        // peers that can check it would count relaying it as misbehaviour.
        if (v->checked) r.to_relay.push_back(ws);
        spdlog::debug("share {} accepted (height {}, {} bytes of message_data)", short_hex(v->hash),
                      tracker_.height(v->hash), v->message_data.size());
    }
    if (r.accepted) {
        apply_best_chain();
        prune_shares();
    }
    share_count_ = tracker_.size();
    update_sync(r.accepted);
    for (const auto& p : tracker_.missing_parents())
        r.wanted.push_back(p);
    return r;
}

void Node::update_sync(std::size_t accepted) {
    const auto tip = tracker_.most_work();
    const auto best = tracker_.best();
    const std::size_t known = tip ? tracker_.height(*tip) : 0;
    const std::size_t verified = best ? tracker_.checked_run(*best, net_.p2p.chain_length) : 0;
    const bool rooted = best && tracker_.get(*best)->rooted;
    const std::string line = sync_.update(known, verified, rooted, accepted, now());
    if (!line.empty()) spdlog::info("{}", line);
    const auto snap = sync_.snapshot();
    metrics_.set("sharemsg_sync_shares_known", "", static_cast<double>(snap.known));
    metrics_.set("sharemsg_sync_shares_needed", "", static_cast<double>(snap.needed));
    metrics_.set("sharemsg_sync_shares_verified", "", static_cast<double>(snap.verified));
    metrics_.set("sharemsg_sync_caught_up", "", snap.caught_up ? 1 : 0);
}

void Node::prune_shares() {
    // Keep twice the window the node reads (the ledger, the store and the outbox look at
    // chain_length shares), and prune in batches of at least half that.
    const std::size_t keep = 2 * net_.p2p.chain_length;
    if (tracker_.size() < keep + keep / 2) return;
    const std::size_t dropped = tracker_.prune(keep);
    if (dropped == 0) return;
    for (auto it = shares_.begin(); it != shares_.end();)
        it = tracker_.contains(it->first) ? std::next(it) : shares_.erase(it);
    if (open_chain_)
        open_chain_->retain([&](const proto::ShareHash& h) {
            chain::ShareId id{};
            std::copy(h.begin(), h.end(), id.begin());
            return tracker_.contains(id);
        });
    metrics_.inc("sharemsg_shares_pruned_total", "", static_cast<double>(dropped));
    spdlog::debug("pruned {} old shares; {} kept", dropped, shares_.size());
    // The share log keeps what the tracker keeps: rewritten once it holds half a window more
    // (so at most once per keep / 2 shares appended).
    if (share_log_.records() < shares_.size() + keep / 2) return;
    std::vector<const ShareView*> kept;
    kept.reserve(shares_.size());
    for (const auto& [id, v] : shares_)
        kept.push_back(&v);
    std::sort(kept.begin(), kept.end(), [&](const ShareView* a, const ShareView* b) {
        return tracker_.height(a->hash) < tracker_.height(b->hash);  // parents first
    });
    std::vector<Bytes> bodies;
    bodies.reserve(kept.size());
    for (const auto* v : kept)
        bodies.push_back(share_log_body(v->wire));
    const std::size_t before = share_log_.records();
    if (auto st = share_log_.rewrite(bodies); !st) {
        spdlog::warn("share log not compacted: {}", st.error().reason);
        return;
    }
    metrics_.inc("sharemsg_share_log_compactions_total");
    spdlog::info("share log compacted: {} records, was {}", bodies.size(), before);
}

void Node::apply_best_chain() {
    auto best = tracker_.best();
    {
        std::lock_guard lk(best_mutex_);
        best_ = best;
    }
    if (!best) return;
    const std::size_t shown = net_.p2p.chain_length;
    // The shown window, and for the open profile as much below it as the verdicts of its
    // oldest shares look at.
    const auto chain = tracker_.chain(*best, open_chain_ ? shown + open_window() - 1 : shown);
    const std::vector<chain::ShareId> window(
        chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(std::min(shown, chain.size())));
    std::set<chain::ShareId> active(window.begin(), window.end());
    if (relay_ || gossip_ || mailbox_) {
        std::set<relay::MasterHash> payouts;
        for (const auto& id : window)
            payouts.insert(shares_.at(id).pubkey_hash);
        if (relay_) relay_->set_window(payouts);
        if (mailbox_) mailbox_->set_window(payouts);
        if (gossip_) gossip_->set_window(payouts);
    }
    // Verdicts, signature checks and decryption happen before the store is locked.
    std::vector<proto::ShareMessage> open_msgs;
    if (open_chain_) open_msgs = judge_open(chain, shown);
    const double t = now();
    std::unique_lock lk(store_mutex_);
    // Oldest first, so that key announcements precede the messages signed with them.
    for (auto it = window.rbegin(); it != window.rend(); ++it) {
        if (applied_.count(*it)) continue;
        applied_.insert(*it);
        const ShareView& s = shares_.at(*it);
        if (s.messages.empty()) continue;
        const std::string sender =
            proto::p2pkh_address_from_hash160(s.pubkey_hash, net_.address_version);
        const auto n = store_->add_verified_share_messages(*it, sender, s.messages, t);
        if (n) {
            metrics_.inc("sharemsg_messages_stored_total", "", static_cast<double>(n));
            spdlog::info("share {}: {} message(s) stored", short_hex(*it), n);
        }
    }
    bool dropped = false;
    for (auto it = applied_.begin(); it != applied_.end();) {
        if (!active.count(*it)) {
            it = applied_.erase(it);
            dropped = true;
        } else {
            ++it;
        }
    }
    std::erase_if(open_applied_, [&](const chain::ShareId& id) { return !active.count(id); });
    if (dropped) store_->prune_by_sharechain(active);
    std::size_t stored = 0;
    for (auto& m : open_msgs)
        stored += store_->add_local_message(std::move(m), t);
    if (stored) metrics_.inc("sharemsg_messages_stored_total", "", static_cast<double>(stored));
    flush_published();
    metrics_.set("sharemsg_messages", "", static_cast<double>(store_->size()));
    metrics_.set("sharemsg_best_height", "", static_cast<double>(tracker_.height(*best)));
    lk.unlock();
    if (open_chain_) outbox_->on_best_chain(chain_view(window), *open_chain_);
}

Outbox::ChainView Node::chain_view(const std::vector<chain::ShareId>& window) const {
    auto depths = std::make_shared<std::map<chain::ShareId, std::size_t>>();
    for (std::size_t i = 0; i < window.size(); ++i)
        depths->emplace(window[i], i);
    const auto best = tracker_.best();
    const std::size_t best_height = best ? tracker_.height(*best) : 0;
    Outbox::ChainView v;
    v.depth = [depths](const chain::ShareId& id) -> std::optional<std::size_t> {
        auto it = depths->find(id);
        if (it == depths->end()) return std::nullopt;
        return it->second;
    };
    v.recent = [this, best_height, n = window.size()](const chain::ShareId& id) {
        return tracker_.contains(id) && tracker_.height(id) + n > best_height;
    };
    return v;
}

std::vector<proto::ShareMessage> Node::judge_open(const std::vector<chain::ShareId>& chain,
                                                  std::size_t show) {
    static const proto::open::Envelope kNone;
    std::vector<proto::open::ChainLink> links;
    links.reserve(chain.size());
    for (const auto& id : chain) {
        const ShareView& s = shares_.at(id);
        proto::open::ChainLink l;
        std::copy(id.begin(), id.end(), l.share.share_hash.begin());
        l.share.height = tracker_.height(id);
        l.share.payout_pubkey_hash = s.pubkey_hash;
        l.share.share_timestamp = s.timestamp;
        l.envelope = s.open ? &*s.open : &kNone;
        links.push_back(l);
    }
    const auto* oldest = tracker_.get(chain.back());
    const bool rooted = oldest && !oldest->prev;
    const auto followed = open_chain_->follow(links, rooted, show);
    if (followed.waiting)
        spdlog::debug("open profile: {} shares wait for the rest of their window",
                      followed.waiting);
    // The key registry is mirrored to the database: a key when a verdict registers it, and
    // again when a rotation revokes it.
    auto save_key = [&](const proto::open::KeyEntry& k) {
        store::SigningKeyRow row;
        row.address = k.address;
        row.signing_id = k.signing_id;
        row.info.key_index = k.key_index;
        row.info.pubkey = k.pubkey;
        row.info.first_seen = k.first_seen_time;
        row.info.share_hash = k.first_seen_share;
        row.info.revoked = k.revoked;
        db_->enqueue(store::PutSigningKey{row}, {});
    };
    const proto::open::Ledger& tip = open_chain_->tip();
    for (const auto& h : followed.judged) {
        const auto& r = *open_chain_->verdict(h);
        metrics_.inc("sharemsg_open_shares_judged_total");
        if (r.registered) save_key(*r.registered);
        for (const auto& revoked_id : r.revoked)
            if (auto k = tip.key(revoked_id)) save_key(*k);
        if (r.sacrifice_credited) metrics_.inc("sharemsg_open_sacrifice_credits_total");
        if (r.ignored.total() == 0) continue;
        // One line per share: what it carried that every node ignores, and why.
        std::string why;
        for (std::size_t k = 0; k < proto::open::IGNORED_KINDS; ++k) {
            if (!r.ignored.n[k]) continue;
            const char* name = proto::open::ignored_name(static_cast<proto::open::Ignored>(k));
            metrics_.inc("sharemsg_open_ignored_total", std::string("reason=\"") + name + "\"",
                         static_cast<double>(r.ignored.n[k]));
            why += (why.empty() ? "" : ", ") + std::string(name) + " " +
                   std::to_string(r.ignored.n[k]);
        }
        spdlog::info("share {}: ignored {} item(s): {}", to_hex(h).substr(0, 16), r.ignored.total(),
                     why);
        for (const auto& note : r.notes)
            spdlog::debug("share {}: {}", to_hex(h).substr(0, 16), note);
    }
    {
        auto keys = tip.keys();
        for (auto& k : tip.unbound_keys())
            keys.push_back(std::move(k));
        std::lock_guard kl(open_keys_mutex_);
        open_keys_ = std::move(keys);
    }
    // The messages of shown shares not stored yet, oldest share first (announcements and
    // their messages in chain order).
    std::vector<proto::ShareMessage> out;
    for (std::size_t i = std::min(show, chain.size()); i-- > 0;) {
        const auto& id = chain[i];
        if (open_applied_.count(id)) continue;
        proto::ShareHash sh{};
        std::copy(id.begin(), id.end(), sh.begin());
        const auto* v = open_chain_->verdict(sh);
        if (!v) continue;  // its window is not all known yet
        open_applied_.insert(id);
        for (auto m : v->messages) {
            if (m.recipient) {
                // Private: the plaintext when this node holds the recipient's (or the
                // sender's) key, "[encrypted]" for everyone else.
                const auto mine = keys_.key_for(m);
                m.payload = proto::open::display_payload(
                    m, mine ? &*mine : nullptr, net_.network_id(),
                    [&](const proto::SigningId& party) -> std::optional<crypto::CompressedPubKey> {
                        if (auto p = v->parties.find(party); p != v->parties.end())
                            return p->second;
                        if (auto k = tip.key(party)) return k->pubkey;
                        return std::nullopt;
                    });
                if (mine && *m.recipient == mine->signing_id())
                    metrics_.inc("sharemsg_private_messages_received_total");
            }
            out.push_back(std::move(m));
        }
        if (!v->messages.empty())
            spdlog::info("share {}: {} open-profile message(s) delivered", short_hex(id),
                         v->messages.size());
    }
    return out;
}

void Node::schedule_mining() {
    // Each interval is drawn uniformly from [0.5, 1.5] x the share period, as proof of work
    // finds shares at random times. A fixed beat would let two nodes started together mine in
    // lockstep: every share of one would tie with a share of the other, each node would keep
    // its own (first seen), and their chains would never join.
    const double jitter = 0.5 + static_cast<double>(random_u64() >> 11) * 0x1p-53;
    mine_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(cfg_.share_period * jitter)));
    mine_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        chain_guard_.run("mine", [this] { mine_tick(); });
        schedule_mining();
    });
}

void Node::mine_tick() {
    std::optional<ShareView> prev;
    if (auto b = tracker_.best()) prev = shares_.at(*b);
    const bool sacrifice = sacrifice_turn();
    Outbox::Built built = next_message_data(sacrifice);
    auto share = mine_share(net_, tracker_, prev, sacrifice ? sacrifice_hashes_.front() : payout_,
                            built.message_data, saturate_cast<std::uint32_t>(now()), random_u64(),
                            kMaxMineAttempts);
    if (!share) {
        spdlog::warn("mining failed: {}", share.error().reason);
        return;
    }
    auto r = ingest({*share}, Source::local);
    if (r.accepted) {
        ++mined_;
        if (sacrifice) metrics_.inc("sharemsg_sacrifice_shares_mined_total");
        if (const std::size_t n = outbox_->on_mined(r.accepted_ids.front(), built.carried)) {
            if (auto st = keys_.count_signed(n)) save_key_state(*st);
            // What the share's own verdict made of them (judged when it was ingested).
            if (open_chain_) {
                const auto window = tracker_.chain(*tracker_.best(), net_.p2p.chain_length);
                outbox_->on_best_chain(chain_view(window), *open_chain_);
            }
        }
        metrics_.inc("sharemsg_shares_mined_total");
        boost::asio::post(io_, [this, s = *share] { broadcast(p2p::Shares{{s}}, 0); });
    }
}

void Node::answer_sharereq(const std::shared_ptr<Peer>& peer, const p2p::ShareReq& req,
                           WorkTicket ticket) {
    if (peer->doomed()) return;
    // No reply larger than a peer's frame budget is built (node/share_reply.hpp).
    auto built = build_share_reply(
        req, tracker_,
        [this](const chain::ShareId& id) -> const p2p::WrappedShare* {
            auto it = shares_.find(id);
            return it == shares_.end() ? nullptr : &it->second.wire;
        },
        peer_limits().max_frame_payload);
    metrics_.inc("sharemsg_sharereq_answered_total",
                 built.reply.result == p2p::sharereply_result::good ? "result=\"good\""
                                                                    : "result=\"too_long\"");
    spdlog::debug(
        "{}: sharereq for {} hashes ({} distinct), {} parents each: {} shares, {} bytes{}",
        peer->label(), req.hashes.size(), built.unique_hashes, built.parents,
        built.reply.shares.size(), built.payload_bytes,
        built.reply.result == p2p::sharereply_result::good ? "" : " (too long)");
    boost::asio::post(
        io_, [peer, reply = std::move(built.reply), t = std::move(ticket)] { peer->send(reply); });
}

}  // namespace sharemsg::node
