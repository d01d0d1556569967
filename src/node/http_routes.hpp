// The HTTP API's endpoints as one table (path, methods, token, handler) and the checks every
// request passes before its handler runs: the Host name, the token, the method. The server
// (http.cpp) reads requests off sockets and calls route(); docs/api.md lists the endpoints.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "node/api_json.hpp"
#include "node/http_policy.hpp"

namespace sharemsg::node {

class Node;

struct HttpRequest {
    std::string method;
    std::string target;
    std::string body;
    std::optional<std::string> authorization;  // the Authorization header, if sent
    std::optional<std::string> host;           // the Host header, if sent
    std::string client;  // the client's address (hex of its ClientKey): rate limits count it
};

using ReplyFn = std::function<void(HttpReply)>;

enum Method : unsigned { kGet = 1, kPost = 2, kDelete = 4 };
// The Method bit of a request method ("GET" -> kGet); 0 for any other.
unsigned method_bit(std::string_view method);

enum class Access {
    open,   // anyone the Host check lets in; private text only with the token
    token,  // only with the node's token (Authorization: Bearer, from DATADIR/.cookie)
    // any Host: the relay's endpoints, which other machines reach by the relay's own name;
    // they hold nothing private and every change is signed (docs/relay.md)
    anyone,
};

// A connection that becomes an event stream (text/event-stream): /msg/stream's (topic empty:
// every stored message) or a mailbox's subscribe stream (topic: the receiver's signing id in
// hex, fed by HttpServer::publish_event). `first` is sent right after the head (an event, or
// nothing).
struct StreamStart {
    PrivateText text = PrivateText::hidden;
    std::string topic;
    std::string first;
};
// Turns the request's connection into a stream; callable from any thread.
using StreamFn = std::function<void(StreamStart)>;

// What a handler gets: the node, the request, its query, whether it may show private text,
// and how to turn the connection into a stream instead of answering through `done`.
struct RouteCall {
    Node& node;
    const HttpRequest& req;
    const std::map<std::string, std::string>& params;
    PrivateText text;
    const StreamFn* stream = nullptr;
};
// Answers through `done`: at once for reads; for writes once the change is durable (then
// possibly on another thread).
using Handler = void (*)(const RouteCall& call, const ReplyFn& done);

struct Route {
    std::string_view path;
    unsigned methods;  // Method bits
    Access access;
    Handler handler;      // nullptr for /msg/stream: the server keeps that connection itself
    bool prefix = false;  // `path` is a prefix: the rest of the path is the handler's argument
};

// Every endpoint, once. The pages (/, /static/...) are served from the built-in assets.
std::span<const Route> route_table();
// The table's entry for a path (without its query), or nullptr.
const Route* find_route(std::string_view path);

// Routes one request: Host check (403), token check (401: a token sent must be right; a
// token route needs one), method (405), then the handler or the built-in pages (404). For
// /msg/stream it calls `stream` instead of `done`, with whether the token was given; a
// handler may call it too (the mailbox's subscribe).
void route(Node& node, const HostAllowList& hosts, const HttpRequest& req, ReplyFn done,
           const StreamFn& stream);

}  // namespace sharemsg::node
