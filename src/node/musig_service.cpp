#include "node/musig_service.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace sharemsg::node {

namespace {

// Log lines for refused frames, at most this many a minute (a flood costs a counter).
constexpr std::uint64_t kRefusalLogsPerMinute = 10;

std::string short_hex(ByteView b) {
    return to_hex(b.first(std::min<std::size_t>(b.size(), 8)));
}

}  // namespace

void MusigPublications::set(const musig::SessionId& id, MusigPublication p) {
    std::lock_guard lk(mu_);
    by_id_[id] = std::move(p);
}

std::optional<MusigPublication> MusigPublications::get(const musig::SessionId& id) const {
    std::lock_guard lk(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
}

void MusigPublications::keep_only(const std::function<bool(const musig::SessionId&)>& held) {
    std::lock_guard lk(mu_);
    std::erase_if(by_id_, [&](const auto& p) { return !held(p.first); });
}

MusigService::MusigService(MusigOptions o, crypto::PrivKey key, MailClient& mail, Clock clock)
    : o_(std::move(o)),
      mail_(mail),
      pubkey_(key.pubkey()),
      coordinator_(o_.coordinator, std::move(key), *this, std::move(clock)) {
    coordinator_.set_listener(this);
}

MusigService::~MusigService() {
    stop();
}

void MusigService::start() {
    std::lock_guard lk(mu_);
    if (worker_.joinable() || stopping_) return;
    worker_ = std::thread([this] { run(); });
}

void MusigService::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void MusigService::set_end_hook(EndHook h) {
    std::lock_guard lk(mu_);
    end_hook_ = std::move(h);
}

MusigStats MusigService::stats() const {
    std::lock_guard lk(mu_);
    return stats_;
}

bool MusigService::enqueue(Task task, const crypto::CompressedPubKey* sender) {
    {
        std::lock_guard lk(mu_);
        if (stopping_) return false;
        if (!sender) {
            if (queue_.size() >= o_.max_queued) return false;
            queue_.push_back({std::move(task), std::nullopt});
        } else {
            const std::size_t frame_room =
                o_.max_queued - std::min(o_.max_queued, o_.reserved_for_requests);
            auto& mine = queued_by_sender_[*sender];
            if (queue_.size() >= frame_room || mine >= o_.max_queued_per_sender) {
                if (mine == 0) queued_by_sender_.erase(*sender);
                ++stats_.frames_dropped;
                return false;
            }
            ++mine;
            queue_.push_back({std::move(task), *sender});
        }
    }
    cv_.notify_all();
    return true;
}

bool MusigService::post(Task task) {
    return enqueue(std::move(task), nullptr);
}

void MusigService::take_frame(const crypto::CompressedPubKey& from, ByteView frame) {
    if (frame.size() > musig::MAX_FRAME) {
        std::lock_guard lk(mu_);
        ++stats_.frames_refused;
        return;
    }
    enqueue(
        [this, from, bytes = Bytes(frame.begin(), frame.end())](musig::Coordinator& c) {
            auto r = c.receive(bytes);
            const auto minute =
                static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::minutes>(
                                               std::chrono::steady_clock::now().time_since_epoch())
                                               .count());
            std::lock_guard lk(mu_);
            stats_.sessions = c.session_count();
            if (r) {
                ++stats_.frames_in;
                spdlog::debug("musig: {} from {}: session {}", musig::event_kind_name(r->kind),
                              short_hex(from), short_hex(r->id));
                return;
            }
            ++stats_.frames_refused;
            if (minute != refusal_minute_) {
                refusal_minute_ = minute;
                refusals_logged_ = 0;
            }
            if (refusals_logged_++ < kRefusalLogsPerMinute)
                spdlog::info("musig: refused a frame from {}: {}", short_hex(from),
                             r.error().to_string());
        },
        &from);
}

void MusigService::send(const musig::PlainPubKey& to, Bytes frame) {
    auto r = mail_.send_frame(to, MailApp::musig, frame);
    std::lock_guard lk(mu_);
    if (r.error) {
        ++stats_.send_failures;
        spdlog::warn("musig: a frame to {} was not queued: {} ({})", short_hex(to),
                     mail_error_name(*r.error), r.detail);
        return;
    }
    ++stats_.frames_out;
}

void MusigService::completed(const musig::SessionId& id, const musig::Signature&) {
    ended_.push_back(id);
}

void MusigService::aborted(const musig::SessionId& id, musig::AbortReason,
                           std::optional<std::size_t>) {
    ended_.push_back(id);
}

// After the coordinator returned: the log line and the hook of each session that ended.
void MusigService::report_ended() {
    EndHook hook;
    {
        std::lock_guard lk(mu_);
        hook = end_hook_;
    }
    auto ids = std::move(ended_);
    ended_.clear();
    for (const auto& id : ids) {
        const auto v = coordinator_.get(id);
        if (!v) continue;
        if (v->signature) {
            spdlog::info("musig: session {} complete: signature {}", to_hex(id),
                         to_hex(*v->signature));
        } else {
            std::string who = "nobody blamed";
            if (v->abort && v->abort->blamed && *v->abort->blamed < v->signers.size())
                who = "signer " + std::to_string(*v->abort->blamed) + " (" +
                      to_hex(v->signers[*v->abort->blamed]) + ")";
            spdlog::warn("musig: session {} aborted: {}, {}", to_hex(id),
                         v->abort ? musig::abort_reason_name(v->abort->reason) : "unknown", who);
        }
        {
            std::lock_guard lk(mu_);
            ++(v->signature ? stats_.completed : stats_.aborted);
        }
        if (hook) hook(*v);
    }
}

void MusigService::run() {
    const auto interval =
        std::chrono::seconds(std::max<std::uint64_t>(1, o_.coordinator.cleanup_interval));
    auto next_sweep = std::chrono::steady_clock::now() + interval;
    for (;;) {
        Task task;
        {
            std::unique_lock lk(mu_);
            cv_.wait_until(lk, next_sweep, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            if (!queue_.empty()) {
                auto& front = queue_.front();
                task = std::move(front.task);
                if (front.sender) {
                    auto it = queued_by_sender_.find(*front.sender);
                    if (it != queued_by_sender_.end() && --it->second == 0)
                        queued_by_sender_.erase(it);
                }
                queue_.pop_front();
            }
        }
        if (task) task(coordinator_);
        if (std::chrono::steady_clock::now() >= next_sweep) {
            const auto r = coordinator_.sweep();
            if (r.removed || r.aborted_stuck || r.aborted_expired)
                spdlog::info("musig: cleanup removed {} sessions, aborted {} stuck and {} expired",
                             r.removed, r.aborted_stuck, r.aborted_expired);
            if (r.removed)
                publications_->keep_only(
                    [&](const musig::SessionId& id) { return coordinator_.get(id).has_value(); });
            next_sweep = std::chrono::steady_clock::now() + interval;
        }
        report_ended();
        std::lock_guard lk(mu_);
        stats_.sessions = coordinator_.session_count();
    }
}

}  // namespace sharemsg::node
