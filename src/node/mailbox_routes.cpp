#include "node/mailbox_routes.hpp"

#include "mailbox/service.hpp"
#include "node/http.hpp"
#include "node/node.hpp"

namespace sharemsg::node {

namespace {

relay::AnswerFn answer(const ReplyFn& done) {
    return [done](relay::Answer a) {
        done({a.status, "application/json", std::move(a.body), a.retry_after});
    };
}

// The mailbox's service, or a 404 "not_enabled" answered.
mailbox::Service* service_or_404(const RouteCall& c, const ReplyFn& done) {
    mailbox::Service* s = c.node.mailbox();
    if (!s)
        answer(done)(relay::problem_answer(relay::fail(
            relay::Problem::not_enabled, "this node is not a mailbox (start it with --mailbox)")));
    return s;
}

}  // namespace

void mailbox_challenge(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->challenge(c.req.client, answer(done));
}

void mailbox_register(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->post_register(c.req.body, c.req.client, answer(done));
}

void mailbox_send(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->post_send(c.req.body, c.req.client, answer(done));
}

void mailbox_get(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->post_get(c.req.body, c.req.client, answer(done));
}

void mailbox_ack(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->post_ack(c.req.body, c.req.client, answer(done));
}

void mailbox_subscribe(const RouteCall& c, const ReplyFn& done) {
    auto* s = service_or_404(c, done);
    if (!s) return;
    // The stream opens on the I/O thread after the worker read the state; the worker tells new
    // ids through the I/O thread too (Node's listener), in the order it posts them, so none
    // falls between the state and the stream.
    StreamFn stream = c.stream ? *c.stream : StreamFn{};
    s->post_subscribe(
        c.req.body, c.req.client,
        [done, stream](std::variant<relay::Answer, mailbox::Subscribed> v) {
            if (auto* a = std::get_if<relay::Answer>(&v)) return answer(done)(*a);
            const auto& sub = std::get<mailbox::Subscribed>(v);
            if (!stream)
                return done(error_reply(500, "internal error", "this connection cannot stream"));
            nlohmann::ordered_json j;
            j["lowest"] = sub.state.lowest;
            j["highest"] = sub.state.highest;
            stream(StreamStart{PrivateText::hidden, to_hex(sub.receiver), sse_event("state", j)});
        });
}

void mailbox_health(const RouteCall& c, const ReplyFn& done) {
    if (auto* s = service_or_404(c, done)) s->health(c.req.client, answer(done));
}

std::string mailbox_metrics_text(Node& node) {
    const auto* s = node.mailbox();
    if (!s) return {};
    return s->metrics_text(node.http() ? node.http()->topic_streams() : 0);
}

}  // namespace sharemsg::node
