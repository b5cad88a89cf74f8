#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "http/router.hpp"

namespace emporium::paygw {

// Behaviour that tests and benchmarks change at run time (PUT /admin/settings).
struct SimulatorSettings {
    int latency_ms = 0;         // added to every API call
    int latency_jitter_ms = 0;  // plus uniform 0..jitter
    double error_rate = 0;      // share of charge/refund calls answered 503 without doing anything
    double hang_rate = 0;       // share of charge/refund calls that wait hang_ms, then answer 503
    int hang_ms = 10'000;
};

struct SimulatorOptions {
    std::string webhook_url;     // empty: no webhooks
    std::string webhook_secret;  // HMAC-SHA256 key for Paygw-Signature
};

// `emporium paygw`: a stand-in for a card payment provider, run as its own process (the
// real one is outside our walls). It tokenises cards, charges tokens with idempotency
// keys, refunds, sends signed webhooks, and misbehaves on request. Test cards:
//   4242424242424242 succeeds, 4000000000000002 is declined (card_declined),
//   4000000000009995 is declined (insufficient_funds), 4000000000000119 fails with a
//   500 processing_error (retryable, nothing charged). Any other valid card succeeds.
// State lives in memory. Thread-safe.
class PspSimulator {
  public:
    explicit PspSimulator(SimulatorOptions options);
    ~PspSimulator();

    void RegisterRoutes(http::Router& router);

  private:
    struct Charge {
        std::string id, status, decline_code, currency, token, order_id, card_last4, card_brand;
        int64_t amount = 0, refunded = 0, created = 0;
    };

    http::Response Tokenize(http::Request& request);
    http::Response CreateCharge(http::Request& request);
    http::Response GetCharge(http::Request& request);
    http::Response CreateRefund(http::Request& request);
    http::Response Stats(http::Request& request);
    http::Response GetSettings(http::Request& request);
    http::Response PutSettings(http::Request& request);
    // Applies latency, errors and hangs; a response means "answer this instead".
    std::optional<http::Response> Misbehave();
    std::string ChargeJson(const Charge& charge) const;
    void QueueWebhook(const std::string& type, const std::string& data_json);
    void WebhookLoop();

    SimulatorOptions options_;
    std::mutex mutex_;
    SimulatorSettings settings_;
    std::map<std::string, std::string> token_cards_;    // token → card number
    std::map<std::string, Charge> charges_;             // id → charge
    std::map<std::string, std::string> charge_by_key_;  // idempotency key → charge id
    std::map<std::string, std::string> refund_by_key_;  // idempotency key → refund JSON
    int64_t charge_requests_ = 0;

    std::mutex webhook_mutex_;
    std::condition_variable webhook_wakeup_;
    std::deque<std::string> webhooks_;
    bool stopping_ = false;
    std::thread webhook_thread_;
};

}  // namespace emporium::paygw
