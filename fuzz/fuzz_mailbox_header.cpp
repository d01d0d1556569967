// Fuzz target: the mailbox's signed header decoder (mailbox/codec.hpp), and the registration
// arguments' decoder over the same bytes.
//
// Properties: a header accepted re-encodes to JSON that decodes to the same value, and that
// encoding is a fixed point; it has version 1, an op that has a name, valid sender and receiver
// points, and canonical bytes of the layout's length (132) that do not depend on the signature;
// checking its signature does not crash, and the header signed again by a fixed key (as its
// sender) verifies, and fails once its timestamp changes. Registration arguments are accepted
// exactly when they are 117 bytes with a master key that is a point, and encode back to the
// input; checking their delegation against the header does not crash. A refusal has a 4xx
// status and a non-empty detail.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz_common.hpp"
#include "mailbox/codec.hpp"

using namespace sharemsg;
using namespace sharemsg::mailbox;

namespace {

constexpr std::size_t kCanonicalSize = 1 + 8 + 1 + 33 + 33 + 8 + 8 + 8 + 32;
constexpr std::size_t kRegisterArgsSize = 4 + 33 + 64 + 16;

const crypto::PrivKey& fixed_key() {
    static const crypto::PrivKey key = [] {
        auto k = crypto::PrivKey::from_bytes(Bytes(32, 0x42));
        FUZZ_CHECK(k.ok());
        return *k;
    }();
    return key;
}

void check_failure(const Failure& f) {
    FUZZ_CHECK(relay::problem_status(f.problem) >= 400 && relay::problem_status(f.problem) < 500);
    FUZZ_CHECK(!f.detail.empty());
}

void check_header(const Header& h) {
    FUZZ_CHECK(h.version == FORMAT_VERSION);
    FUZZ_CHECK(static_cast<std::uint8_t>(h.op) < OP_COUNT);
    FUZZ_CHECK(std::strcmp(op_name(h.op), "unknown") != 0);
    FUZZ_CHECK(crypto::parse_pubkey(h.sender_pubkey).ok());
    FUZZ_CHECK(crypto::parse_pubkey(h.receiver_pubkey).ok());
    FUZZ_CHECK(h.timestamp <= (std::uint64_t{1} << 53) && h.message_id <= (std::uint64_t{1} << 53));
    const Bytes b = canonical_bytes(h);
    FUZZ_CHECK(b.size() == kCanonicalSize);
    auto unsigned_copy = h;
    unsigned_copy.signature = {};
    FUZZ_CHECK(canonical_bytes(unsigned_copy) == b);
    (void)signature_ok(h);

    // Signed again by the fixed key as its sender: it verifies, and a changed field does not.
    Header mine = h;
    mine.sender_pubkey = fixed_key().pubkey();
    const ByteView payload(b.data(), b.size() / 2);
    sign(mine, payload, fixed_key());
    FUZZ_CHECK(signature_ok(mine));
    FUZZ_CHECK(!check_request(Request{mine, Bytes(payload.begin(), payload.end())}));
    auto back = decode_header(encode_header(mine));
    FUZZ_CHECK(back.ok() && *back == mine && signature_ok(*back));
    mine.timestamp ^= 1;
    FUZZ_CHECK(!signature_ok(mine));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ByteView bytes = fuzz::input(data, size);

    std::optional<Header> header;
    auto h = decode_header(text);
    if (h) {
        check_header(*h);
        const std::string once = encode_header(*h);
        auto back = decode_header(once);
        FUZZ_CHECK(back.ok() && *back == *h);
        FUZZ_CHECK(encode_header(*back) == once);
        header = *h;
    } else {
        check_failure(h.failure());
    }

    auto a = decode_register_args(bytes);
    if (a) {
        FUZZ_CHECK(size == kRegisterArgsSize);
        FUZZ_CHECK(crypto::parse_pubkey(a->delegation.master_pubkey).ok());
        const Bytes again = encode_register_args(*a);
        FUZZ_CHECK(again.size() == size && std::memcmp(again.data(), data, size) == 0);
        FUZZ_CHECK(a->master_hash() == crypto::hash160(a->delegation.master_pubkey));
        Header for_args;
        for_args.sender_pubkey = fixed_key().pubkey();
        (void)delegation_ok(header ? *header : for_args, *a);
    } else {
        check_failure(a.failure());
        FUZZ_CHECK(size != kRegisterArgsSize || a.failure().problem == Problem::bad_delegation);
    }
    return 0;
}
