#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/json_writer.hpp"
#include "gateway/route_class.hpp"
#include "http/ip_networks.hpp"
#include "http/request_policy.hpp"
#include "observability/metrics.hpp"
#include "resilience/load_shedder.hpp"
#include "resilience/rate_limit_store.hpp"
#include "resilience/registry.hpp"

namespace emporium::gateway {

struct ClassPolicy {
    resilience::BucketLimit rate;                // per user (signed in) or per client address
    std::chrono::milliseconds deadline{10'000};  // the request's time budget
};

struct GatewaySettings {
    std::array<ClassPolicy, kRouteClassCount> classes;  // indexed by RouteClass
    bool rate_limits = true;
    // Peers whose X-Forwarded-For is believed (HAProxy in front); others' is ignored.
    http::IpNetworks trusted_proxies;
    // Clients that skip the rate-limit buckets (by default loopback, so local benchmarks
    // and tools measure the shop, not the limiter). Failed-login limits still apply.
    http::IpNetworks exempt_networks;
    // The counter store answers without blocking (in-process memory): buckets of anonymous
    // requests are then taken on the event loop, else on the blocking pool.
    bool local_store = true;
    bool load_shedding = true;
    resilience::LoadShedderSettings shedder;
    std::chrono::seconds shed_retry_after{1};
};

// The gateway's admission policy (issue 16): client address, deadline by route class,
// token-bucket rate limits with RateLimit / RateLimit-Policy fields and 429 + Retry-After,
// and priority load shedding of blocking work (checkout > orders > login > browse >
// recommendations) with 503 + Retry-After. A counter store that fails lets requests
// through: the shop stays open when Redis is away, and says so in the log and metrics.
class Gateway final : public http::RequestPolicy {
  public:
    Gateway(GatewaySettings settings, const http::Router& router, resilience::RateLimitStore& store);

    std::optional<http::Response> OnArrival(const http::Route& route, http::Request& request) override;
    bool NeedsBlockingCheck(const http::Request& request) const override { return request.rate_check_pending; }
    std::optional<http::Response> OnAuthenticated(const http::Route& route, http::Request& request) override;
    http::Response OnAuthenticationFailed(const http::Route& route, http::Request& request,
                                          http::Response refusal) override;
    bool Admit(const http::Route& route, http::Request& request) override;
    http::Response Shed(const http::Route& route, const http::Request& request) override;
    void Finish(const http::Route& route, const http::Request& request, std::chrono::nanoseconds queue_delay,
                std::chrono::nanoseconds service_time, bool overloaded) override;

    RouteClass ClassOf(const http::Route& route) const;
    void RenderMetrics(std::string& out) const;
    // The gateway as one component of the resilience view (GET /api/v1/admin/resilience):
    // the load shedder's limit and the classes' limits and counters. Must not outlive it.
    std::unique_ptr<resilience::Component> AsComponent() const;

  private:
    class Component;
    void WriteState(core::JsonWriter& json) const;
    std::optional<http::Response> TakeToken(RouteClass route_class, http::Request& request, std::string key);

    GatewaySettings settings_;
    resilience::RateLimitStore& store_;
    std::unordered_map<const http::Route*, RouteClass> classes_;
    resilience::LoadShedder shedder_;
    struct ClassCounters {
        observability::Counter limited, store_failures;
    };
    std::array<ClassCounters, kRouteClassCount> counters_;
};

}  // namespace emporium::gateway
