#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/mailbox_http.hpp"

#include <array>
#include <cstdlib>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <nlohmann/json.hpp>

#include "node/http_client.hpp"

namespace sharemsg::node {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

namespace {

MailboxReply classify(unsigned status, std::string body) {
    MailboxReply r;
    r.status = status;
    if (status >= 200 && status < 300) {
        r.kind = MailboxReply::Kind::ok;
        r.body = std::move(body);
        return r;
    }
    std::string name;
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
        name = j["error"].get<std::string>();
    r.problem = problem_from_name(name);
    r.why = "HTTP " + std::to_string(status) + (name.empty() ? "" : " " + name);
    if (j.is_object() && j.contains("detail") && j["detail"].is_string())
        r.why += ": " + j["detail"].get<std::string>();
    r.kind =
        status == 429 || status >= 500 ? MailboxReply::Kind::failed : MailboxReply::Kind::refused;
    r.body = std::move(body);
    return r;
}

// Splits an event stream's text into events (the SSE rules this client needs: "event:",
// "data:" (lines joined by \n), comments and other fields ignored, a blank line ends an
// event).
class SseParser {
  public:
    // False when an event grows over the limit.
    bool feed(std::string_view bytes, const EventStream::OnEvent& on_event) {
        line_.append(bytes);
        std::size_t start = 0;
        for (;;) {
            const auto nl = line_.find('\n', start);
            if (nl == std::string::npos) break;
            std::string_view line(line_.data() + start, nl - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            start = nl + 1;
            if (line.empty()) {
                if (has_data_)
                    on_event(EventStream::Event{name_.empty() ? "message" : name_, data_});
                name_.clear();
                data_.clear();
                has_data_ = false;
                continue;
            }
            if (line.front() == ':') continue;
            const auto colon = line.find(':');
            std::string_view field = line.substr(0, colon);
            std::string_view value =
                colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (field == "event") {
                name_ = value;
            } else if (field == "data") {
                if (has_data_) data_ += '\n';
                data_ += value;
                has_data_ = true;
            }
        }
        line_.erase(0, start);
        return line_.size() + data_.size() <= EventStream::kMaxEvent;
    }

  private:
    std::string line_, name_, data_;
    bool has_data_ = false;
};

}  // namespace

std::optional<relay::Problem> problem_from_name(std::string_view name) {
    if (name.empty() || name == "unknown") return std::nullopt;
    for (int i = 0; i < 256; ++i) {
        const auto p = static_cast<relay::Problem>(i);
        if (name == relay::problem_name(p)) return p;
    }
    return std::nullopt;
}

Result<MailboxAddress> parse_mailbox_url(const std::string& url) {
    constexpr std::string_view scheme = "http://";
    std::string rest = url.rfind(scheme, 0) == 0 ? url.substr(scheme.size()) : "";
    while (!rest.empty() && rest.back() == '/')
        rest.pop_back();
    auto hp = parse_host_port(rest);
    if (rest.empty() || !hp || rest.find('/') != std::string::npos)
        return make_error(Errc::invalid_argument,
                          "--mailbox-url " + url + ": need http://HOST:PORT");
    return MailboxAddress{url, hp->first, hp->second};
}

MailboxReply MailboxHttp::post(const std::string& target, const std::string& body) const {
    HttpCall call;
    call.host = a_.host;
    call.port = a_.port;
    call.method = "POST";
    call.target = target;
    call.body = body;
    call.timeout = timeout_;
    auto res = http_call(call);
    if (!res) {
        MailboxReply r;
        r.why = res.error().reason;
        return r;
    }
    return classify(res->status, std::move(res->body));
}

void EventStream::stop() {
    stopped_.store(true);
    io_.stop();
}

EventStream::End EventStream::run(const MailboxAddress& a, const std::string& target,
                                  const std::string& body, const OnEvent& on_event,
                                  std::chrono::milliseconds connect_timeout,
                                  std::chrono::milliseconds idle) {
    End end;
    io_.restart();
    // stop() from here on stops io_.run() below.
    if (stopped_.load()) {
        end.kind = End::Kind::stopped;
        end.why = "stopped";
        return end;
    }
    tcp::resolver resolver(io_);
    beast::tcp_stream stream(io_);
    const std::string request = "POST " + target + " HTTP/1.1\r\nHost: " + a.host +
                                "\r\nUser-Agent: sharemsg\r\nContent-Type: application/json\r\n"
                                "Accept: text/event-stream\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    std::string head;  // the reply's head, then (a refusal) its body
    bool in_body = false, streaming = false;
    unsigned status = 0;
    std::size_t content_length = std::string::npos;
    SseParser parser;
    std::array<char, 8192> buf{};

    // The reply: its head, then either a refusal's body or the events.
    std::function<void()> read_more;
    auto on_head = [&]() -> bool {
        const auto eol = head.find("\r\n");
        const auto sp = head.find(' ');
        if (head.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos || sp > eol) return false;
        status = static_cast<unsigned>(std::atoi(head.c_str() + sp + 1));
        std::string lower;
        const auto end_of_head = head.find("\r\n\r\n");
        for (std::size_t i = 0; i < end_of_head; ++i)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(head[i])));
        if (lower.find("transfer-encoding: chunked") != std::string::npos) return false;
        if (const auto cl = lower.find("content-length:"); cl != std::string::npos)
            content_length = static_cast<std::size_t>(std::atoll(lower.c_str() + cl + 15));
        streaming = status == 200 && lower.find("text/event-stream") != std::string::npos;
        return true;
    };
    read_more = [&] {
        stream.expires_after(idle);
        stream.async_read_some(boost::asio::buffer(buf), [&](beast::error_code ec, std::size_t n) {
            if (ec) {
                if (in_body && !streaming) {
                    end.kind = End::Kind::refused;
                    end.reply = classify(status, head);
                } else if (ec == boost::asio::error::eof && streaming) {
                    end.kind = End::Kind::ended;
                    end.why = "the mailbox closed the stream";
                } else {
                    end.why = (in_body ? "read: " : "reply: ") + ec.message();
                }
                return;
            }
            std::string_view got(buf.data(), n);
            if (!in_body) {
                head.append(got);
                const auto hend = head.find("\r\n\r\n");
                if (hend == std::string::npos) {
                    if (head.size() > 16 * 1024) {
                        end.why = "reply: a head over 16 KiB";
                        return;
                    }
                    return read_more();
                }
                if (!on_head()) {
                    end.why = "reply: not an HTTP/1.1 reply this client reads";
                    return;
                }
                in_body = true;
                std::string rest = head.substr(hend + 4);
                head = std::move(rest);
                if (streaming) {
                    if (!parser.feed(head, on_event)) {
                        end.why = "an event over 64 KiB";
                        return;
                    }
                    head.clear();
                }
            } else if (streaming) {
                if (!parser.feed(got, on_event)) {
                    end.why = "an event over 64 KiB";
                    return;
                }
            } else {
                head.append(got);
            }
            if (in_body && !streaming &&
                (head.size() >= content_length || head.size() > kMaxEvent)) {
                end.kind = End::Kind::refused;
                end.reply = classify(status, head);
                return;
            }
            read_more();
        });
    };

    resolver.async_resolve(
        a.host, std::to_string(a.port), [&](beast::error_code ec, tcp::resolver::results_type eps) {
            if (ec) {
                end.why = "resolve " + a.host + ": " + ec.message();
                return;
            }
            stream.expires_after(connect_timeout);
            stream.async_connect(eps, [&](beast::error_code ec2, const tcp::endpoint&) {
                if (ec2) {
                    end.why =
                        "connect " + a.host + ":" + std::to_string(a.port) + ": " + ec2.message();
                    return;
                }
                boost::asio::async_write(stream, boost::asio::buffer(request),
                                         [&](beast::error_code ec3, std::size_t) {
                                             if (ec3) {
                                                 end.why = "send: " + ec3.message();
                                                 return;
                                             }
                                             read_more();
                                         });
            });
        });
    io_.run();
    if (stopped_.load()) {
        end.kind = End::Kind::stopped;
        end.why = "stopped";
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    io_.restart();
    io_.poll();  // lets the cancelled handlers finish while the locals live
    return end;
}

}  // namespace sharemsg::node
