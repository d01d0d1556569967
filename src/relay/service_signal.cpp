// relay::Service's signaling endpoints (docs/relay.md, "Signaling"): POST /relay/signal and
// POST /relay/signal/poll. Like registrations, they are decoded and checked on the worker
// thread, which owns the signal box.
#include <cmath>

#include "relay/service.hpp"
#include "relay/signal.hpp"

namespace sharemsg::relay {

namespace {

using J = nlohmann::ordered_json;

std::string label(const char* endpoint, const char* result) {
    return std::string("{endpoint=\"") + endpoint + "\",result=\"" + result + "\"}";
}

}  // namespace

void Service::post_signal(std::string body, const std::string& source, AnswerFn done) {
    submit("signal", source, done, [this, body = std::move(body), done] { done(do_signal(body)); });
}

void Service::post_poll(std::string body, const std::string& source, AnswerFn done) {
    submit("signal_poll", source, done,
           [this, body = std::move(body), done] { done(do_poll(body)); });
}

void Service::gauge_signals() {
    count("sharemsg_relay_signals_expired_total",
          static_cast<double>(signals_.expired_since_asked()));
    gauge("sharemsg_relay_signals_pending", static_cast<double>(signals_.pending()));
    gauge("sharemsg_relay_signal_bytes", static_cast<double>(signals_.bytes()));
    gauge("sharemsg_relay_signal_digests", static_cast<double>(signals_.seen()));
}

Answer Service::do_signal(const std::string& body) {
    constexpr const char* ep = "signal";
    auto decoded = decode_signal(body);
    if (!decoded) return refuse(ep, decoded.failure());
    const Signal& s = *decoded;
    const double now = clock_();
    if (auto f = check_signal(s, opts_.network, now, static_cast<double>(opts_.skew)))
        return refuse(ep, *f);
    unsigned retry = 0;
    if (auto f = take_identity(s.sender_id(), now, retry, "requests")) return refuse(ep, *f, retry);
    if (auto f = authorize(s.master_hash())) return refuse(ep, *f);
    const auto put = signals_.put(s, body.size(), now);
    gauge_signals();
    switch (put) {
        case SignalBox::Put::stored:
        case SignalBox::Put::replaced:
            break;
        case SignalBox::Put::replayed:
            return refuse(ep, fail(Problem::replayed, "this signal was delivered already"));
        case SignalBox::Put::recipient_full:
            return refuse(
                ep,
                fail(Problem::queue_full, "the recipient has " +
                                              std::to_string(signals_.limits().per_recipient) +
                                              " signals pending"),
                signals_.retry_after(s.recipient, now));
        case SignalBox::Put::sender_full:
            return refuse(ep,
                          fail(Problem::queue_full,
                               "the recipient has " + std::to_string(signals_.limits().per_sender) +
                                   " signals of this sender pending"),
                          signals_.retry_after(s.recipient, now));
        case SignalBox::Put::full:
            return refuse(ep, fail(Problem::busy, "the relay holds as many signals as it may"));
    }
    const bool replaced = put == SignalBox::Put::replaced;
    count("sharemsg_relay_requests_total" + label(ep, replaced ? "replaced" : "stored"));
    J j;
    j["status"] = replaced ? "replaced" : "stored";
    j["recipient"] = to_hex(s.recipient);
    j["expires"] = static_cast<std::uint64_t>(now + signals_.limits().ttl);
    return {200, j.dump(), 0};
}

Answer Service::do_poll(const std::string& body) {
    constexpr const char* ep = "signal_poll";
    auto decoded = decode_poll(body);
    if (!decoded) return refuse(ep, decoded.failure());
    const SignalPoll& p = *decoded;
    if (p.network != opts_.network)
        return refuse(
            ep, fail(Problem::wrong_network, "this relay serves network " + to_hex(opts_.network)));
    const double now = clock_();
    const double skew = static_cast<double>(opts_.skew);
    if (std::fabs(static_cast<double>(p.timestamp) - now) > skew)
        return refuse(ep, fail(Problem::stale, "timestamp outside the freshness window"));
    if (!signature_ok(p))
        return refuse(
            ep, fail(Problem::bad_signature, "signature: does not verify under signing_pubkey"));
    if (!delegation_ok(p))
        return refuse(ep, fail(Problem::bad_delegation,
                               "delegation: the master key did not delegate this signing key "
                               "and index on this network"));
    unsigned retry = 0;
    if (auto f = take_identity(p.signing_id(), now, retry, "requests"))
        return refuse(ep, *f, retry);
    if (auto f = authorize(p.master_hash())) return refuse(ep, *f);
    switch (signals_.remember(poll_sighash(p), static_cast<double>(p.timestamp) + skew)) {
        case SignalBox::Seen::fresh:
            break;
        case SignalBox::Seen::replayed:
            return refuse(ep, fail(Problem::replayed, "this poll was answered already"));
        case SignalBox::Seen::full:
            return refuse(ep, fail(Problem::busy, "the relay remembers as many polls as it may"));
    }
    auto taken = signals_.take(p.signing_id(), now, skew);
    gauge_signals();
    count("sharemsg_relay_signals_delivered_total", static_cast<double>(taken.size()));
    count("sharemsg_relay_requests_total" + label(ep, "ok"));
    return {200, encode_poll_answer(taken), 0};
}

}  // namespace sharemsg::relay
