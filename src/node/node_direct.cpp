// The node's direct links (direct_links.hpp): their options from the configuration, and the
// signals the relays deliver.
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "mailbox/codec.hpp"
#include "node/direct_links.hpp"
#include "node/files.hpp"
#include "node/mail_client.hpp"
#include "node/nat_discovery.hpp"
#include "node/nat_monitor.hpp"
#include "node/node.hpp"
#include "node/relay_role.hpp"
#include "node/relay_signaler.hpp"

namespace sharemsg::node {

namespace {

// The addresses host candidates are made on: --p2p-bind when it names one, otherwise this
// machine's addresses but loopback and IPv6 link-local ones.
std::vector<std::string> host_addresses(const std::string& bind) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(bind, ec);
    if (!ec && !a.is_unspecified()) return {a.to_string()};
    std::vector<std::string> out;
    for (auto& text : local_addresses()) {
        const auto m = boost::asio::ip::make_address(text, ec);
        if (ec || (m.is_v6() && m.to_v6().is_link_local())) continue;
        out.push_back(std::move(text));
    }
    return out;
}

// turn:HOST:PORT or HOST:PORT, resolved to a numeric address.
Result<ice::TurnServer> turn_server(boost::asio::io_context& io, const Config& cfg) {
    std::string text = cfg.turn;
    if (text.rfind("turn:", 0) == 0) text = text.substr(5);
    const auto e = resolve_stun_server(io, text);
    if (!e)
        return make_error(Errc::invalid_argument,
                          "--turn " + cfg.turn + ": need turn:HOST:PORT with a host that resolves");
    if (cfg.turn_user.empty() || cfg.turn_password_file.empty())
        return make_error(Errc::invalid_argument,
                          "--turn needs --turn-user and --turn-password-file");
    auto pw = read_file(cfg.turn_password_file);
    if (!pw)
        return make_error(Errc::invalid_argument, "--turn-password-file: " + pw.error().reason);
    std::string password = pw->substr(0, pw->find_first_of("\r\n"));
    if (password.empty())
        return make_error(Errc::invalid_argument,
                          "--turn-password-file " + cfg.turn_password_file + ": empty first line");
    return ice::TurnServer{e->address().to_string(), e->port(), cfg.turn_user, password};
}

}  // namespace

Status Node::start_direct() {
    RelaySignaler* signaler = relay_ ? relay_->signaler() : nullptr;
    if (!signaler) {
        if (!cfg_.turn.empty())
            spdlog::warn("--turn: direct links need the relays' signaling (--relay-url); unused");
        return Ok{};
    }
    DirectOptions o;
    o.local_addresses = host_addresses(cfg_.p2p_bind);
    if (o.local_addresses.empty())
        return make_error(Errc::invalid_argument,
                          "direct links: this machine has no address to make ICE candidates on");
    for (const auto& name : cfg_.stun_servers)
        if (auto e = resolve_stun_server(io_, name)) {
            o.stun_ip = e->address().to_string();
            o.stun_port = e->port();
            break;
        }
    if (!cfg_.turn.empty()) {
        auto t = turn_server(io_, cfg_);
        if (!t) return t.error();
        o.turn = std::move(*t);
    }
    o.connect_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(cfg_.direct_timeout * 1000));
    o.tries = cfg_.direct_tries;
    const auto network = net_.network_id();
    auto identity = [this, network]() -> std::optional<channel::LocalIdentity> {
        auto key = keys_.key();
        auto ann = keys_.announcement();
        if (!key || !ann || ann->signing_pubkey != key->pubkey()) return std::nullopt;
        return channel::LocalIdentity{
            *key, ann->delegation(), network,
            [this](const proto::open::AddressHash& master, const proto::SigningId&) {
                return relay_ && relay_->authorized(master);
            }};
    };
    DirectLinks::Signaling signaling;
    signaling.send = [signaler](relay::Signal s) { signaler->send(std::move(s)); };
    signaling.set_armed = [signaler](bool armed) { signaler->set_armed(armed); };
    signaling.refresh_nat = [this] {
        if (nat_monitor_) nat_monitor_->request_refresh();
    };
    direct_ = std::make_unique<DirectLinks>(
        io_, std::move(o), std::move(identity), std::move(signaling), [this] { return now(); },
        metrics_);
    direct_->set_mail_handler(
        [this](const channel::PeerIdentity& from, Bytes json, std::function<void(bool)> answer) {
            deliver_direct_mail(from, std::move(json), std::move(answer));
        });
    return Ok{};
}

void Node::deliver_direct_mail(const channel::PeerIdentity& from, Bytes json,
                               std::function<void(bool)> answer) {
    if (!mail_) return answer(false);
    auto message = mailbox::decode_request(
        std::string_view(reinterpret_cast<const char*>(json.data()), json.size()));
    if (!message) {
        spdlog::info("direct: mail from {} refused: {}: {}", to_hex(from.signing_id()),
                     relay::problem_name(message.failure().problem), message.failure().detail);
        return answer(false);
    }
    // The link proved who is at the other end; a message signed by anyone else is refused.
    if (message->header.sender_pubkey != from.signing_pubkey) {
        spdlog::info("direct: mail from {} refused: signed by another identity",
                     to_hex(from.signing_id()));
        return answer(false);
    }
    mail_->accept_direct(std::move(*message),
                         [answer = std::move(answer)](bool ok, const std::string&) { answer(ok); });
}

Node::DirectMailSend Node::direct_mail_sender() {
    return [this](const crypto::CompressedPubKey& to, mailbox::Request message,
                  std::function<void(bool)> done) {
        if (!direct_) return done(false);
        const std::string json = mailbox::encode_request(message);
        direct_->send_mail(
            crypto::hash160(to), Bytes(json.begin(), json.end()),
            [done = std::move(done)](bool delivered, const std::string&) { done(delivered); });
    };
}

void Node::deliver_signal(relay::Signal s) {
    boost::asio::post(io_, [this, s = std::move(s)]() mutable {
        if (direct_) direct_->on_signal(std::move(s));
    });
}

}  // namespace sharemsg::node
