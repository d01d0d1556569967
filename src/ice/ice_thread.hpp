// The thread that runs every libnice agent of the process: one GMainContext and its GMainLoop,
// on a dedicated thread named "ice". Sessions (session.hpp) create their agents with this
// context, so every libnice signal and every session callback runs on this thread.
//
// Network namespaces: a thread starts in the network namespace of the thread that created it,
// and libnice opens its sockets on this thread. Create the IceThread from a thread that has
// entered a namespace (setns) and every socket its agents open is in that namespace; the NAT
// lab's tests (tests/integration/test_nat_ice.cpp) rely on it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

typedef struct _GMainContext GMainContext;
typedef struct _GMainLoop GMainLoop;

namespace sharemsg::ice {

class IceThread {
  public:
    // Something that holds libnice objects on this thread; stop() shuts down what remains.
    class Owned {
      public:
        virtual ~Owned() = default;
        // Called on the ICE thread; releases the libnice objects, calls back no more.
        virtual void shutdown() = 0;
    };

    // Starts the thread (and its loop) at once.
    IceThread();
    // stop().
    ~IceThread();
    IceThread(const IceThread&) = delete;
    IceThread& operator=(const IceThread&) = delete;

    // Queues fn to run on the ICE thread, always later (never inside the caller, even when called
    // on the ICE thread). False once stop() has begun: fn is dropped without running.
    bool invoke(std::function<void()> fn);

    // Shuts down every owned object still registered, quits the loop and joins. Idempotent; from
    // any thread but the ICE thread itself.
    void stop();

    bool on_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
    // The context agents are created with (for the ICE thread's code only).
    GMainContext* context() const { return ctx_; }

    // On the ICE thread only: keep `o` alive until it is released or stop() shuts it down.
    void adopt(std::shared_ptr<Owned> o);
    void release(Owned* o);
    // On the ICE thread only: work that finishes later (an agent's asynchronous close, which
    // releases its TURN allocations). stop() keeps the loop running until every hold is
    // dropped, for at most kStopGraceMs.
    void hold() { ++holds_; }
    void unhold() { --holds_; }
    static constexpr int kStopGraceMs = 2000;

  private:
    void run();
    void quit_when_idle(long long deadline_us);

    GMainContext* ctx_ = nullptr;
    GMainLoop* loop_ = nullptr;
    std::mutex mu_;
    bool stopping_ = false;                      // under mu_
    std::vector<std::shared_ptr<Owned>> owned_;  // ICE thread only
    int holds_ = 0;                              // ICE thread only
    std::thread thread_;
};

}  // namespace sharemsg::ice
