#pragma once

// An in-memory ShippingRepository for unit tests (LevelDB's NewMemEnv idea): a map under one
// mutex, behaving as SqliteShippingRepository does. Every method is atomic: a batch works on
// a copy of the state that replaces it on success. It refuses an expired deadline, as the
// SQLite adapter does.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "services/shipping/shipping_repository.hpp"

namespace emporium::shipping {

class MemoryShippingRepository final : public ShippingRepository {
  public:
    // Like the adapter: a new shipment is stored as label_created with one "Shipping label
    // created" event at `now`, whatever status and events it came with; a tracking number of
    // another order is a kConflict that stores nothing of the batch.
    core::Result<std::vector<Shipment>> InsertOrFind(const core::RequestContext& ctx,
                                                     const std::vector<Shipment>& shipments, int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        Shipments next = shipments_;
        std::vector<Shipment> stored;
        stored.reserve(shipments.size());
        for (const Shipment& shipment : shipments) {
            auto it = FindOrder(next, shipment.order_id);
            if (it == next.end()) {
                if (next.contains(shipment.tracking_number)) return core::Error::Conflict("tracking number taken");
                Shipment fresh{shipment.tracking_number,
                               shipment.order_id,
                               shipment.user_id,
                               shipment.carrier,
                               ShipmentStatus::kLabelCreated,
                               {TrackingEvent{ShipmentStatus::kLabelCreated, "Shipping label created", now}}};
                it = next.emplace(shipment.tracking_number, std::move(fresh)).first;
            }
            stored.push_back(it->second);
        }
        shipments_ = std::move(next);
        return stored;
    }
    core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = FindOrder(shipments_, order_id);
        if (it == shipments_.end()) return core::Error::NotFound("No such shipment.");
        return it->second;
    }
    core::Result<Shipment> FindByTracking(const core::RequestContext& ctx, std::string_view tracking_number) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = shipments_.find(tracking_number);
        if (it == shipments_.end()) return core::Error::NotFound("No such shipment.");
        return it->second;
    }
    core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                    const TrackingEvent& event) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = shipments_.find(tracking_number);
        if (it == shipments_.end()) return core::Error::NotFound("No such shipment.");
        Shipment& shipment = it->second;
        if (static_cast<int>(event.status) < static_cast<int>(shipment.status))
            return core::Error::Conflict("The shipment is already " + std::string(StatusName(shipment.status)) + ".");
        if (!shipment.events.empty()) {
            const TrackingEvent& last = shipment.events.back();
            if (last.status == event.status &&
                (event.status == ShipmentStatus::kDelivered || last.description == event.description))
                return shipment;
        }
        shipment.status = event.status;
        shipment.events.push_back(event);
        return shipment;
    }

  private:
    using Shipments = std::map<std::string, Shipment, std::less<>>;  // by tracking number

    static Shipments::iterator FindOrder(Shipments& shipments, std::string_view order_id) {
        for (auto it = shipments.begin(); it != shipments.end(); ++it)
            if (it->second.order_id == order_id) return it;
        return shipments.end();
    }

    std::mutex mutex_;
    Shipments shipments_;
};

}  // namespace emporium::shipping
