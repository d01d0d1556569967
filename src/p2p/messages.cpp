#include "p2p/messages.hpp"

#include <algorithm>

#include "p2p/frame.hpp"
#include "p2p/messages_layout.hpp"
#include "p2p/params.hpp"

namespace sharemsg::p2p {

namespace {

template <class T>
Result<Message> decode_as(ByteView payload) {
    const std::string root(T::command);
    ByteReader r(payload);
    T m{};
    chain::UnpackStream s(r, root);
    layout::describe(s, m);
    if (auto st = s.status(); !st) return st.error();
    if (auto st = layout::check_values(m); !st) return st.error();
    if (auto st = layout::read_tail(r, m); !st) return st.error();
    if (!r.empty())
        return make_error(Errc::trailing_bytes, root + ": " + std::to_string(r.remaining()) +
                                                    " bytes after the end of the message");
    return Message{std::move(m)};
}

template <class T>
Result<Bytes> encode_as(const T& m) {
    if (auto st = layout::check_values(m); !st)
        return make_error(Errc::invalid_argument, st.error().reason);
    if (auto st = layout::check_tail(m); !st) return st.error();
    chain::PackStream s{std::string(T::command)};
    layout::describe(s, m);
    auto head = std::move(s).finish();
    if (!head) return head.error();
    ByteWriter w;
    w.bytes(*head);
    layout::write_tail(w, m);
    return std::move(w).take();
}

using Decoder = Result<Message> (*)(ByteView);

template <std::size_t... I>
constexpr std::array<Decoder, sizeof...(I)> decoders_of(std::index_sequence<I...>) {
    return {&decode_as<std::variant_alternative_t<I, Message>>...};
}
constexpr auto DECODERS = decoders_of(std::make_index_sequence<std::variant_size_v<Message>>{});

}  // namespace

ByteArray<16> ipv4_mapped(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    ByteArray<16> out{};
    out[10] = 0xff;
    out[11] = 0xff;
    out[12] = a;
    out[13] = b;
    out[14] = c;
    out[15] = d;
    return out;
}

std::string address_text(const ByteArray<16>& address) {
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(mapped), std::end(mapped), address.begin())) {
        return std::to_string(address[12]) + "." + std::to_string(address[13]) + "." +
               std::to_string(address[14]) + "." + std::to_string(address[15]);
    }
    std::string out;
    for (std::size_t i = 0; i < 8; ++i) {
        if (i) out += ':';
        out += to_hex(ByteView(address.data() + 2 * i, 2));
    }
    return out;
}

std::string_view command_of(const Message& m) {
    return std::visit([](const auto& v) { return std::remove_cvref_t<decltype(v)>::command; }, m);
}

Result<Message> decode_message(std::string_view command, ByteView payload) {
    for (std::size_t i = 0; i < MESSAGE_COMMANDS.size(); ++i)
        if (MESSAGE_COMMANDS[i] == command) return DECODERS[i](payload);
    std::string shown;
    for (char c : command)
        shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    return make_error(Errc::not_found, "no message type for command '" + shown + "'");
}

Result<Bytes> encode_payload(const Message& m) {
    return std::visit([](const auto& v) { return encode_as(v); }, m);
}

Result<Bytes> encode_message(ByteView prefix, const Message& m, std::size_t max_payload) {
    auto payload = encode_payload(m);
    if (!payload) return payload.error();
    return encode_frame(prefix, command_of(m), *payload, max_payload);
}

Result<Bytes> encode_message(ByteView prefix, const Message& m) {
    return encode_message(prefix, m, MAX_PAYLOAD_LENGTH);
}

}  // namespace sharemsg::p2p
