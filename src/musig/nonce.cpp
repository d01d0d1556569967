#include "musig/nonce.hpp"

#include <vector>

#include "crypto/bip340.hpp"
#include "musig/group.hpp"
#include "musig/nonce_access.hpp"

namespace sharemsg::musig {

using detail::Point;
using detail::Scalar;

namespace {

void put_be(Bytes& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A buffer that holds secret bytes and wipes them when it goes.
struct SecretBuffer {
    Bytes b;
    ~SecretBuffer() { crypto::wipe(b.data(), b.size()); }
};

}  // namespace

// ---- SecNonce -------------------------------------------------------------------------------

SecNonce::SecNonce(SecNonce&& other) noexcept : b_(other.b_) {
    crypto::wipe(other.b_.data(), other.b_.size());
}

SecNonce& SecNonce::operator=(SecNonce&& other) noexcept {
    if (this != &other) {
        b_ = other.b_;
        crypto::wipe(other.b_.data(), other.b_.size());
    }
    return *this;
}

SecNonce::~SecNonce() {
    crypto::wipe(b_.data(), b_.size());
}

Result<SecNonce> SecNonce::from_bip327_bytes(ByteView b97) {
    if (b97.size() != 97) return make_error(ErrorCode::secnonce_invalid);
    return detail::SecNonceAccess::make(b97);
}

bool SecNonce::empty() const {
    std::uint8_t acc = 0;
    for (auto v : b_)
        acc |= v;
    return acc == 0;
}

bool SecNonce::matches(ByteView b97) const {
    return crypto::equal_ct(b_, b97);
}

// ---- NonceGen -------------------------------------------------------------------------------

Result<Nonces> nonce_gen_with_rand(const ByteArray<32>& rand_prime, const NonceGenArgs& args) {
    if (args.extra_in && args.extra_in->size() > 0xffffffffu)
        return make_error(ErrorCode::too_large);

    // rand = sk XOR hash_{MuSig/aux}(rand') when sk is given, else rand'.
    SecretBuffer rand;
    rand.b.assign(rand_prime.begin(), rand_prime.end());
    if (args.sk) {
        const auto aux = crypto::tagged_hash("MuSig/aux", rand_prime);
        const auto& sk = args.sk->bytes();
        for (std::size_t i = 0; i < 32; ++i)
            rand.b[i] = static_cast<std::uint8_t>(sk[i] ^ aux[i]);
    }

    // rand || len(pk) || pk || len(aggpk) || aggpk || m_prefixed || len(extra_in) || extra_in,
    // then the index byte i - 1.
    SecretBuffer in;
    // Reserved up front: a reallocation would leave a copy of rand in freed memory.
    in.b.reserve(32 + 1 + 33 + 1 + 32 + 1 + 8 + (args.msg ? args.msg->size() : 0) + 4 +
                 (args.extra_in ? args.extra_in->size() : 0) + 1);
    append(in.b, rand.b);
    in.b.push_back(static_cast<std::uint8_t>(args.pk.size()));
    append(in.b, args.pk);
    if (args.aggpk) {
        in.b.push_back(static_cast<std::uint8_t>(args.aggpk->size()));
        append(in.b, *args.aggpk);
    } else {
        in.b.push_back(0);
    }
    if (args.msg) {
        in.b.push_back(1);
        put_be(in.b, args.msg->size(), 8);
        append(in.b, *args.msg);
    } else {
        in.b.push_back(0);
    }
    const std::size_t extra_len = args.extra_in ? args.extra_in->size() : 0;
    put_be(in.b, extra_len, 4);
    if (args.extra_in) append(in.b, *args.extra_in);

    in.b.push_back(0);
    const Scalar k1 = Scalar::reduce(crypto::tagged_hash("MuSig/nonce", in.b));
    in.b.back() = 1;
    const Scalar k2 = Scalar::reduce(crypto::tagged_hash("MuSig/nonce", in.b));
    if (k1.is_zero() || k2.is_zero()) return make_error(ErrorCode::nonce_zero);

    PubNonce pubnonce{};
    const auto r1 = Point::base_mul(k1).cbytes();
    const auto r2 = Point::base_mul(k2).cbytes();
    std::copy(r1.begin(), r1.end(), pubnonce.begin());
    std::copy(r2.begin(), r2.end(), pubnonce.begin() + 33);

    SecretBuffer sec;
    sec.b.reserve(97);
    append(sec.b, k1.bytes());
    append(sec.b, k2.bytes());
    append(sec.b, args.pk);
    return Nonces{detail::SecNonceAccess::make(sec.b), pubnonce};
}

Result<Nonces> nonce_gen(const NonceGenArgs& args) {
    SecretBuffer fresh;
    fresh.b = crypto::random_bytes(32);  // OpenSSL RAND_bytes; aborts if it fails
    ByteArray<32> rand_prime{};
    std::copy(fresh.b.begin(), fresh.b.end(), rand_prime.begin());
    auto out = nonce_gen_with_rand(rand_prime, args);
    crypto::wipe(rand_prime.data(), rand_prime.size());
    return out;
}

// ---- NonceAgg -------------------------------------------------------------------------------

Result<AggNonce> nonce_agg(std::span<const PubNonce> pubnonces) {
    if (pubnonces.empty()) return make_error(ErrorCode::no_signers);
    if (pubnonces.size() > 0xffffffffu) return make_error(ErrorCode::too_large);
    AggNonce out{};
    for (std::size_t j = 0; j < 2; ++j) {
        std::vector<Point> half;
        half.reserve(pubnonces.size());
        for (std::size_t i = 0; i < pubnonces.size(); ++i) {
            auto r = Point::parse(ByteView(pubnonces[i]).subspan(33 * j, 33));
            if (!r) return invalid(Contribution::pubnonce, i);
            half.push_back(*r);
        }
        // The sum may be infinity (the second halves of the vectors' nonces 2 and 3 cancel):
        // cbytes_ext encodes it as 33 zero bytes.
        const auto enc = Point::sum(half).cbytes_ext();
        std::copy(enc.begin(), enc.end(), out.begin() + 33 * j);
    }
    return out;
}

}  // namespace sharemsg::musig
