#pragma once

#include <cstdint>
#include <string>

namespace emporium::bus {

// A domain event: something that happened, published through a transactional outbox.
struct Event {
    std::string id;            // unique ("evt_..."); consumers deduplicate on it
    std::string type;          // e.g. "ProductChanged", "OrderPlaced"
    std::string aggregate_id;  // events of one aggregate are delivered in order
    std::string payload;       // a JSON object
    int64_t occurred_at = 0;   // Unix seconds
    int64_t sequence = 0;      // position in its outbox (set when read back)
};

// A new event with a fresh, time-ordered id.
Event NewEvent(std::string type, std::string aggregate_id, std::string payload, int64_t occurred_at);

}  // namespace emporium::bus
