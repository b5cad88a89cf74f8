#pragma once

#include "bus/event_bus.hpp"

namespace emporium::bus {

// A consumer's Handler as the BatchHandler both bus adapters deliver to: one event at a
// time, in order; once an event fails, its aggregate's later events in the batch are not
// handed over (they fail with kUnavailable and come again), so a consumer sees an
// aggregate's events in order. What a handler throws is its event's failure.
EventBus::BatchHandler OneByOne(EventBus::Handler handler);

}  // namespace emporium::bus
