// One ICE session (RFC 8445) on libnice: a reliable agent (PseudoTCP over the selected pair),
// one stream, one component. The session gathers candidates, hands its local description to
// the owner, takes the remote one (checked first: description.hpp), runs the connectivity
// checks (the hole punching) and then carries a byte stream in order.
//
// Threads: the agent lives on the IceThread given at creation (created and closed there).
// Every callback below runs on the ICE thread: an owner with an executor of its own posts the
// work there and returns. set_remote(), send() and close() may be called from any thread. After
// close() returns, no callback runs or will run (close() waits for one that is running on
// another thread; it may be called from inside a callback).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ice/description.hpp"
#include "ice/ice_thread.hpp"
#include "util/bytes.hpp"

namespace sharemsg::ice {

// How the selected pair reaches the peer: relayed if either candidate is a relay candidate,
// direct if both are host candidates, punched otherwise (a server- or peer-reflexive end).
enum class Path { none, direct, punched, relayed };
const char* path_name(Path path);
Path path_of(CandidateType local, CandidateType remote);

enum class IceError {
    bad_options,       // no local address, or an address/server that is not a numeric IP
    setup_failed,      // libnice refused the stream, an address or the gathering
    no_candidates,     // gathering ended with no local candidate
    turn_unreachable,  // force_relay and no relay candidate (TURN gave no allocation in time)
    checks_failed,     // every candidate pair failed its checks
    timeout,           // not connected within connect_timeout
    lost,              // the connection failed after it was ready
    queue_full,        // send(): the bytes would take the queue over max_queue
    closed,            // send() after close() or failure, or after the ICE thread stopped
};
const char* error_name(IceError error);

// libnice agents of this process not yet finalized (tests check that none outlive their
// IceThread).
int live_agents();

struct TurnServer {
    std::string ip;  // numeric
    std::uint16_t port = 3478;
    std::string user;
    std::string password;
};

struct IceOptions {
    bool controlling = false;
    // Host candidates are made on these numeric addresses only (required: no "all interfaces").
    std::vector<std::string> local_addresses;
    // STUN server for server-reflexive candidates: numeric IP and port.
    std::optional<std::string> stun_ip;
    std::uint16_t stun_port = 3478;
    std::optional<TurnServer> turn;  // TURN over UDP
    bool force_relay = false;        // relay candidates only (needs turn)
    std::chrono::milliseconds connect_timeout{30000};
    std::optional<std::pair<std::uint16_t, std::uint16_t>> port_range;
    std::size_t max_queue = 1 << 20;  // bytes accepted by send() and not yet taken by libnice
};

struct Selected {
    Path path = Path::none;
    std::string local;   // "srflx 203.0.113.11:50000"
    std::string remote;  // "relay 203.0.113.1:49160"
};

struct IceCallbacks {
    std::function<void(const Description&)> gathered;  // our description, to signal
    std::function<void(const Selected&)> ready;        // once; send() goes through from now on
    std::function<void(ByteView)> data;                // stream bytes, in order
    std::function<void(IceError)> failed;              // once; the session does nothing more
};

class IceSession {
  public:
    // Starts the agent on `thread` (gathering begins there). Options that cannot work are
    // reported through failed(bad_options).
    IceSession(IceThread& thread, IceOptions options, IceCallbacks callbacks);
    // close().
    ~IceSession();
    IceSession(const IceSession&) = delete;
    IceSession& operator=(const IceSession&) = delete;

    // Checks the remote description (check_description, and its force_relay against ours);
    // refused: the error, and the session goes on waiting for a valid one. Accepted: applied on
    // the ICE thread once gathering is done.
    std::optional<DescriptionError> set_remote(const Description& remote);
    // Queues bytes for the stream; libnice takes them once the session is ready. An error
    // (queue_full, closed) means nothing was queued.
    std::optional<IceError> send(ByteView bytes);
    // Bytes queued and not yet taken by libnice.
    std::size_t queued() const;
    // How often libnice took only part of what was offered, or nothing (it would block): the
    // rest waited for reliable-transport-writable.
    std::uint64_t send_stalls() const;
    void close();

    class Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace sharemsg::ice
