#include "ice/session.hpp"

#include <arpa/inet.h>
#include <nice/agent.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <mutex>

namespace sharemsg::ice {

namespace {

constexpr std::size_t kSendChunk = 64 * 1024;

std::atomic<int> g_live_agents{0};

void agent_finalized(gpointer, GObject*) {
    --g_live_agents;
}

bool numeric_ip(const std::string& s) {
    std::array<unsigned char, 16> buf{};
    return ::inet_pton(AF_INET, s.c_str(), buf.data()) == 1 ||
           ::inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

bool options_ok(const IceOptions& o) {
    if (o.local_addresses.empty()) return false;
    for (const auto& a : o.local_addresses)
        if (!numeric_ip(a)) return false;
    if (o.stun_ip && (!numeric_ip(*o.stun_ip) || o.stun_port == 0)) return false;
    if (o.turn && (!numeric_ip(o.turn->ip) || o.turn->port == 0)) return false;
    if (o.force_relay && !o.turn) return false;
    if (o.port_range && (o.port_range->first == 0 || o.port_range->first > o.port_range->second))
        return false;
    return o.connect_timeout.count() > 0 && o.max_queue > 0;
}

CandidateType type_of(NiceCandidateType t) {
    switch (t) {
        case NICE_CANDIDATE_TYPE_HOST:
            return CandidateType::host;
        case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
            return CandidateType::srflx;
        case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
            return CandidateType::prflx;
        case NICE_CANDIDATE_TYPE_RELAYED:
            return CandidateType::relay;
    }
    return CandidateType::host;
}

std::string candidate_text(const NiceCandidate* c) {
    std::array<gchar, NICE_ADDRESS_STRING_LEN> ip{};
    nice_address_to_string(&c->addr, ip.data());
    const std::string addr = nice_address_ip_version(&c->addr) == 6
                                 ? "[" + std::string(ip.data()) + "]"
                                 : std::string(ip.data());
    return std::string(candidate_type_name(type_of(c->type))) + " " + addr + ":" +
           std::to_string(nice_address_get_port(&c->addr));
}

}  // namespace

const char* path_name(Path path) {
    switch (path) {
        case Path::none:
            return "none";
        case Path::direct:
            return "direct";
        case Path::punched:
            return "punched";
        case Path::relayed:
            return "relayed";
    }
    return "unknown";
}

Path path_of(CandidateType local, CandidateType remote) {
    if (local == CandidateType::relay || remote == CandidateType::relay) return Path::relayed;
    if (local == CandidateType::host && remote == CandidateType::host) return Path::direct;
    return Path::punched;
}

int live_agents() {
    return g_live_agents.load();
}

const char* error_name(IceError error) {
    switch (error) {
        case IceError::bad_options:
            return "bad_options";
        case IceError::setup_failed:
            return "setup_failed";
        case IceError::no_candidates:
            return "no_candidates";
        case IceError::turn_unreachable:
            return "turn_unreachable";
        case IceError::checks_failed:
            return "checks_failed";
        case IceError::timeout:
            return "timeout";
        case IceError::lost:
            return "lost";
        case IceError::queue_full:
            return "queue_full";
        case IceError::closed:
            return "closed";
    }
    return "unknown";
}

class IceSession::Impl : public IceThread::Owned, public std::enable_shared_from_this<Impl> {
  public:
    Impl(IceThread& thread, IceOptions options, IceCallbacks callbacks)
        : thread_(thread), opt_(std::move(options)), cb_(std::move(callbacks)) {}

    // --- any thread ---

    std::optional<IceError> send(ByteView bytes) {
        {
            std::lock_guard lock(q_mu_);
            if (q_closed_) return IceError::closed;
            if (q_.size() - head_ + bytes.size() > opt_.max_queue) return IceError::queue_full;
            q_.insert(q_.end(), bytes.begin(), bytes.end());
        }
        if (!flush_posted_.exchange(true)) {
            auto self = shared_from_this();
            if (!thread_.invoke([self] { self->flush(); })) {
                close_queue();
                return IceError::closed;
            }
        }
        return std::nullopt;
    }

    bool force_relay() const { return opt_.force_relay; }
    std::uint64_t stalls() const { return stalls_; }

    std::size_t queued() const {
        std::lock_guard lock(q_mu_);
        return q_.size() - head_;
    }

    void post_remote(Description d) {
        auto self = shared_from_this();
        thread_.invoke([self, d = std::move(d)]() mutable { self->on_remote(std::move(d)); });
    }

    void close() {
        {
            std::lock_guard lock(cb_mu_);
            if (closed_) return;
            closed_ = true;
        }
        close_queue();
        post_release();
    }

    // --- ICE thread ---

    void start() {
        {
            std::lock_guard lock(cb_mu_);
            if (closed_) return;
        }
        thread_.adopt(shared_from_this());
        if (!options_ok(opt_)) return fail(IceError::bad_options);
        agent_ = nice_agent_new_reliable(thread_.context(), NICE_COMPATIBILITY_RFC5245);
        if (!agent_) return fail(IceError::setup_failed);
        ++g_live_agents;
        g_object_weak_ref(G_OBJECT(agent_), &agent_finalized, nullptr);
        g_object_set(agent_, "controlling-mode", gboolean(opt_.controlling), "upnp", FALSE,
                     "ice-tcp", FALSE, "force-relay", gboolean(opt_.force_relay), nullptr);
        if (opt_.stun_ip)
            g_object_set(agent_, "stun-server", opt_.stun_ip->c_str(), "stun-server-port",
                         guint(opt_.stun_port), nullptr);
        for (const auto& a : opt_.local_addresses) {
            NiceAddress addr;
            nice_address_init(&addr);
            if (!nice_address_set_from_string(&addr, a.c_str())) return fail(IceError::bad_options);
            if (!nice_agent_add_local_address(agent_, &addr)) return fail(IceError::setup_failed);
        }
        stream_ = nice_agent_add_stream(agent_, 1);
        if (stream_ == 0) return fail(IceError::setup_failed);
        if (opt_.port_range)
            nice_agent_set_port_range(agent_, stream_, 1, opt_.port_range->first,
                                      opt_.port_range->second);
        if (opt_.turn &&
            !nice_agent_set_relay_info(agent_, stream_, 1, opt_.turn->ip.c_str(), opt_.turn->port,
                                       opt_.turn->user.c_str(), opt_.turn->password.c_str(),
                                       NICE_RELAY_TYPE_TURN_UDP))
            return fail(IceError::setup_failed);
        g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(&Impl::on_gathered_cb),
                         this);
        g_signal_connect(agent_, "component-state-changed", G_CALLBACK(&Impl::on_state_cb), this);
        g_signal_connect(agent_, "reliable-transport-writable", G_CALLBACK(&Impl::on_writable_cb),
                         this);
        nice_agent_attach_recv(agent_, stream_, 1, thread_.context(), &Impl::on_recv_cb, this);
        timer_ = g_timeout_source_new(static_cast<guint>(opt_.connect_timeout.count()));
        g_source_set_callback(timer_, &Impl::on_timeout_cb, this, nullptr);
        g_source_attach(timer_, thread_.context());
        if (!nice_agent_gather_candidates(agent_, stream_)) return fail(IceError::setup_failed);
    }

    void shutdown() override {
        {
            std::lock_guard lock(cb_mu_);
            closed_ = true;
        }
        close_queue();
        stop_timer();
        if (agent_) {
            g_signal_handlers_disconnect_by_data(agent_, this);
            // Received bytes are dropped from now on; the agent keeps reading its sockets, which
            // the close needs (the TURN server's answers).
            nice_agent_attach_recv(agent_, stream_, 1, thread_.context(), &Impl::discard_cb,
                                   nullptr);
            // The asynchronous close releases TURN allocations; its callback drops our
            // reference. The IceThread waits for it when stopping.
            thread_.hold();
            nice_agent_close_async(agent_, &Impl::on_closed_cb, &thread_);
            agent_ = nullptr;
        }
    }

  private:
    template <typename F>
    void emit(F&& f) {
        std::lock_guard lock(cb_mu_);
        if (!closed_) f();
    }

    void close_queue() {
        std::lock_guard lock(q_mu_);
        q_closed_ = true;
        q_.clear();
        q_.shrink_to_fit();
        head_ = 0;
    }

    // Releases the agent later: the caller may be inside one of its signals.
    void post_release() {
        auto self = shared_from_this();
        thread_.invoke([self] {
            self->shutdown();
            self->thread_.release(self.get());
        });
    }

    void stop_timer() {
        if (!timer_) return;
        g_source_destroy(timer_);
        g_source_unref(timer_);
        timer_ = nullptr;
    }

    void fail(IceError e) {
        if (done_) return;
        done_ = true;
        stop_timer();
        close_queue();
        emit([&] {
            if (cb_.failed) cb_.failed(e);
        });
        post_release();
    }

    void on_gathered() {
        if (done_ || gathered_) return;
        gathered_ = true;
        gchar* ufrag = nullptr;
        gchar* pwd = nullptr;
        Description d;
        if (nice_agent_get_local_credentials(agent_, stream_, &ufrag, &pwd)) {
            d.ufrag = ufrag;
            d.pwd = pwd;
        }
        g_free(ufrag);
        g_free(pwd);
        d.force_relay = opt_.force_relay;
        GSList* cands = nice_agent_get_local_candidates(agent_, stream_, 1);
        for (GSList* i = cands; i; i = i->next) {
            auto* c = static_cast<NiceCandidate*>(i->data);
            if (opt_.force_relay && c->type != NICE_CANDIDATE_TYPE_RELAYED) continue;
            if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP) continue;
            if (d.candidates.size() == MAX_CANDIDATES) break;
            gchar* line = nice_agent_generate_local_candidate_sdp(agent_, c);
            if (line) d.candidates.emplace_back(line);
            g_free(line);
        }
        g_slist_free_full(cands, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
        if (d.candidates.empty())
            return fail(opt_.force_relay ? IceError::turn_unreachable : IceError::no_candidates);
        emit([&] {
            if (cb_.gathered) cb_.gathered(d);
        });
        if (pending_remote_) {
            auto r = std::move(*pending_remote_);
            pending_remote_.reset();
            apply_remote(r);
        }
    }

    void on_remote(Description d) {
        if (!agent_ || done_ || remote_set_) return;
        if (!gathered_) {
            pending_remote_ = std::move(d);
            return;
        }
        apply_remote(d);
    }

    void apply_remote(const Description& d) {
        if (!agent_ || done_ || remote_set_) return;
        remote_set_ = true;
        nice_agent_set_remote_credentials(agent_, stream_, d.ufrag.c_str(), d.pwd.c_str());
        GSList* list = nullptr;
        for (const auto& line : d.candidates) {
            NiceCandidate* c =
                nice_agent_parse_remote_candidate_sdp(agent_, stream_, libnice_line(line).c_str());
            if (c) list = g_slist_append(list, c);
        }
        const int added = list ? nice_agent_set_remote_candidates(agent_, stream_, 1, list) : 0;
        g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
        if (added <= 0) fail(IceError::checks_failed);
    }

    void on_state(guint state) {
        if (done_) return;
        if (state == NICE_COMPONENT_STATE_READY && !ready_) {
            ready_ = true;
            stop_timer();
            Selected s;
            NiceCandidate* local = nullptr;
            NiceCandidate* remote = nullptr;
            if (nice_agent_get_selected_pair(agent_, stream_, 1, &local, &remote)) {
                s.path = path_of(type_of(local->type), type_of(remote->type));
                s.local = candidate_text(local);
                s.remote = candidate_text(remote);
            }
            emit([&] {
                if (cb_.ready) cb_.ready(s);
            });
            flush();
        } else if (state == NICE_COMPONENT_STATE_FAILED) {
            fail(ready_ ? IceError::lost : IceError::checks_failed);
        }
    }

    void on_timeout() {
        // The source ends after this call; drop our reference to it.
        if (timer_) {
            g_source_unref(timer_);
            timer_ = nullptr;
        }
        if (ready_ || done_) return;
        fail(opt_.force_relay && !gathered_ ? IceError::turn_unreachable : IceError::timeout);
    }

    // Hands queued bytes to libnice until it takes no more (the rest waits for
    // reliable-transport-writable). The queue lock is not held while libnice runs.
    void flush() {
        flush_posted_ = false;
        if (!agent_ || !ready_ || done_) return;
        std::vector<std::uint8_t> chunk;
        while (true) {
            {
                std::lock_guard lock(q_mu_);
                if (q_closed_ || head_ == q_.size()) return;
                const std::size_t n = std::min(q_.size() - head_, kSendChunk);
                chunk.assign(q_.begin() + static_cast<std::ptrdiff_t>(head_),
                             q_.begin() + static_cast<std::ptrdiff_t>(head_ + n));
            }
            const gint sent = nice_agent_send(agent_, stream_, 1, static_cast<guint>(chunk.size()),
                                              reinterpret_cast<const gchar*>(chunk.data()));
            if (sent <= 0) {
                ++stalls_;
                return;
            }
            std::lock_guard lock(q_mu_);
            if (q_closed_) return;
            head_ += static_cast<std::size_t>(sent);
            if (head_ == q_.size()) {
                q_.clear();
                head_ = 0;
            } else if (head_ >= kSendChunk && head_ * 2 >= q_.size()) {
                q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
                head_ = 0;
            }
            if (static_cast<std::size_t>(sent) < chunk.size()) {
                ++stalls_;
                return;
            }
        }
    }

    void on_data(const gchar* buf, guint len) {
        if (done_) return;
        emit([&] {
            if (cb_.data) cb_.data(ByteView(reinterpret_cast<const std::uint8_t*>(buf), len));
        });
    }

    static void on_gathered_cb(NiceAgent*, guint, gpointer self) {
        static_cast<Impl*>(self)->on_gathered();
    }
    static void on_state_cb(NiceAgent*, guint, guint, guint state, gpointer self) {
        static_cast<Impl*>(self)->on_state(state);
    }
    static void on_writable_cb(NiceAgent*, guint, guint, gpointer self) {
        static_cast<Impl*>(self)->flush();
    }
    static void on_recv_cb(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer self) {
        static_cast<Impl*>(self)->on_data(buf, len);
    }
    static void discard_cb(NiceAgent*, guint, guint, guint, gchar*, gpointer) {}
    static void on_closed_cb(GObject* agent, GAsyncResult*, gpointer thread) {
        g_object_unref(agent);
        static_cast<IceThread*>(thread)->unhold();
    }
    static gboolean on_timeout_cb(gpointer self) {
        static_cast<Impl*>(self)->on_timeout();
        return G_SOURCE_REMOVE;
    }

    IceThread& thread_;
    const IceOptions opt_;
    const IceCallbacks cb_;

    std::recursive_mutex cb_mu_;
    bool closed_ = false;  // under cb_mu_: no callback once set

    mutable std::mutex q_mu_;
    std::vector<std::uint8_t> q_;  // [head_, end) not yet taken by libnice
    std::size_t head_ = 0;
    bool q_closed_ = false;
    std::atomic<bool> flush_posted_{false};
    std::atomic<std::uint64_t> stalls_{0};

    // ICE thread only.
    NiceAgent* agent_ = nullptr;
    guint stream_ = 0;
    GSource* timer_ = nullptr;
    bool gathered_ = false;
    bool remote_set_ = false;
    bool ready_ = false;
    bool done_ = false;
    std::optional<Description> pending_remote_;
};

IceSession::IceSession(IceThread& thread, IceOptions options, IceCallbacks callbacks)
    : impl_(std::make_shared<Impl>(thread, std::move(options), std::move(callbacks))) {
    auto impl = impl_;
    if (!thread.invoke([impl] { impl->start(); })) impl_->close();
}

IceSession::~IceSession() {
    close();
}

std::optional<DescriptionError> IceSession::set_remote(const Description& remote) {
    if (auto e = check_description(remote)) return e;
    if (remote.force_relay != impl_->force_relay())
        return DescriptionError{DescriptionProblem::relay_mismatch, 0, std::nullopt};
    impl_->post_remote(remote);
    return std::nullopt;
}

std::optional<IceError> IceSession::send(ByteView bytes) {
    return impl_->send(bytes);
}

std::size_t IceSession::queued() const {
    return impl_->queued();
}

std::uint64_t IceSession::send_stalls() const {
    return impl_->stalls();
}

void IceSession::close() {
    impl_->close();
}

}  // namespace sharemsg::ice
