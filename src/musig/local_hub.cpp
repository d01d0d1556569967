#include "musig/local_hub.hpp"

namespace sharemsg::musig {

class LocalHub::Port final : public Transport {
  public:
    Port(LocalHub& hub, const PlainPubKey& from) : hub_(hub), from_(from) {}
    void send(const PlainPubKey& to, Bytes frame) override {
        Envelope e{from_, to, std::move(frame)};
        hub_.sent_.push_back(e);
        hub_.queue_.push_back(std::move(e));
    }

  private:
    LocalHub& hub_;
    PlainPubKey from_;
};

LocalHub::LocalHub() = default;
LocalHub::~LocalHub() = default;

Transport& LocalHub::port(const PlainPubKey& from) {
    auto& p = ports_[from];
    if (!p) p = std::make_unique<Port>(*this, from);
    return *p;
}

void LocalHub::attach(Coordinator& c) {
    members_[c.own_pubkey()] = &c;
}

void LocalHub::detach(const PlainPubKey& pk) {
    members_.erase(pk);
}

bool LocalHub::deliver_one() {
    if (queue_.empty()) return false;
    Envelope e = std::move(queue_.front());
    queue_.pop_front();
    const Verdict v = filter_ ? filter_(e) : Verdict::deliver;
    switch (v) {
        case Verdict::drop:
            log_.push_back(Delivery{std::move(e), std::nullopt, std::nullopt, false});
            break;
        case Verdict::defer:
            queue_.push_back(std::move(e));
            break;
        case Verdict::duplicate:
            hand_over(e);
            hand_over(e);
            break;
        case Verdict::deliver:
            hand_over(e);
            break;
    }
    return true;
}

std::size_t LocalHub::deliver_all(std::size_t max_steps) {
    std::size_t n = 0;
    while (n < max_steps && deliver_one())
        ++n;
    return n;
}

void LocalHub::hand_over(const Envelope& e) {
    Delivery d{e, std::nullopt, std::nullopt, false};
    const auto it = members_.find(e.to);
    if (it != members_.end()) {
        d.delivered = true;
        auto r = it->second->receive(e.frame);
        if (r)
            d.event = *r;
        else
            d.refusal = r.error();
    }
    log_.push_back(std::move(d));
}

}  // namespace sharemsg::musig
