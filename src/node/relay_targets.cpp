#include "node/relay_targets.hpp"

#include "node/http_client.hpp"

namespace sharemsg::node {

RelayReply classify_reply(const Result<HttpResponse>& res) {
    RelayReply r;
    if (!res) {
        r.why = res.error().reason;
        return r;
    }
    if (res->status >= 200 && res->status < 300) {
        r.kind = RelayReply::Kind::ok;
        return r;
    }
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
        r.error = j["error"].get<std::string>();
    r.why = "HTTP " + std::to_string(res->status) + (r.error.empty() ? "" : " " + r.error);
    r.kind = res->status == 429 || res->status >= 500 ? RelayReply::Kind::failed
                                                      : RelayReply::Kind::refused;
    return r;
}

Result<std::shared_ptr<RelayTargets>> RelayTargets::parse(const std::vector<std::string>& urls,
                                                          Options o) {
    std::vector<Address> out;
    for (const auto& url : urls) {
        constexpr std::string_view scheme = "http://";
        std::string rest = url.rfind(scheme, 0) == 0 ? url.substr(scheme.size()) : "";
        while (!rest.empty() && rest.back() == '/')
            rest.pop_back();
        auto hp = parse_host_port(rest);
        if (rest.empty() || !hp || rest.find('/') != std::string::npos)
            return make_error(Errc::invalid_argument,
                              "--relay-url " + url + ": need http://HOST:PORT");
        out.push_back(Address{url, hp->first, hp->second});
    }
    return std::shared_ptr<RelayTargets>(new RelayTargets(std::move(out), o));
}

bool RelayTargets::usable(std::size_t i, double now) const {
    std::lock_guard lk(mu_);
    return health_.at(i).breaker.usable(now);
}

bool RelayTargets::succeeded(std::size_t i, Use use, double now) {
    std::lock_guard lk(mu_);
    auto& h = health_.at(i);
    if (use == Use::registration)
        ++h.registrations;
    else
        ++h.lookups;
    return h.breaker.succeeded(now);
}

bool RelayTargets::failed(std::size_t i, Use use, const std::string& why, double now) {
    std::lock_guard lk(mu_);
    auto& h = health_.at(i);
    if (use == Use::lookup) ++h.lookup_failures;
    h.last_error = why;
    return h.breaker.failed(now);
}

void RelayTargets::refused(std::size_t i, Use use, const std::string& why) {
    std::lock_guard lk(mu_);
    auto& h = health_.at(i);
    if (use == Use::lookup) ++h.lookup_failures;
    h.last_error = why;
    h.breaker.refused();
}

void RelayTargets::set_next_registration(std::size_t i, double when) {
    std::lock_guard lk(mu_);
    health_.at(i).next = when;
}

nlohmann::ordered_json RelayTargets::state() const {
    static constexpr const char* kNames[] = {"new", "ok", "refused", "failing", "open"};
    using J = nlohmann::ordered_json;
    J a = J::array();
    std::lock_guard lk(mu_);
    for (std::size_t i = 0; i < addresses_.size(); ++i) {
        const auto& h = health_[i];
        J j;
        j["url"] = addresses_[i].url;
        const auto& b = h.breaker;
        const bool open = b.state() == util::CircuitBreaker::State::open;
        j["state"] = kNames[static_cast<int>(b.state())];
        j["failures"] = b.failures();
        j["registrations"] = h.registrations;
        j["lookups"] = h.lookups;
        j["lookup_failures"] = h.lookup_failures;
        j["last_ok"] = b.last_ok() > 0 ? J(b.last_ok()) : J();
        j["last_error"] = h.last_error;
        j["next"] = open ? b.open_until() : h.next;
        a.push_back(std::move(j));
    }
    return a;
}

}  // namespace sharemsg::node
