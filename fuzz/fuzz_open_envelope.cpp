// Fuzz target: a share's message_data under the open profile (0x02): header, deobfuscation,
// inner envelope, and the ledger behind it.
//
// Properties: open() accepts only inputs that seal() reproduces byte for byte with the same
// nonce (the encoding is canonical); it never accepts another profile byte or version, nor
// more than MAX_MESSAGE_DATA bytes; the ledger neither crashes nor miscounts on whatever
// opens. The input is also taken as an inner plaintext: obfuscated by hand, open() must
// agree with decode_inner() on it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "crypto/symmetric.hpp"
#include "fuzz_open_common.hpp"

using namespace sharemsg;
namespace po = sharemsg::proto::open;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);
    const po::NetworkId& net = po::DEVNET_NETWORK_ID;

    auto env = po::open(in, net);
    if (env) {
        FUZZ_CHECK(size >= po::HEADER_SIZE + 2 && size <= po::MAX_MESSAGE_DATA);
        FUZZ_CHECK(in[0] == po::PROFILE_BYTE && in[1] == po::ENVELOPE_VERSION);
        po::ObfuscationNonce nonce{};
        std::copy_n(in.begin() + 2, po::NONCE_SIZE, nonce.begin());
        auto again = po::seal(*env, net, nonce);
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(again->size() == size && std::equal(again->begin(), again->end(), in.begin()));
        FUZZ_CHECK(env->messages.size() <= po::MAX_MESSAGES);
        (void)po::mwu(*env);
        fuzz::check_ledger(*env);
    } else {
        FUZZ_CHECK(!env.error().reason.empty());
    }

    // The input as an inner plaintext.
    if (size + po::HEADER_SIZE <= po::MAX_MESSAGE_DATA) {
        po::ObfuscationNonce nonce{};
        for (std::size_t i = 0; i < nonce.size(); ++i)
            nonce[i] = static_cast<std::uint8_t>(0x30 + i);
        Bytes md = {po::PROFILE_BYTE, po::ENVELOPE_VERSION};
        append(md, nonce);
        append(md, crypto::chacha20_xor(po::obfuscation_key(net), nonce, in));
        auto outer = po::open(md, net);
        auto inner = po::decode_inner(in);
        if (size >= 2) {
            FUZZ_CHECK(outer.ok() == inner.ok());
            if (inner) FUZZ_CHECK(*outer == *inner);
        }
    }
    return 0;
}
