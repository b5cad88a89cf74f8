#include "bus/one_by_one.hpp"

#include <set>
#include <string_view>

namespace emporium::bus {

using core::Error;
using core::Result;

EventBus::BatchHandler OneByOne(EventBus::Handler handler) {
    return [handler = std::move(handler)](const core::RequestContext& ctx, const std::vector<Event>& events) {
        std::vector<Result<void>> outcomes;
        outcomes.reserve(events.size());
        std::set<std::string_view> failed_aggregates;
        for (const Event& event : events) {
            if (failed_aggregates.contains(event.aggregate_id)) {
                outcomes.emplace_back(Error::Unavailable("an earlier event of its aggregate failed"));
                continue;
            }
            try {
                outcomes.push_back(handler(ctx, event));
            } catch (const std::exception& e) {
                outcomes.emplace_back(Error::Internal(std::string("handler threw: ") + e.what()));
            } catch (...) {  // e.g. a library's own exception type: never let it end the thread
                outcomes.emplace_back(Error::Internal("handler threw an exception of an unknown type"));
            }
            if (!outcomes.back().ok()) failed_aggregates.insert(event.aggregate_id);
        }
        return outcomes;
    };
}

}  // namespace emporium::bus
