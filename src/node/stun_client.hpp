// A STUN binding client on one UDP socket (Boost.Asio), for the node's public endpoint and
// NAT behaviour discovery (nat_discovery.hpp).
//
// One transaction at a time, asked of one or several servers at once: each server gets its own
// request (a transaction id from OpenSSL's RAND_bytes) and the first valid answer wins. A
// request is sent at 0, then again after 500 ms, 1 s, 2 s, ... (RFC 8489's RTO doubling) for as
// long as a send falls within the 5 s the transaction may last; then it times out (both
// figures in StunTiming). A datagram that is not a binding response, has the wrong transaction
// id, comes from another address than the one the request expects, or carries an unknown
// comprehension-required attribute is ignored and counted. An error response ends the
// transaction only when no other server is still asked.
//
// Threads: every handler runs on the strand given at open(); call binding() and counters() on
// that strand. close() may be called from any thread; the client lives (handlers hold it)
// until close() has run.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/stun.hpp"

namespace sharemsg::node {

using StunStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
using boost::asio::ip::udp;

struct StunTiming {
    std::chrono::milliseconds first_rto{500};  // the first retransmission; then doubling
    std::chrono::milliseconds total{5000};     // a transaction's life
};

struct StunCounters {
    std::uint64_t sent = 0;               // requests, first sends and retransmissions
    std::uint64_t retransmits = 0;        // of those, retransmissions
    std::uint64_t answers = 0;            // responses accepted (success or error)
    std::uint64_t malformed = 0;          // not STUN, not a binding response, unknown required
    std::uint64_t wrong_transaction = 0;  // a response to no pending request
    std::uint64_t wrong_source = 0;       // a response from another address than expected
};

// One request of a transaction: where it goes, whether it asks the server to answer from
// its other address or port (RFC 5780 CHANGE-REQUEST), and where the answer must come from.
struct StunAsk {
    udp::endpoint to;
    std::optional<net::stun::ChangeRequest> change;
    udp::endpoint expect_from;  // `to`, unless the request asks for a change
};

struct StunAnswer {
    enum class Status { answered, error_response, timed_out, cancelled };
    Status status = Status::timed_out;
    std::size_t index = 0;  // of the StunAsk answered
    udp::endpoint from;
    net::stun::Message response;
    // A response with a pending transaction id came from an unexpected address (ignored):
    // for a CHANGE-REQUEST, the server answered without making the change.
    bool unexpected_source = false;
};

class StunClient : public std::enable_shared_from_this<StunClient> {
  public:
    using Callback = std::function<void(const StunAnswer&)>;

    // Opens and binds a socket on `local` (port 0: any). Null with `ec` set on failure.
    static std::shared_ptr<StunClient> open(StunStrand strand, const udp::endpoint& local,
                                            StunTiming timing, boost::system::error_code& ec);

    // Starts a transaction (none may be pending); `done` runs once, on the strand.
    void binding(std::vector<StunAsk> asks, Callback done);
    // Ends the pending transaction (cancelled) and closes the socket; any thread.
    void close();

    udp::endpoint local_endpoint() const { return local_; }
    const StunCounters& counters() const { return counters_; }
    // How many times a request is sent before its transaction times out.
    static unsigned sends_per_transaction(StunTiming timing);

  private:
    StunClient(StunStrand strand, StunTiming timing);
    struct Pending {
        StunAsk ask;
        std::size_t index = 0;  // in the transaction's asks
        net::stun::TransactionId id{};
        Bytes wire;
    };
    void send_all();
    void arm(unsigned sends_done);
    void receive();
    void on_datagram(std::size_t n);
    void finish(StunAnswer answer);

    StunStrand strand_;
    udp::socket socket_;
    boost::asio::steady_timer timer_;
    StunTiming timing_;
    udp::endpoint local_;
    std::vector<Pending> pending_;
    Callback done_;
    std::chrono::steady_clock::time_point started_;
    unsigned sends_ = 0;            // per request, in this transaction
    std::uint64_t generation_ = 0;  // transactions started; a timer serves its own
    bool unexpected_source_ = false;
    bool receiving_ = false;
    bool closed_ = false;
    std::array<std::uint8_t, 1500> buf_{};
    udp::endpoint from_;
    StunCounters counters_;
};

// The two address types.
net::stun::Endpoint to_stun_endpoint(const udp::endpoint& e);
udp::endpoint to_udp_endpoint(const net::stun::Endpoint& e);

}  // namespace sharemsg::node
