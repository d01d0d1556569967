#include "relay/signal.hpp"

#include <cmath>

#include "relay/streams.hpp"

namespace sharemsg::relay {

namespace {

using streams::Canonical;
using streams::decode_with;
using streams::J;
using streams::JsonIn;
using streams::JsonOut;

constexpr std::array<const char*, 2> kKindNames = {"offer", "answer"};
// A poll's answer holds what one recipient may have pending, with room to spare.
constexpr std::size_t kMaxAnswerSignals = 256;

template <class S, class T>
void describe_sender(S& s, T& v) {
    s.pubkey("signing_pubkey", v.signing_pubkey);
    s.u32("key_index", v.key_index);
    s.delegation("delegation", v.delegation);
}

template <class S, class T>
void describe_signal(S& s, T& v) {
    s.version("version", v.version);
    s.network("network", v.network);
    s.named("kind", v.kind, kKindNames);
    s.id16("session", v.session);
    describe_sender(s, v);
    s.hash("recipient", v.recipient);
    s.u64("timestamp", v.timestamp);
    s.flag("force_relay", v.force_relay);
    s.text("ufrag", v.ufrag, MIN_UFRAG, MAX_UFRAG);
    s.text("pwd", v.pwd, MIN_PWD, MAX_PWD);
    s.lines("candidates", v.candidates, MAX_CANDIDATES, MAX_CANDIDATE_LEN);
    s.signature("signature", v.signature);
}

template <class S, class T>
void describe_poll(S& s, T& v) {
    s.version("version", v.version);
    s.network("network", v.network);
    describe_sender(s, v);
    s.u64("timestamp", v.timestamp);
    s.id16("nonce", v.nonce);
    s.signature("signature", v.signature);
}

bool delegation_of(const crypto::CompressedPubKey& k, std::uint32_t index,
                   const proto::open::Delegation& d, const NetworkId& network) {
    proto::open::BoundAnnouncement a{k, index, d.master_pubkey, d.signature};
    return proto::open::verify_delegation(a, network);
}

}  // namespace

const char* signal_kind_name(SignalKind k) noexcept {
    const auto i = static_cast<std::size_t>(k);
    return i < kKindNames.size() ? kKindNames[i] : "unknown";
}

Checked<Signal> decode_signal(std::string_view json_text) {
    return decode_with<Signal>(json_text, [](JsonIn& in, Signal& s) { describe_signal(in, s); });
}

std::string encode_signal(const Signal& s) {
    JsonOut out;
    describe_signal(out, s);
    return out.j.dump();
}

Checked<SignalPoll> decode_poll(std::string_view json_text) {
    return decode_with<SignalPoll>(json_text,
                                   [](JsonIn& in, SignalPoll& p) { describe_poll(in, p); });
}

std::string encode_poll(const SignalPoll& p) {
    JsonOut out;
    describe_poll(out, p);
    return out.j.dump();
}

Checked<std::vector<Signal>> decode_poll_answer(std::string_view json_text) {
    const J j = J::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.size() != 1 || !j.contains("signals") ||
        !j["signals"].is_array())
        return fail(Problem::bad_json, "need {\"signals\": [...]}");
    const J& list = j["signals"];
    if (list.size() > kMaxAnswerSignals)
        return fail(Problem::bad_field,
                    "signals: at most " + std::to_string(kMaxAnswerSignals) + " in one answer");
    std::vector<Signal> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_object())
            return fail(Problem::bad_json, "signals[" + std::to_string(i) + "]: need an object");
        Signal s{};
        JsonIn in(list[i]);
        describe_signal(in, s);
        in.finish();
        if (!in.ok())
            return fail(in.failure().problem,
                        "signals[" + std::to_string(i) + "]." + in.failure().detail);
        out.push_back(std::move(s));
    }
    return out;
}

std::string encode_poll_answer(const std::vector<Signal>& signals) {
    J list = J::array();
    for (const auto& s : signals) {
        JsonOut out;
        describe_signal(out, s);
        list.push_back(std::move(out.j));
    }
    J j;
    j["signals"] = std::move(list);
    return j.dump();
}

Bytes canonical_bytes(const Signal& s) {
    Canonical c;
    describe_signal(c, s);
    return std::move(c.w).take();
}

Bytes canonical_bytes(const SignalPoll& p) {
    Canonical c;
    describe_poll(c, p);
    return std::move(c.w).take();
}

crypto::Hash256 signal_sighash(const Signal& s) {
    return crypto::tagged_hash(TAG_SIGNAL, canonical_bytes(s));
}

crypto::Hash256 poll_sighash(const SignalPoll& p) {
    return crypto::tagged_hash(TAG_POLL, canonical_bytes(p));
}

void sign(Signal& s, const crypto::PrivKey& signing_key) {
    s.signature = crypto::schnorr_sign(signing_key, signal_sighash(s));
}

void sign(SignalPoll& p, const crypto::PrivKey& signing_key) {
    p.signature = crypto::schnorr_sign(signing_key, poll_sighash(p));
}

bool signature_ok(const Signal& s) {
    return crypto::schnorr_verify(s.signing_pubkey, signal_sighash(s), s.signature);
}

bool signature_ok(const SignalPoll& p) {
    return crypto::schnorr_verify(p.signing_pubkey, poll_sighash(p), p.signature);
}

bool delegation_ok(const Signal& s) {
    return delegation_of(s.signing_pubkey, s.key_index, s.delegation, s.network);
}

bool delegation_ok(const SignalPoll& p) {
    return delegation_of(p.signing_pubkey, p.key_index, p.delegation, p.network);
}

std::optional<Failure> check_signal(const Signal& s, const NetworkId& network, double now,
                                    double skew, const SigningId* recipient) {
    if (s.network != network)
        return fail(Problem::wrong_network,
                    "network " + to_hex(s.network) + " is not " + to_hex(network));
    const double off = std::fabs(static_cast<double>(s.timestamp) - now);
    if (off > skew)
        return fail(Problem::stale, "timestamp " + std::to_string(s.timestamp) + " is " +
                                        std::to_string(static_cast<long long>(off)) +
                                        " s from this clock (at most " +
                                        std::to_string(static_cast<long long>(skew)) + ")");
    if (recipient && s.recipient != *recipient)
        return fail(Problem::wrong_recipient,
                    "recipient " + to_hex(s.recipient) + " is not " + to_hex(*recipient));
    if (!signature_ok(s))
        return fail(Problem::bad_signature, "signature: does not verify under signing_pubkey");
    if (!delegation_ok(s))
        return fail(Problem::bad_delegation,
                    "delegation: the master key did not delegate this signing key and index on "
                    "this network");
    return std::nullopt;
}

}  // namespace sharemsg::relay
