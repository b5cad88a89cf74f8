#pragma once

// An in-memory InventoryRepository for unit tests: plain maps under one mutex, behaving as
// SqliteInventoryRepository does. Every method is atomic: a write works on a copy of the
// state that replaces it on success. It refuses an expired deadline and has no outbox: the
// StockChanged and ReservationReleased events the adapter publishes are not modelled.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "services/inventory/inventory_repository.hpp"

namespace emporium::inventory {

class MemoryInventoryRepository final : public InventoryRepository {
  public:
    core::Result<Stock> FindStock(const core::RequestContext& ctx, std::string_view sku) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        return StockOf(sku);
    }
    core::Result<std::vector<Stock>> FindStocks(const core::RequestContext& ctx,
                                                const std::vector<std::string>& skus) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<Stock> out;
        for (const auto& sku : skus) out.push_back(StockOf(sku));
        return out;
    }
    core::Result<Stock> ApplyAdjustment(const core::RequestContext& ctx, Adjustment& adjustment) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        State next = state_;
        EMPORIUM_ASSIGN_OR_RETURN(Stock stock, Apply(next, adjustment));
        state_ = std::move(next);
        return stock;
    }
    core::Result<void> ApplyAdjustments(const core::RequestContext& ctx,
                                        std::vector<Adjustment>& adjustments) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        State next = state_;
        for (auto& adjustment : adjustments) EMPORIUM_TRY(Apply(next, adjustment));
        state_ = std::move(next);
        return core::Ok();
    }
    core::Result<std::vector<std::pair<Adjustment, int64_t>>> ListAdjustments(const core::RequestContext& ctx,
                                                                              std::string_view sku,
                                                                              std::optional<int64_t> before_seq,
                                                                              int limit) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<std::pair<Adjustment, int64_t>> out;
        int64_t before = before_seq.value_or(std::numeric_limits<int64_t>::max());
        for (auto it = state_.adjustments.rbegin(); it != state_.adjustments.rend(); ++it) {
            if (limit >= 0 && out.size() >= static_cast<std::size_t>(limit)) break;
            if (it->first.sku == sku && it->second < before) out.push_back(*it);
        }
        return out;
    }

    // Reserving an id again is a no-op, whatever the lines. Lines of one SKU add up.
    core::Result<void> Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                               const std::vector<ReservationLine>& lines, int64_t expires_at, int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        if (state_.reservations.contains(reservation_id)) return core::Ok();
        State next = state_;
        Reservation reservation{ReservationStatus::kActive, expires_at, next.next_reservation++, {}, false};
        for (const auto& line : lines) {
            auto stock = next.stock.find(line.sku);
            if (stock == next.stock.end() || stock->second.available < line.quantity)
                return core::Error{
                    core::ErrorCode::kConflict, "Not enough stock for " + line.sku + ".", {{"sku", line.sku}}};
            if (line.quantity <= 0) return core::Error::Internal("a reservation line holds no units");  // SQLite: CHECK
            stock->second.available -= line.quantity;
            stock->second.reserved += line.quantity;
            stock->second.updated_at = now;
            reservation.lines[line.sku] += line.quantity;
        }
        next.reservations.emplace(std::string(reservation_id), std::move(reservation));
        state_ = std::move(next);
        return core::Ok();
    }
    core::Result<void> Finish(const core::RequestContext& ctx, std::string_view reservation_id, ReservationStatus to,
                              int64_t now, std::optional<std::string>) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = state_.reservations.find(reservation_id);
        if (it == state_.reservations.end()) return core::Error::NotFound("No such reservation.");
        Reservation& reservation = it->second;
        if (reservation.status == to) return core::Ok();
        if (reservation.status != ReservationStatus::kActive)
            return core::Error::Conflict("The reservation has already ended.");
        for (const auto& [sku, quantity] : reservation.lines) {
            Stock& stock = state_.stock[sku];
            stock.reserved -= quantity;
            (to == ReservationStatus::kCommitted ? stock.sold : stock.available) += quantity;
            stock.updated_at = now;
        }
        reservation.status = to;
        return core::Ok();
    }
    // Active reservations with expires_at <= now, soonest expiry first.
    core::Result<std::vector<std::string>> FindExpired(const core::RequestContext& ctx, int64_t now,
                                                       int limit) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<std::pair<std::pair<int64_t, int64_t>, std::string>> expired;
        for (const auto& [id, reservation] : state_.reservations)
            if (reservation.status == ReservationStatus::kActive && reservation.expires_at <= now)
                expired.push_back({{reservation.expires_at, reservation.order}, id});
        std::sort(expired.begin(), expired.end());
        std::vector<std::string> out;
        for (auto& [key, id] : expired) {
            if (limit >= 0 && out.size() >= static_cast<std::size_t>(limit)) break;
            out.push_back(std::move(id));
        }
        return out;
    }
    core::Result<void> Restock(const core::RequestContext& ctx, std::string_view reservation_id, int64_t now) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto found = state_.reservations.find(reservation_id);
        if (found == state_.reservations.end()) return core::Error::NotFound("No such reservation.");
        if (found->second.status != ReservationStatus::kCommitted)
            return core::Error::Conflict("The reservation is not sold.");
        if (found->second.restocked) return core::Ok();
        State next = state_;
        Reservation& reservation = next.reservations.find(reservation_id)->second;
        reservation.restocked = true;
        for (const auto& [sku, quantity] : reservation.lines) {
            Stock& stock = next.stock[sku];
            if (stock.sold < quantity)
                return core::Error::Internal("stock of " + sku + " has fewer units sold than the reservation holds");
            stock.sold -= quantity;
            stock.available += quantity;
            stock.updated_at = now;
        }
        state_ = std::move(next);
        return core::Ok();
    }

  private:
    struct Reservation {
        ReservationStatus status = ReservationStatus::kActive;
        int64_t expires_at = 0;
        int64_t order = 0;                     // creation order: the tie-breaker of FindExpired
        std::map<std::string, int64_t> lines;  // units by SKU
        bool restocked = false;
    };
    struct State {
        std::map<std::string, Stock, std::less<>> stock;               // by SKU; absent: all 0
        std::vector<std::pair<Adjustment, int64_t>> adjustments;       // (adjustment, seq), seq ascending
        std::set<std::string, std::less<>> adjustment_ids;             // unique, like the table's key
        std::map<std::string, Reservation, std::less<>> reservations;  // by id
        int64_t next_seq = 1;
        int64_t next_reservation = 1;
    };

    Stock StockOf(std::string_view sku) const {
        auto it = state_.stock.find(sku);
        return it != state_.stock.end() ? it->second : Stock{std::string(sku), 0, 0, 0, 0};
    }
    static core::Result<Stock> Apply(State& state, Adjustment& a) {
        Stock& stock = state.stock.try_emplace(a.sku, Stock{a.sku, 0, 0, 0, a.created_at}).first->second;
        if (stock.available + a.delta < 0)
            return core::Error{core::ErrorCode::kConflict,
                               "Available stock cannot go below zero.",
                               {{"delta", "would make available stock negative"}}};
        stock.available += a.delta;
        stock.updated_at = a.created_at;
        a.available_after = stock.available;
        if (!state.adjustment_ids.insert(a.id).second) return core::Error::Conflict("adjustment id taken");
        state.adjustments.emplace_back(a, state.next_seq++);
        return stock;
    }

    std::mutex mutex_;
    State state_;
};

}  // namespace emporium::inventory
