#include "services/shipping/storage/sqlite_shipping_repository.hpp"

#include "core/deadline.hpp"
#include "services/shipping/storage/shipping_rows.hpp"

namespace emporium::shipping {

using core::Error;
using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kSelectByOrder =
    "SELECT tracking_number, order_id, user_id, carrier, status FROM shipments WHERE order_id = ?1";
constexpr std::string_view kSelectByTracking =
    "SELECT tracking_number, order_id, user_id, carrier, status FROM shipments WHERE tracking_number = ?1";
constexpr std::string_view kInsertShipment =
    "INSERT INTO shipments (tracking_number, order_id, user_id, carrier, status, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, 'label_created', ?5, ?5) ON CONFLICT (order_id) DO NOTHING";
constexpr std::string_view kInsertEvent =
    "INSERT INTO shipment_events (tracking_number, status, description, at) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kSelectEvents =
    "SELECT status, description, at FROM shipment_events WHERE tracking_number = ?1 ORDER BY seq";
constexpr std::string_view kUpdateStatus =
    "UPDATE shipments SET status = ?2, updated_at = ?3 WHERE tracking_number = ?1";

Result<Shipment> Load(Connection& c, std::string_view sql, std::string_view key) {
    Shipment s;
    {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
        stmt.Bind(1, key);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such shipment.");
        s = ReadShipment(stmt);
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto events, c.Prepare(kSelectEvents));
    events.Bind(1, s.tracking_number);
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool row, events.Step());
        if (!row) break;
        s.events.push_back(ReadTrackingEvent(events, 0));
    }
    return s;
}

}  // namespace

Result<std::vector<Shipment>> SqliteShippingRepository::InsertOrFind(const core::RequestContext& ctx,
                                                                     const std::vector<Shipment>& shipments,
                                                                     int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<std::vector<Shipment>>([&](Connection& c) -> Result<std::vector<Shipment>> {
        std::vector<Shipment> stored;
        stored.reserve(shipments.size());
        for (const Shipment& shipment : shipments) {
            EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertShipment));
            insert.Bind(1, shipment.tracking_number).Bind(2, shipment.order_id).Bind(3, shipment.user_id);
            insert.Bind(4, shipment.carrier).Bind(5, now);
            EMPORIUM_TRY(insert.Run());
            if (c.ChangedRows() == 1) {
                EMPORIUM_ASSIGN_OR_RETURN(auto event, c.Prepare(kInsertEvent));
                event.Bind(1, shipment.tracking_number)
                    .Bind(2, "label_created")
                    .Bind(3, "Shipping label created")
                    .Bind(4, now);
                EMPORIUM_TRY(event.Run());
            }
            EMPORIUM_ASSIGN_OR_RETURN(Shipment found, Load(c, kSelectByOrder, shipment.order_id));
            stored.push_back(std::move(found));
        }
        return stored;
    });
}

Result<Shipment> SqliteShippingRepository::FindByOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Shipment>([&](Connection& c) { return Load(c, kSelectByOrder, order_id); });
}

Result<Shipment> SqliteShippingRepository::FindByTracking(const core::RequestContext& ctx,
                                                          std::string_view tracking_number) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Shipment>([&](Connection& c) { return Load(c, kSelectByTracking, tracking_number); });
}

Result<Shipment> SqliteShippingRepository::AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                                    const TrackingEvent& event) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<Shipment>([&](Connection& c) -> Result<Shipment> {
        EMPORIUM_ASSIGN_OR_RETURN(Shipment shipment, Load(c, kSelectByTracking, tracking_number));
        EMPORIUM_ASSIGN_OR_RETURN(bool changes, ScanChangesShipment(shipment, event));
        if (!changes) return shipment;
        EMPORIUM_ASSIGN_OR_RETURN(auto update, c.Prepare(kUpdateStatus));
        update.Bind(1, tracking_number).Bind(2, StatusName(event.status)).Bind(3, event.at);
        EMPORIUM_TRY(update.Run());
        EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertEvent));
        insert.Bind(1, tracking_number).Bind(2, StatusName(event.status)).Bind(3, event.description).Bind(4, event.at);
        EMPORIUM_TRY(insert.Run());
        return Load(c, kSelectByTracking, tracking_number);
    });
}

}  // namespace emporium::shipping
