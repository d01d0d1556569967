// Fuzz target: the open profile's text parsers, parse_delegation_hex (the node's
// --signing-key-delegation) and parse_network_id (--delegation-network).
//
// Properties: a parsed delegation prints back as the lowercase input and has a valid master
// point; a parsed network id is "devnet" or prints back as the lowercase input.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "proto/open_envelope.hpp"

using namespace sharemsg;
namespace po = sharemsg::proto::open;

namespace {
std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto d = po::parse_delegation_hex(text);
    if (d) {
        FUZZ_CHECK(po::delegation_to_hex(*d) == lower(text));
        FUZZ_CHECK(crypto::parse_pubkey(d->master_pubkey).ok());
    } else {
        FUZZ_CHECK(!d.error().reason.empty());
    }
    auto id = po::parse_network_id(text);
    if (id) {
        FUZZ_CHECK(text == "devnet" || to_hex(*id) == lower(text));
        if (text == "devnet") FUZZ_CHECK(*id == po::DEVNET_NETWORK_ID);
    }
    return 0;
}
