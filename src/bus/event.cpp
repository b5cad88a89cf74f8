#include "bus/event.hpp"

#include "core/random.hpp"

namespace emporium::bus {

Event NewEvent(std::string type, std::string aggregate_id, std::string payload, int64_t occurred_at) {
    return Event{
        core::NewTimeOrderedId("evt"), std::move(type), std::move(aggregate_id), std::move(payload), occurred_at, 0};
}

}  // namespace emporium::bus
