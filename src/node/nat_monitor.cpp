#include "node/nat_monitor.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace sharemsg::node {

std::vector<std::string> local_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr || (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_UP))
            continue;
        boost::asio::ip::address addr;
        if (a->ifa_addr->sa_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
            addr = boost::asio::ip::address_v4(ntohl(in->sin_addr.s_addr));
        } else if (a->ifa_addr->sa_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
            boost::asio::ip::address_v6::bytes_type b;
            std::copy(std::begin(in6->sin6_addr.s6_addr), std::end(in6->sin6_addr.s6_addr),
                      b.begin());
            addr = boost::asio::ip::address_v6(b, in6->sin6_scope_id);
        } else {
            continue;
        }
        out.push_back(addr.to_string());
    }
    freeifaddrs(list);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

NatMonitor::NatMonitor(boost::asio::io_context& io, NatMonitorOptions o, Clock clock,
                       OnReport on_report)
    : strand_(boost::asio::make_strand(io)),
      o_(std::move(o)),
      clock_(std::move(clock)),
      on_report_(std::move(on_report)),
      refresh_timer_(strand_),
      poll_timer_(strand_) {}

std::shared_ptr<NatMonitor> NatMonitor::start(boost::asio::io_context& io, NatMonitorOptions o,
                                              Clock clock, OnReport on_report) {
    std::shared_ptr<NatMonitor> m(
        new NatMonitor(io, std::move(o), std::move(clock), std::move(on_report)));
    boost::asio::post(m->strand_, [m] {
        m->addresses_ = local_addresses();
        m->refresh();
        m->poll_timer_.expires_after(m->o_.address_poll);
        m->poll_timer_.async_wait([w = std::weak_ptr(m)](boost::system::error_code ec) {
            if (auto self = w.lock(); self && !ec) self->poll_addresses();
        });
    });
    return m;
}

void NatMonitor::stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->refresh_timer_.cancel();
        self->poll_timer_.cancel();
        if (self->running_) self->running_->cancel();
    });
}

void NatMonitor::request_refresh(std::chrono::seconds min_gap) {
    boost::asio::post(strand_, [w = weak_from_this(), min_gap] {
        auto self = w.lock();
        if (!self) return;
        {
            std::lock_guard lk(self->mu_);
            if (self->refreshed_ && self->clock_() - *self->refreshed_ < min_gap.count()) return;
        }
        spdlog::info("STUN: discovery asked for (a direct link failed)");
        self->refresh();
    });
}

void NatMonitor::refresh() {
    if (stopped_ || running_) return;
    refresh_timer_.cancel();
    {
        std::lock_guard lk(mu_);
        refreshing_ = true;
    }
    running_ = NatDiscovery::start(strand_, o_.servers, o_.local_bind, o_.timing,
                                   [w = weak_from_this()](const NatReport& r) {
                                       if (auto self = w.lock()) self->finished(r);
                                   });
}

void NatMonitor::finished(NatReport r) {
    running_.reset();
    {
        std::lock_guard lk(mu_);
        refreshing_ = false;
        if (stopped_) return;
        last_ = r;
        refreshed_ = clock_();
        ++refreshes_;
    }
    spdlog::info("STUN: NAT {} (mapping {}, filtering {}), public endpoint {}",
                 relay::nat_name(r.nat), behaviour_name(r.mapping), behaviour_name(r.filtering),
                 r.mapped ? r.mapped->address().to_string() + ":" + std::to_string(r.mapped->port())
                          : "unknown");
    if (on_report_) on_report_(r);
    schedule_refresh(o_.interval);
}

void NatMonitor::schedule_refresh(std::chrono::milliseconds after) {
    if (stopped_) return;
    refresh_timer_.expires_after(after);
    refresh_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        if (auto self = w.lock(); self && !ec) self->refresh();
    });
}

void NatMonitor::poll_addresses() {
    if (stopped_) return;
    auto now = local_addresses();
    if (now != addresses_) {
        addresses_ = std::move(now);
        {
            std::lock_guard lk(mu_);
            ++address_changes_;
        }
        spdlog::info("STUN: this machine's addresses changed; discovering the NAT again");
        refresh();
    }
    poll_timer_.expires_after(o_.address_poll);
    poll_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        if (auto self = w.lock(); self && !ec) self->poll_addresses();
    });
}

namespace {

// The fields of GET /net/self after "stun_servers".
void fill(nlohmann::ordered_json& j, const NatReport* last, std::optional<std::int64_t> refreshed,
          bool refreshing, std::uint64_t refreshes, std::uint64_t address_changes) {
    const auto report = (last ? *last : NatReport{}).json();
    j["nat"] = report["nat"];
    j["public_endpoint"] = report["mapped"];
    j["mapping"] = report["mapping"];
    j["filtering"] = report["filtering"];
    j["refreshed"] = refreshed ? nlohmann::ordered_json(*refreshed) : nullptr;
    j["refreshing"] = refreshing;
    j["refreshes"] = refreshes;
    j["address_changes"] = address_changes;
    j["report"] = last ? report : nullptr;
}

}  // namespace

nlohmann::ordered_json NatMonitor::snapshot_of(const NatMonitor* m) {
    if (m) return m->snapshot();
    nlohmann::ordered_json j;
    j["stun_servers"] = nlohmann::ordered_json::array();
    fill(j, nullptr, std::nullopt, false, 0, 0);
    return j;
}

nlohmann::ordered_json NatMonitor::snapshot() const {
    nlohmann::ordered_json j;
    j["stun_servers"] = o_.server_names;
    std::lock_guard lk(mu_);
    fill(j, last_ ? &*last_ : nullptr, refreshed_, refreshing_, refreshes_, address_changes_);
    return j;
}

}  // namespace sharemsg::node
