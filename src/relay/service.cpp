#include "relay/service.hpp"

#include <cmath>
#include <sstream>

#include "proto/open_envelope.hpp"

namespace sharemsg::relay {

namespace {

using J = nlohmann::ordered_json;

// Details may quote outside bytes that are not UTF-8: they are replaced, never thrown on.
std::string dump(const J& j) {
    return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

Answer json_answer(unsigned status, const J& j) {
    return {status, dump(j), 0};
}

std::string label(const char* endpoint, const char* result) {
    return std::string("{endpoint=\"") + endpoint + "\",result=\"" + result + "\"}";
}

}  // namespace

// ---- PayoutWindow ------------------------------------------------------------------------------

void PayoutWindow::replace(std::set<MasterHash> payouts) {
    auto next = std::make_shared<const std::set<MasterHash>>(std::move(payouts));
    std::lock_guard lk(mu_);
    set_ = std::move(next);
}

bool PayoutWindow::contains(const MasterHash& h) const {
    std::lock_guard lk(mu_);
    return set_->count(h) > 0;
}

std::size_t PayoutWindow::size() const {
    std::lock_guard lk(mu_);
    return set_->size();
}

Answer problem_answer(const Failure& f, unsigned retry_after) {
    J j;
    j["error"] = problem_name(f.problem);
    j["detail"] = f.detail;
    if (retry_after) j["retry_after"] = retry_after;
    return {problem_status(f.problem), dump(j), retry_after};
}

// ---- Service -----------------------------------------------------------------------------------

Service::Service(ServiceOptions opts, std::unique_ptr<RelayStore> store, Clock clock)
    : opts_(std::move(opts)),
      store_(std::move(store)),
      clock_(std::move(clock)),
      by_source_(opts_.rate_per_minute),
      by_identity_(opts_.rate_per_minute),
      signals_(opts_.signals) {}

Service::~Service() {
    stop();
}

void Service::start() {
    if (worker_.running()) return;
    sweep();
    worker_.start();
}

void Service::stop() {
    worker_.stop();
}

std::size_t Service::queue_depth() const {
    return worker_.depth();
}

void Service::sweep() {
    const auto now = static_cast<std::uint64_t>(clock_());
    auto n = store_->sweep(now, opts_.skew);
    if (n) {
        count("sharemsg_relay_swept_total", static_cast<double>(*n));
    } else {
        count("sharemsg_relay_storage_errors_total");
    }
    if (auto live = store_->live_count(now))
        gauge("sharemsg_relay_entries", static_cast<double>(*live));
    gauge("sharemsg_relay_window_payouts", static_cast<double>(window_.size()));
    signals_.sweep(clock_());
    gauge_signals();
}

void Service::submit(const char* endpoint, const std::string& source, const AnswerFn& done,
                     Job job) {
    unsigned retry = 0;
    if (!by_source_.take(source, clock_(), retry)) {
        count("sharemsg_relay_rate_limited_total{by=\"source\"}");
        return done(refuse(endpoint,
                           fail(Problem::rate_limited, "this address sent more than " +
                                                           std::to_string(opts_.rate_per_minute) +
                                                           " requests a minute"),
                           retry));
    }
    // A job that throws answers 500 and the worker goes on.
    if (worker_.post([this, endpoint, done, job = std::move(job)] {
            try {
                job();
            } catch (const std::exception& e) {
                count("sharemsg_relay_requests_total" + label(endpoint, "internal_error"));
                done({500, dump(J{{"error", "internal_error"}, {"detail", e.what()}}), 0});
            }
        }))
        return;
    done(refuse(endpoint, fail(Problem::busy, "the relay has too many requests waiting")));
}

Answer Service::refuse(const char* endpoint, const Failure& f, unsigned retry_after) {
    count("sharemsg_relay_requests_total" + label(endpoint, problem_name(f.problem)));
    return problem_answer(f, retry_after);
}

void Service::post_register(std::string body, const std::string& source, AnswerFn done) {
    submit("register", source, done,
           [this, body = std::move(body), done] { done(do_register(body)); });
}

void Service::lookup(LookupBy by, std::string network, std::string id, const std::string& source,
                     AnswerFn done) {
    submit(by == LookupBy::miner ? "miner" : "lookup", source, done,
           [this, by, network = std::move(network), id = std::move(id), done] {
               done(do_lookup(by, network, id));
           });
}

void Service::post_allow(std::string body, const std::string& source, AnswerFn done) {
    submit("allow", source, done, [this, body = std::move(body), done] { done(do_allow(body)); });
}

void Service::allow_list(const std::string& source, AnswerFn done) {
    submit("allow_list", source, done, [this, done] {
        auto list = store_->allow_list(opts_.network);
        if (!list) return done(refuse("allow_list", fail(Problem::storage, list.error().reason)));
        J j;
        j["network"] = to_hex(opts_.network);
        j["admin_pubkey"] = opts_.admin_pubkey ? J(to_hex(*opts_.admin_pubkey)) : J();
        J a = J::array();
        for (const auto& h : *list)
            a.push_back(to_hex(h));
        j["allowed"] = std::move(a);
        count("sharemsg_relay_requests_total" + label("allow_list", "ok"));
        done(json_answer(200, j));
    });
}

void Service::health(AnswerFn done) {
    J j;
    j["status"] = "ok";
    j["network"] = to_hex(opts_.network);
    j["backend"] = store_->backend();
    {
        std::lock_guard lk(metrics_mu_);
        auto it = gauges_.find("sharemsg_relay_entries");
        j["entries"] = it == gauges_.end() ? 0.0 : it->second;
    }
    j["window_payouts"] = window_.size();
    j["allow_list_admin"] = opts_.admin_pubkey ? J(to_hex(*opts_.admin_pubkey)) : J();
    j["queue"] = queue_depth();
    j["ttl"] = opts_.ttl;
    j["skew"] = opts_.skew;
    j["rate_per_minute"] = opts_.rate_per_minute;
    done(json_answer(200, j));
}

Answer Service::do_register(const std::string& body) {
    constexpr const char* ep = "register";
    auto reg = decode_registration(body);
    if (!reg) return refuse(ep, reg.failure());
    const Registration& r = *reg;
    if (r.network != opts_.network)
        return refuse(
            ep, fail(Problem::wrong_network, "this relay serves network " + to_hex(opts_.network) +
                                                 ", not " + to_hex(r.network)));
    const double now = clock_();
    const double skew = std::fabs(static_cast<double>(r.timestamp) - now);
    if (skew > static_cast<double>(opts_.skew))
        return refuse(ep, fail(Problem::stale, "timestamp " + std::to_string(r.timestamp) + " is " +
                                                   std::to_string(static_cast<long long>(skew)) +
                                                   " s from the relay's clock (at most " +
                                                   std::to_string(opts_.skew) + ")"));
    if (!signature_ok(r))
        return refuse(
            ep, fail(Problem::bad_signature, "signature: does not verify under signing_pubkey"));
    if (!delegation_ok(r))
        return refuse(ep, fail(Problem::bad_delegation,
                               "delegation: the master key did not delegate this signing key "
                               "and index on this network"));
    unsigned retry = 0;
    if (auto f = take_identity(r.signing_id(), now, retry, "registrations"))
        return refuse(ep, *f, retry);
    if (auto f = authorize(r.master_hash())) return refuse(ep, *f);
    const auto received = static_cast<std::uint64_t>(now);
    Entry e{r, received, received + opts_.ttl};
    auto put = store_->put(e);
    if (!put) {
        count("sharemsg_relay_storage_errors_total");
        return refuse(ep, fail(Problem::storage, put.error().reason));
    }
    switch (*put) {
        case RelayStore::Put::not_newer:
            return refuse(ep, fail(Problem::replayed,
                                   "the relay holds a registration of this identity with the "
                                   "same or a newer timestamp"));
        case RelayStore::Put::key_revoked:
            return refuse(ep, fail(Problem::key_revoked,
                                   "a newer key index of this master key is registered: key "
                                   "index " +
                                       std::to_string(r.key_index) + " was rotated away"));
        case RelayStore::Put::stored:
            break;
    }
    count("sharemsg_relay_requests_total" + label(ep, "stored"));
    J j;
    j["status"] = "stored";
    j["signing_id"] = to_hex(r.signing_id());
    j["expires"] = e.expires;
    return json_answer(200, j);
}

Answer Service::do_lookup(LookupBy by, const std::string& network, const std::string& id) {
    const char* ep = by == LookupBy::miner ? "miner" : "lookup";
    auto net = proto::open::parse_network_id(network);
    if (!net)
        return refuse(ep,
                      fail(Problem::bad_network, "network: need 16 hex digits (or devnet), got \"" +
                                                     network.substr(0, 32) + "\""));
    if (*net != opts_.network)
        return refuse(
            ep, fail(Problem::wrong_network, "this relay serves network " + to_hex(opts_.network)));
    crypto::Hash160 h{};
    if (id.size() == 40) {
        auto parsed = from_hex_fixed<20>(id);
        if (!parsed) return refuse(ep, fail(Problem::bad_field, "id: not hex"));
        h = *parsed;
    } else if (id.size() == 66 && by == LookupBy::identity) {
        auto k = from_hex_fixed<33>(id);
        if (!k || !crypto::parse_pubkey(*k))
            return refuse(ep, fail(Problem::bad_pubkey, "id: not a compressed secp256k1 point"));
        h = crypto::hash160(*k);
    } else {
        return refuse(ep, fail(Problem::bad_field,
                               by == LookupBy::miner
                                   ? "id: need a master pubkey's HASH160 (40 hex digits)"
                                   : "id: need a signing id (40 hex digits) or a signing pubkey "
                                     "(66)"));
    }
    const auto now = static_cast<std::uint64_t>(clock_());
    auto got =
        by == LookupBy::miner ? store_->get_by_master(*net, h, now) : store_->get(*net, h, now);
    if (!got) {
        count("sharemsg_relay_storage_errors_total");
        return refuse(ep, fail(Problem::storage, got.error().reason));
    }
    if (!*got)
        return refuse(ep, fail(Problem::not_found, std::string("no live registration of ") +
                                                       (by == LookupBy::miner ? "the miner " : "") +
                                                       to_hex(h) + " on this relay"));
    count("sharemsg_relay_requests_total" + label(ep, "found"));
    return {200, encode_entry(**got), 0};
}

Answer Service::do_allow(const std::string& body) {
    constexpr const char* ep = "allow";
    if (!opts_.admin_pubkey)
        return refuse(
            ep, fail(Problem::no_admin_key, "this relay was started without --relay-admin-pubkey"));
    auto change = decode_allow_change(body);
    if (!change) return refuse(ep, change.failure());
    const AllowChange& c = *change;
    if (c.network != opts_.network)
        return refuse(
            ep, fail(Problem::wrong_network, "this relay serves network " + to_hex(opts_.network)));
    const double now = clock_();
    if (std::fabs(static_cast<double>(c.timestamp) - now) > static_cast<double>(opts_.skew))
        return refuse(ep, fail(Problem::stale, "timestamp outside the freshness window"));
    if (!signature_ok(c, *opts_.admin_pubkey))
        return refuse(ep, fail(Problem::bad_signature,
                               "signature: does not verify under the relay's admin key"));
    auto applied = store_->set_allowed(c.network, c.master_hash, c.allow, c.timestamp);
    if (!applied) {
        count("sharemsg_relay_storage_errors_total");
        return refuse(ep, fail(Problem::storage, applied.error().reason));
    }
    if (*applied == RelayStore::Change::not_newer)
        return refuse(ep, fail(Problem::replayed,
                               "a change of this master hash with the same or a newer timestamp "
                               "was applied"));
    count("sharemsg_relay_requests_total" + label(ep, "applied"));
    J j;
    j["status"] = "applied";
    j["master_hash"] = to_hex(c.master_hash);
    j["allowed"] = c.allow;
    return json_answer(200, j);
}

std::optional<Failure> Service::take_identity(const SigningId& id, double now, unsigned& retry,
                                              const char* what) {
    if (by_identity_.take(to_hex(id), now, retry)) return std::nullopt;
    count("sharemsg_relay_rate_limited_total{by=\"identity\"}");
    return fail(Problem::rate_limited, "this identity sent more than " +
                                           std::to_string(opts_.rate_per_minute) + " " + what +
                                           " a minute");
}

std::optional<Failure> Service::authorize(const MasterHash& master) {
    if (window_.contains(master)) return std::nullopt;
    auto allowed = store_->allowed(opts_.network, master);
    if (!allowed) return fail(Problem::storage, allowed.error().reason);
    if (*allowed) return std::nullopt;
    return fail(Problem::unauthorized, "master key " + to_hex(master) +
                                           " (HASH160) is paid by no share in the relay's "
                                           "window and is not on its allow list");
}

void Service::count(const std::string& series, double by) {
    std::lock_guard lk(metrics_mu_);
    counters_[series] += by;
}

void Service::gauge(const std::string& series, double value) {
    std::lock_guard lk(metrics_mu_);
    gauges_[series] = value;
}

std::string Service::metrics_text() const {
    std::ostringstream out;
    std::lock_guard lk(metrics_mu_);
    std::string last;
    const auto emit = [&](const std::map<std::string, double>& m, const char* type) {
        for (const auto& [series, v] : m) {
            const std::string name = series.substr(0, series.find('{'));
            if (name != last) out << "# TYPE " << name << " " << type << "\n";
            last = name;
            out << series << " " << v << "\n";
        }
    };
    emit(counters_, "counter");
    emit(gauges_, "gauge");
    out << "# TYPE sharemsg_relay_queue_depth gauge\nsharemsg_relay_queue_depth " << queue_depth()
        << "\n";
    return out.str();
}

}  // namespace sharemsg::relay
