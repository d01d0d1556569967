#include "node/mail_inbox.hpp"

#include <algorithm>

namespace sharemsg::node {

Result<MailReceived> InboxOrder::enter(const PubKey& from, std::uint64_t index, std::string text,
                                       std::uint64_t sent, std::string path, std::uint64_t now) {
    MailReceived m;
    m.from = from;
    m.index = index;
    m.text = std::move(text);
    m.sent = sent;
    m.received = now;
    m.path = std::move(path);
    return db_.add_inbox(std::move(m));
}

Result<std::vector<MailReceived>> InboxOrder::take(const Arrival& a, std::uint64_t now) {
    std::vector<MailReceived> out;
    auto next = db_.next_expected(a.me, a.from);
    if (!next) return next.error();
    if (a.index != *next) {
        if (a.index > *next) {
            if (auto s = db_.add_held(a.me, a.from, HeldRow{a.index, a.text, a.sent, now, a.path});
                !s)
                return s.error();
        } else {
            // Its gap was given up already: late, but not lost.
            auto m = enter(a.from, a.index, a.text, a.sent, a.path, now);
            if (!m) return m.error();
            out.push_back(std::move(*m));
            return out;
        }
    } else {
        auto m = enter(a.from, a.index, a.text, a.sent, a.path, now);
        if (!m) return m.error();
        out.push_back(std::move(*m));
        if (auto s = db_.set_next_expected(a.me, a.from, a.index + 1); !s) return s.error();
    }
    if (auto s = release(a.me, a.from, now, out); !s) return s.error();
    return out;
}

Status InboxOrder::release(const PubKey& me, const PubKey& from, std::uint64_t now,
                           std::vector<MailReceived>& out) {
    auto next = db_.next_expected(me, from);
    if (!next) return next.error();
    auto held = db_.held(me, from);
    if (!held) return held.error();
    const std::uint64_t start = *next;
    std::size_t i = 0;
    auto& rows = *held;
    while (i < rows.size()) {
        if (rows[i].index != *next) {
            // A gap before rows[i]: it has been there since the earliest of the rows after it
            // arrived.
            std::uint64_t since = rows[i].arrived;
            for (std::size_t k = i; k < rows.size(); ++k)
                since = std::min(since, rows[k].arrived);
            const bool old = since + o_.gap_timeout <= now;
            const bool far = rows.back().index >= *next + o_.window;
            if (!old && !far) break;
            *next = rows[i].index;
        }
        auto m = enter(from, rows[i].index, std::move(rows[i].text), rows[i].sent,
                       std::move(rows[i].path), now);
        if (!m) return m.error();
        if (auto s = db_.drop_held(me, from, rows[i].index); !s) return s.error();
        out.push_back(std::move(*m));
        ++*next;
        ++i;
    }
    if (*next != start)
        if (auto s = db_.set_next_expected(me, from, *next); !s) return s;
    return Ok{};
}

Result<std::vector<MailReceived>> InboxOrder::sweep(std::uint64_t now) {
    std::vector<MailReceived> out;
    auto senders = db_.held_senders();
    if (!senders) return senders.error();
    for (const auto& [me, from] : *senders)
        if (auto s = release(me, from, now, out); !s) return s.error();
    return out;
}

}  // namespace sharemsg::node
