#include "ice/ice_thread.hpp"

#include <glib.h>
#include <pthread.h>

#include <algorithm>
#include <cassert>

namespace sharemsg::ice {

namespace {

gboolean run_function(gpointer data) {
    (*static_cast<std::function<void()>*>(data))();
    return G_SOURCE_REMOVE;
}

void delete_function(gpointer data) {
    delete static_cast<std::function<void()>*>(data);
}

}  // namespace

IceThread::IceThread() {
    ctx_ = g_main_context_new();
    loop_ = g_main_loop_new(ctx_, FALSE);
    thread_ = std::thread([this] { run(); });
}

IceThread::~IceThread() {
    stop();
}

void IceThread::run() {
    pthread_setname_np(pthread_self(), "ice");
    g_main_context_push_thread_default(ctx_);
    g_main_loop_run(loop_);
    g_main_context_pop_thread_default(ctx_);
}

bool IceThread::invoke(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    GSource* s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(s, run_function, new std::function<void()>(std::move(fn)),
                          delete_function);
    g_source_attach(s, ctx_);
    g_source_unref(s);
    return true;
}

void IceThread::adopt(std::shared_ptr<Owned> o) {
    assert(on_thread());
    owned_.push_back(std::move(o));
}

void IceThread::release(Owned* o) {
    assert(on_thread());
    std::erase_if(owned_, [o](const auto& p) { return p.get() == o; });
}

// Quits the loop once no hold is left, or at the deadline (what is still closing then is
// abandoned with the context).
void IceThread::quit_when_idle(long long deadline_us) {
    if (holds_ == 0 || g_get_monotonic_time() >= deadline_us) {
        g_main_loop_quit(loop_);
        return;
    }
    GSource* s = g_timeout_source_new(10);
    g_source_set_callback(s, run_function, new std::function<void()>([this, deadline_us] {
                              quit_when_idle(deadline_us);
                          }),
                          delete_function);
    g_source_attach(s, ctx_);
    g_source_unref(s);
}

void IceThread::stop() {
    assert(!on_thread());
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        // The last function queued: everything queued before it runs first.
        GSource* s = g_idle_source_new();
        g_source_set_priority(s, G_PRIORITY_DEFAULT);
        g_source_set_callback(
            s, run_function, new std::function<void()>([this] {
                auto owned = std::move(owned_);
                owned_.clear();
                for (auto& o : owned)
                    o->shutdown();
                owned.clear();
                quit_when_idle(g_get_monotonic_time() + kStopGraceMs * G_TIME_SPAN_MILLISECOND);
            }),
            delete_function);
        g_source_attach(s, ctx_);
        g_source_unref(s);
        stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
    // Sources still attached (none should be) are destroyed with the context.
    g_main_loop_unref(loop_);
    g_main_context_unref(ctx_);
    loop_ = nullptr;
    ctx_ = nullptr;
}

}  // namespace sharemsg::ice
