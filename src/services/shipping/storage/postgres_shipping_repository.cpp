#include "services/shipping/storage/postgres_shipping_repository.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "services/shipping/storage/shipping_rows.hpp"

namespace emporium::shipping {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;
using infra::postgres::Rows;

namespace {

// A shipment and its events in one statement (one round trip, one snapshot), oldest event
// first.
constexpr std::string_view kSelectByOrder =
    "SELECT s.tracking_number, s.order_id, s.user_id, s.carrier, s.status, e.status, e.description, e.at "
    "FROM shipments s LEFT JOIN shipment_events e ON e.tracking_number = s.tracking_number "
    "WHERE s.order_id = $1 ORDER BY e.seq";
constexpr std::string_view kSelectByTracking =
    "SELECT s.tracking_number, s.order_id, s.user_id, s.carrier, s.status, e.status, e.description, e.at "
    "FROM shipments s LEFT JOIN shipment_events e ON e.tracking_number = s.tracking_number "
    "WHERE s.tracking_number = $1 ORDER BY e.seq";
// The shipments of the orders of a JSON array, each with its events.
constexpr std::string_view kSelectByOrders =
    "SELECT s.tracking_number, s.order_id, s.user_id, s.carrier, s.status, e.status, e.description, e.at "
    "FROM shipments s LEFT JOIN shipment_events e ON e.tracking_number = s.tracking_number "
    "WHERE s.order_id = ANY (ARRAY (SELECT json_array_elements_text($1::json))) ORDER BY s.order_id, e.seq";
// The shipment and, only when it is new, its first event: one statement that can be queued.
constexpr std::string_view kInsertShipment =
    "WITH inserted AS (INSERT INTO shipments (tracking_number, order_id, user_id, carrier, status, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, 'label_created', $5, $5) ON CONFLICT (order_id) DO NOTHING "
    "RETURNING tracking_number) "
    "INSERT INTO shipment_events (tracking_number, status, description, at) "
    "SELECT tracking_number, 'label_created', 'Shipping label created', $5 FROM inserted";
// Scans of one shipment take turns on its row. NO KEY UPDATE is what the status update takes
// anyway, and it leaves the event inserts' foreign-key checks unblocked.
constexpr std::string_view kLockShipment = "SELECT 1 FROM shipments WHERE tracking_number = $1 FOR NO KEY UPDATE";
constexpr std::string_view kInsertEvent =
    "INSERT INTO shipment_events (tracking_number, status, description, at) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kUpdateStatus =
    "UPDATE shipments SET status = $2, updated_at = $3 WHERE tracking_number = $1";

// The shipments of rows of a kSelect* statement (a shipment's rows are adjacent).
std::vector<Shipment> ReadShipments(const Rows& rows) {
    std::vector<Shipment> out;
    for (int i = 0; i < rows.size(); ++i) {
        if (out.empty() || out.back().tracking_number != rows[i].Text(0)) out.push_back(ReadShipment(rows[i]));
        if (!rows[i].IsNull(5)) out.back().events.push_back(ReadTrackingEvent(rows[i], 5));
    }
    return out;
}

Result<Shipment> Load(Connection& c, std::string_view sql, std::string_view key) {
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(sql, Params(key)));
    auto shipments = ReadShipments(rows);
    if (shipments.empty()) return Error::NotFound("No such shipment.");
    return std::move(shipments.front());
}

}  // namespace

Result<std::vector<Shipment>> PostgresShippingRepository::InsertOrFind(const core::RequestContext& ctx,
                                                                       const std::vector<Shipment>& shipments,
                                                                       int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (shipments.empty()) return std::vector<Shipment>{};
    // Inserted in order-id order, so two jobs creating the same orders' shipments wait on each
    // other's rows in one order instead of deadlocking; the stable sort keeps the first item
    // of an order the one that is inserted, as in the order given.
    std::vector<const Shipment*> by_order;
    by_order.reserve(shipments.size());
    for (const Shipment& shipment : shipments) by_order.push_back(&shipment);
    std::stable_sort(by_order.begin(), by_order.end(),
                     [](const Shipment* a, const Shipment* b) { return a->order_id < b->order_id; });
    std::vector<std::string> order_ids;
    order_ids.reserve(shipments.size());
    for (const Shipment& shipment : shipments) order_ids.push_back(shipment.order_id);
    std::string order_ids_json = core::JsonStringArray(order_ids);
    return db_.Write<std::vector<Shipment>>(ctx, [&](Connection& c) -> Result<std::vector<Shipment>> {
        for (const Shipment* shipment : by_order)
            c.Queue(kInsertShipment,
                    Params(shipment->tracking_number, shipment->order_id, shipment->user_id, shipment->carrier, now));
        // A separate statement, so its snapshot holds the rows of a job that inserted one of
        // these orders first (ours waited for it to commit, then did nothing).
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectByOrders, Params(order_ids_json)));
        std::map<std::string, Shipment, std::less<>> stored_by_order;
        for (Shipment& shipment : ReadShipments(rows)) {
            std::string order_id = shipment.order_id;
            stored_by_order.emplace(std::move(order_id), std::move(shipment));
        }
        std::vector<Shipment> stored;
        stored.reserve(shipments.size());
        for (const Shipment& shipment : shipments) {
            auto found = stored_by_order.find(shipment.order_id);
            if (found == stored_by_order.end())
                return Error::Internal("The shipment of order " + shipment.order_id + " vanished.");
            stored.push_back(found->second);
        }
        return stored;
    });
}

Result<Shipment> PostgresShippingRepository::FindByOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Shipment>(ctx, [&](Connection& c) { return Load(c, kSelectByOrder, order_id); });
}

Result<Shipment> PostgresShippingRepository::FindByTracking(const core::RequestContext& ctx,
                                                            std::string_view tracking_number) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Shipment>(ctx, [&](Connection& c) { return Load(c, kSelectByTracking, tracking_number); });
}

Result<Shipment> PostgresShippingRepository::AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                                      const TrackingEvent& event) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<Shipment>(ctx, [&](Connection& c) -> Result<Shipment> {
        // The lock, then the load as its own statement: its snapshot, taken once the lock is
        // ours, holds the events of the scan that held it before (one round trip for both).
        c.Queue(kLockShipment, Params(tracking_number));
        EMPORIUM_ASSIGN_OR_RETURN(Shipment shipment, Load(c, kSelectByTracking, tracking_number));
        EMPORIUM_ASSIGN_OR_RETURN(bool changes, ScanChangesShipment(shipment, event));
        if (!changes) return shipment;
        c.Queue(kUpdateStatus, Params(tracking_number, StatusName(event.status), event.at));
        c.Queue(kInsertEvent, Params(tracking_number, StatusName(event.status), event.description, event.at));
        // What a reload would read: the row is ours until COMMIT, so no other event comes between.
        shipment.status = event.status;
        shipment.events.push_back(event);
        return shipment;
    });
}

}  // namespace emporium::shipping
