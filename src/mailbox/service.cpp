#include "mailbox/service.hpp"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sharemsg::mailbox {

namespace {

using J = nlohmann::ordered_json;
using relay::fail;
using relay::problem_answer;

std::string dump(const J& j) {
    return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

std::string label(const char* endpoint, const char* result) {
    return std::string("{endpoint=\"") + endpoint + "\",result=\"" + result + "\"}";
}

constexpr const char* kRequests = "sharemsg_mailbox_requests_total";

}  // namespace

// ---- Challenges --------------------------------------------------------------------------------

std::pair<Challenge, std::uint64_t> Challenges::issue(std::uint64_t now) {
    Challenge c{};
    const Bytes r = crypto::random_bytes(c.size());
    std::copy(r.begin(), r.end(), c.begin());
    const std::uint64_t expires = now + ttl_;
    std::lock_guard lk(mu_);
    while (live_.size() >= max_ && !order_.empty()) {
        live_.erase(order_.front());
        order_.pop_front();
    }
    live_[c] = expires;
    order_.push_back(c);
    return {c, expires};
}

bool Challenges::consume(const Challenge& c, std::uint64_t now) {
    std::lock_guard lk(mu_);
    auto it = live_.find(c);
    if (it == live_.end()) return false;
    const bool live = it->second > now;
    live_.erase(it);
    return live;
}

void Challenges::sweep(std::uint64_t now) {
    std::lock_guard lk(mu_);
    std::erase_if(live_, [now](const auto& kv) { return kv.second <= now; });
    // The order keeps only what is still live, so that it stays as bounded as the map.
    std::erase_if(order_, [this](const Challenge& c) { return !live_.count(c); });
}

std::size_t Challenges::size() const {
    std::lock_guard lk(mu_);
    return live_.size();
}

// ---- Service: threads --------------------------------------------------------------------------

Service::Service(ServiceOptions opts, std::unique_ptr<MailboxStore> store, Clock clock)
    : opts_(std::move(opts)),
      store_(std::move(store)),
      backend_(store_->backend()),
      clock_(std::move(clock)),
      by_source_(opts_.rate_per_minute),
      by_identity_(opts_.rate_per_minute),
      challenges_(opts_.max_challenges, opts_.challenge_ttl) {}

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
    const std::uint64_t before = now > opts_.message_ttl ? now - opts_.message_ttl : 0;
    if (auto s = store_->sweep(now, before)) {
        count("sharemsg_mailbox_swept_total{what=\"nonces\"}", static_cast<double>(s->nonces));
        count("sharemsg_mailbox_swept_total{what=\"registrations\"}",
              static_cast<double>(s->registrations));
        count("sharemsg_mailbox_swept_total{what=\"messages\"}", static_cast<double>(s->messages));
    } else {
        count("sharemsg_mailbox_storage_errors_total");
    }
    challenges_.sweep(now);
    refresh_totals(true);
}

void Service::refresh_totals(bool now_please) {
    const double now = clock_();
    if (!now_please && now - totals_at_ < 1) return;
    totals_at_ = now;
    auto t = store_->totals(static_cast<std::uint64_t>(now));
    if (!t) return count("sharemsg_mailbox_storage_errors_total");
    gauge("sharemsg_mailbox_stored_messages", static_cast<double>(t->messages));
    gauge("sharemsg_mailbox_stored_bytes", static_cast<double>(t->bytes));
    gauge("sharemsg_mailbox_registered", static_cast<double>(t->registered));
}

void Service::submit(const char* endpoint, const std::string& source, const AnswerFn& done,
                     Job job) {
    unsigned retry = 0;
    if (!by_source_.take(source, clock_(), retry)) {
        count("sharemsg_mailbox_rate_limited_total{by=\"source\"}");
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
                count(kRequests + label(endpoint, "internal_error"));
                done({500, dump(J{{"error", "internal_error"}, {"detail", e.what()}}), 0});
            }
        }))
        return;
    done(refuse(endpoint, fail(Problem::busy, "the mailbox has too many requests waiting")));
}

Answer Service::refuse(const char* endpoint, const Failure& f, unsigned retry_after) {
    count(kRequests + label(endpoint, problem_name(f.problem)));
    return problem_answer(f, retry_after);
}

Answer Service::ok(const char* endpoint, const char* result, unsigned status, std::string body) {
    count(kRequests + label(endpoint, result));
    return {status, std::move(body), 0};
}

void Service::count(const std::string& series, double by) {
    std::lock_guard lk(metrics_mu_);
    counters_[series] += by;
}

void Service::gauge(const std::string& series, double value) {
    std::lock_guard lk(metrics_mu_);
    gauges_[series] = value;
}

std::string Service::metrics_text(std::size_t subscribers) const {
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
    out << "# TYPE sharemsg_mailbox_subscribers gauge\nsharemsg_mailbox_subscribers " << subscribers
        << "\n";
    out << "# TYPE sharemsg_mailbox_queue_depth gauge\nsharemsg_mailbox_queue_depth "
        << queue_depth() << "\n";
    out << "# TYPE sharemsg_mailbox_challenges gauge\nsharemsg_mailbox_challenges "
        << challenges_.size() << "\n";
    return out.str();
}

// ---- Service: endpoints ------------------------------------------------------------------------

void Service::challenge(const std::string& source, AnswerFn done) {
    unsigned retry = 0;
    if (!by_source_.take(source, clock_(), retry)) {
        count("sharemsg_mailbox_rate_limited_total{by=\"source\"}");
        return done(refuse("challenge",
                           fail(Problem::rate_limited, "this address sent more than " +
                                                           std::to_string(opts_.rate_per_minute) +
                                                           " requests a minute"),
                           retry));
    }
    auto [c, expires] = challenges_.issue(static_cast<std::uint64_t>(clock_()));
    J j;
    j["challenge"] = to_hex(c);
    j["expires"] = expires;
    done(ok("challenge", "issued", 200, dump(j)));
}

void Service::post_register(std::string body, const std::string& source, AnswerFn done) {
    submit("register", source, done,
           [this, body = std::move(body), done] { done(do_register(body)); });
}

void Service::post_send(std::string body, const std::string& source, AnswerFn done) {
    submit("send", source, done, [this, body = std::move(body), done] { done(do_send(body)); });
}

void Service::post_get(std::string body, const std::string& source, AnswerFn done) {
    submit("get", source, done, [this, body = std::move(body), done] { done(do_get(body)); });
}

void Service::post_ack(std::string body, const std::string& source, AnswerFn done) {
    submit("ack", source, done, [this, body = std::move(body), done] { done(do_ack(body)); });
}

void Service::post_subscribe(std::string body, const std::string& source, SubscribeFn done) {
    submit(
        "subscribe", source, [done](Answer a) { done(std::move(a)); },
        [this, body = std::move(body), done] { done(do_subscribe(body)); });
}

void Service::health(const std::string& source, AnswerFn done) {
    // On the worker, after the totals are brought up to date: the gauges alone may lag the
    // last changes by up to a sweep interval.
    submit("health", source, done, [this, done] {
        refresh_totals(true);
        done(health_answer());
    });
}

Answer Service::health_answer() {
    J j;
    j["status"] = "ok";
    j["network"] = to_hex(opts_.network);
    j["backend"] = backend_;
    {
        std::lock_guard lk(metrics_mu_);
        const auto g = [&](const char* name) {
            auto it = gauges_.find(name);
            return it == gauges_.end() ? 0.0 : it->second;
        };
        j["registered"] = g("sharemsg_mailbox_registered");
        j["messages"] = g("sharemsg_mailbox_stored_messages");
        j["bytes"] = g("sharemsg_mailbox_stored_bytes");
    }
    j["window_payouts"] = window_.size();
    j["queue"] = queue_depth();
    j["quota_messages"] = opts_.quota.messages;
    j["quota_bytes"] = opts_.quota.bytes;
    j["message_ttl"] = opts_.message_ttl;
    j["registration_ttl"] = opts_.registration_ttl;
    j["rate_per_minute"] = opts_.rate_per_minute;
    return {200, dump(j), 0};
}

}  // namespace sharemsg::mailbox
