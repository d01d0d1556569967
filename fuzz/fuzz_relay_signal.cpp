// Fuzz target: the relay's signaling decoders (relay/signal.hpp) over the same bytes: a signal
// (POST /relay/signal), a poll (POST /relay/signal/poll) and a poll's answer (what a node reads
// from a relay).
//
// Properties: a signal accepted re-encodes to JSON that decodes to the same value, and that
// encoding is a fixed point; its ufrag, pwd and candidate lines are within their bounds and
// printable ASCII; its canonical bytes have the length the layout gives; checking it does not
// crash. The same round trip holds for a poll and an answer. A refusal has a 4xx status and a
// non-empty detail.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "relay/signal.hpp"

using namespace sharemsg;
using namespace sharemsg::relay;

namespace {

bool printable(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

void check_signal_value(const Signal& s) {
    FUZZ_CHECK(s.version == FORMAT_VERSION);
    FUZZ_CHECK(s.ufrag.size() >= MIN_UFRAG && s.ufrag.size() <= MAX_UFRAG && printable(s.ufrag));
    FUZZ_CHECK(s.pwd.size() >= MIN_PWD && s.pwd.size() <= MAX_PWD && printable(s.pwd));
    FUZZ_CHECK(s.candidates.size() <= MAX_CANDIDATES);
    std::size_t strings = 2 + s.ufrag.size() + 2 + s.pwd.size() + 1;
    for (const auto& c : s.candidates) {
        FUZZ_CHECK(!c.empty() && c.size() <= MAX_CANDIDATE_LEN && printable(c));
        strings += 2 + c.size();
    }
    FUZZ_CHECK(crypto::parse_pubkey(s.signing_pubkey).ok());
    FUZZ_CHECK(canonical_bytes(s).size() == 1 + 8 + 1 + 16 + 33 + 4 + 97 + 20 + 8 + 1 + strings);
    (void)check_signal(s, s.network, static_cast<double>(s.timestamp), 300, &s.recipient);
}

void check_failure(const Failure& f) {
    FUZZ_CHECK(problem_status(f.problem) >= 400 && problem_status(f.problem) < 500);
    FUZZ_CHECK(!f.detail.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto s = decode_signal(text);
    if (s) {
        check_signal_value(*s);
        const std::string once = encode_signal(*s);
        auto back = decode_signal(once);
        FUZZ_CHECK(back.ok() && *back == *s);
        FUZZ_CHECK(encode_signal(*back) == once);
    } else {
        check_failure(s.failure());
    }
    auto p = decode_poll(text);
    if (p) {
        FUZZ_CHECK(canonical_bytes(*p).size() == 1 + 8 + 33 + 4 + 97 + 8 + 16);
        (void)signature_ok(*p);
        (void)delegation_ok(*p);
        auto back = decode_poll(encode_poll(*p));
        FUZZ_CHECK(back.ok() && *back == *p);
    } else {
        check_failure(p.failure());
    }
    auto a = decode_poll_answer(text);
    if (a) {
        for (const auto& one : *a)
            check_signal_value(one);
        auto back = decode_poll_answer(encode_poll_answer(*a));
        FUZZ_CHECK(back.ok() && *back == *a);
    } else {
        check_failure(a.failure());
    }
    return 0;
}
