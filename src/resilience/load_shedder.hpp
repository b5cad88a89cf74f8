#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace emporium::resilience {

struct LoadShedderSettings {
    // Requests in service at once, before anything is measured. At the maximum by default:
    // the limit comes down only on evidence of overload (a standing queue), so a burst
    // into an idle server — a flash sale's buyers all at once — is queued, not shed.
    int initial_limit = 1024;
    int min_limit = 8;
    int max_limit = 1024;
    // A window whose *shortest* queueing delay exceeded the larger of this and the window's
    // mean service time had a standing queue: every request in it waited longer than a
    // request takes, so more work is admitted than the workers take. The limit is then cut
    // by `decrease_factor`; otherwise it grows by about √limit (so after an overload it is
    // back at the maximum within seconds). (Allowing a queue of about one service time keeps every worker busy:
    // the limit settles near twice the workers, not at them.)
    std::chrono::microseconds target_queue_delay{5'000};
    double decrease_factor = 0.9;
    // The second signal, for work that contends for cores rather than waiting for a worker:
    // with more pool threads than cores, overload shows as work getting slower, not as a
    // queue. A window whose service times, class by class, average more than `max_slowdown`
    // times their baseline (each class's fastest window, forgotten by `baseline_drift` a
    // window, so a lasting change of the work is learnt within minutes) while at least
    // `contention_in_flight` requests were in service, `slowdown_windows` times in a row,
    // cuts the limit too. Few in service:
    // slower work is the work's own doing (a cold cache, a slow disk), not too much of it.
    double max_slowdown = 4.0;
    int contention_in_flight = 16;
    // Consecutive windows that must show the slowdown before it cuts: a burst that the cores
    // work off within a few hundred milliseconds (a flash sale's first second) is no overload.
    int slowdown_windows = 3;
    double baseline_drift = 1.002;
    std::chrono::milliseconds window{100};
    int min_window_samples = 8;  // a window closes with fewer only after 10 × `window`
    // Share of the limit each priority (0 = most important) may fill. A request of
    // priority p is admitted while fewer than limit × share[p] requests are in service, so
    // the least important work is the first turned away and the most important keeps
    // headroom that nothing else may take. A share of 0 means never shed (the blocking
    // pool's own bound still holds): checkout is what the shedding is for.
    std::vector<double> shares = {0, 0.9, 0.75, 0.6, 0.4};
};

// An adaptive concurrency limit with priority admission: AIMD, as in Netflix's
// concurrency-limits, steered by measured queueing delay, as CoDel steers a packet queue
// (the minimum over a window, so a burst that drains is no signal but a standing queue
// is), combined with criticality-based shedding. The limit settles where the workers are
// just kept busy: beyond it, admitting more only adds waiting, so that work is refused at
// once (503 + Retry-After) rather than accepted to time out. Queueing delay rather than
// total latency, because requests differ in cost — a product list costs ten cart
// additions — and only the wait says whether there are too many; but a pool with more
// threads than cores has no queue while the cores are overrun, so service times compared
// class by class with their own baselines (a gradient, as Netflix's Gradient2 compares
// latency with its long-term value) are the second signal. Thread-safe; Admit is one
// atomic step, Finish takes a mutex briefly.
class LoadShedder {
  public:
    explicit LoadShedder(LoadShedderSettings settings);

    // True: the caller is admitted and must call Finish once done.
    bool Admit(std::size_t priority);
    // `queue_delay`: admission to the start of the work; `service_time`: the work itself.
    // `overloaded`: the work could not be done for lack of capacity (a full queue, a
    // deadline passed while waiting) — always a reason to cut.
    void Finish(std::size_t priority, std::chrono::nanoseconds queue_delay, std::chrono::nanoseconds service_time,
                bool overloaded = false);

    struct Stats {
        int limit = 0;
        int in_flight = 0;
        double last_min_queue_delay_ms = 0;    // of the last window that closed
        double last_slowdown = 0;              // its service times against their baselines (0: too few in service)
        std::vector<uint64_t> admitted, shed;  // per priority
    };
    Stats stats() const;

  private:
    void Adjust(std::chrono::steady_clock::time_point now);

    LoadShedderSettings settings_;
    std::atomic<int> limit_;
    std::atomic<int> in_flight_{0};
    std::vector<std::atomic<uint64_t>> admitted_, shed_;

    mutable std::mutex mutex_;  // the measuring window
    std::chrono::steady_clock::time_point window_start_;
    int window_samples_ = 0;
    std::chrono::nanoseconds window_min_delay_ = std::chrono::nanoseconds::max();
    bool window_overloaded_ = false;
    std::chrono::nanoseconds last_min_delay_{0};
    int window_peak_in_flight_ = 0;
    struct ClassWindow {
        std::chrono::nanoseconds service_sum{0};
        int samples = 0;
        double baseline_ns = 0;  // 0: not measured yet
    };
    std::vector<ClassWindow> classes_;
    double last_slowdown_ = 0;
    int slow_windows_ = 0;  // consecutive windows past max_slowdown
};

}  // namespace emporium::resilience
