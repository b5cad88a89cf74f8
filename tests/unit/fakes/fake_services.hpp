#pragma once

// Small fakes of the services and the payment provider that the orders and payments
// services call, for unit tests of the checkout saga (orders_service_test.cpp,
// payments_service_test.cpp). Each keeps its state in public members a test reads and sets,
// follows its port's contract for what the saga uses, and answers kInternal for the rest.
// Single-threaded: one test thread at a time.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/cart/cart_service.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/payments/psp/payment_provider.hpp"
#include "services/users/users_service.hpp"

namespace emporium::testing {

inline core::Error NotUsed() { return core::Error::Internal("not used by these tests"); }

// A clock the test moves.
class ManualClock final : public core::Clock {
  public:
    explicit ManualClock(int64_t now = 1'700'000'000) : now_(now) {}
    int64_t NowSeconds() const override { return now_.load(); }
    void Advance(int64_t seconds) { now_ += seconds; }

  private:
    std::atomic<int64_t> now_;
};

// Signed-in users' carts: what they chose, by user id.
class FakeCartService final : public cart::CartService {
  public:
    std::map<std::string, std::vector<cart::ChosenItem>> carts;
    int clears = 0;
    // Runs inside GetChosenItems, before it answers: a test's way to let something happen
    // in the middle of a checkout (a concurrent request).
    std::function<void()> while_reading;

    core::Result<std::vector<cart::ChosenItem>> GetChosenItems(const core::RequestContext&,
                                                               const cart::CartOwner& owner) override {
        if (while_reading) std::exchange(while_reading, nullptr)();
        if (!owner.user_id) return std::vector<cart::ChosenItem>();
        auto it = carts.find(*owner.user_id);
        return it == carts.end() ? std::vector<cart::ChosenItem>() : it->second;
    }
    core::Result<void> Clear(const core::RequestContext&, const cart::CartOwner& owner) override {
        ++clears;
        if (owner.user_id) carts.erase(*owner.user_id);
        return core::Ok();
    }

    core::Result<cart::Cart> GetCart(const core::RequestContext&, const cart::CartOwner&) override { return NotUsed(); }
    core::Result<cart::Cart> AddItem(const core::RequestContext&, const cart::CartOwner&, std::string_view,
                                     int64_t) override {
        return NotUsed();
    }
    core::Result<cart::Cart> SetQuantity(const core::RequestContext&, const cart::CartOwner&, std::string_view,
                                         int64_t) override {
        return NotUsed();
    }
    core::Result<cart::Cart> RemoveItem(const core::RequestContext&, const cart::CartOwner&,
                                        std::string_view) override {
        return NotUsed();
    }
    core::Result<void> MergeGuestCart(const core::RequestContext&, std::string_view, std::string_view) override {
        return NotUsed();
    }
};

// The variants the catalog knows, by SKU.
class FakeCatalogService final : public catalog::CatalogService {
  public:
    std::map<std::string, catalog::VariantInfo> variants;

    void Add(const std::string& sku, int64_t price, const std::string& currency = "EUR",
             catalog::ProductStatus status = catalog::ProductStatus::kActive) {
        variants[sku] = catalog::VariantInfo{
            sku, "prd_" + sku, "Product " + sku, "Variant " + sku, catalog::Money{price, currency}, status};
    }

    core::Result<std::vector<catalog::VariantInfo>> GetVariants(const core::RequestContext&,
                                                                const std::vector<std::string>& skus) override {
        std::vector<catalog::VariantInfo> found;
        for (const auto& sku : skus) {
            auto it = variants.find(sku);
            bool seen = false;
            for (const auto& variant : found) seen = seen || variant.sku == sku;
            if (it != variants.end() && !seen) found.push_back(it->second);
        }
        return found;
    }
    core::Result<catalog::VariantInfo> GetVariant(const core::RequestContext&, std::string_view sku) override {
        auto it = variants.find(std::string(sku));
        if (it == variants.end()) return core::Error::NotFound("No such SKU.");
        return it->second;
    }

    core::Result<catalog::Category> CreateCategory(const core::RequestContext&,
                                                   const catalog::CategoryInput&) override {
        return NotUsed();
    }
    core::Result<catalog::Category> UpdateCategory(const core::RequestContext&, std::string_view,
                                                   const catalog::CategoryInput&) override {
        return NotUsed();
    }
    core::Result<std::vector<catalog::Category>> ListCategories(const core::RequestContext&) override {
        return NotUsed();
    }
    core::Result<catalog::Category> GetCategory(const core::RequestContext&, std::string_view) override {
        return NotUsed();
    }
    core::Result<catalog::Product> CreateProduct(const core::RequestContext&, const catalog::ProductInput&) override {
        return NotUsed();
    }
    core::Result<catalog::Product> UpdateProduct(const core::RequestContext&, std::string_view,
                                                 const catalog::ProductInput&) override {
        return NotUsed();
    }
    core::Result<catalog::Product> ArchiveProduct(const core::RequestContext&, std::string_view) override {
        return NotUsed();
    }
    core::Result<catalog::Product> GetProduct(const core::RequestContext&, std::string_view, bool) override {
        return NotUsed();
    }
    core::Result<catalog::ProductPage> ListProducts(const core::RequestContext&,
                                                    const catalog::ProductQuery&) override {
        return NotUsed();
    }
};

// Stock per SKU and reservations per id, by the inventory port's rules: all-or-nothing
// reservations, commit and release idempotent and exclusive, restock of a committed one.
class FakeInventoryService final : public inventory::InventoryService {
  public:
    struct Reservation {
        std::vector<inventory::ReservationLine> lines;
        inventory::ReservationStatus status = inventory::ReservationStatus::kActive;
        bool restocked = false;
        int64_t expires_at = 0;
    };
    std::map<std::string, inventory::Stock> stock;  // by SKU
    std::map<std::string, Reservation> reservations;
    // As the SQLite adapter does: work past the context's deadline is refused (Release).
    bool honour_deadlines = false;
    std::function<void()> after_reserve;  // runs once a reservation is made

    void Put(const std::string& sku, int64_t available) { stock[sku] = inventory::Stock{sku, available, 0, 0, 0}; }
    inventory::Stock Of(const std::string& sku) { return stock[sku]; }

    core::Result<void> Reserve(const core::RequestContext&, std::string_view reservation_id,
                               const std::vector<inventory::ReservationLine>& lines, int64_t expires_at) override {
        if (reservations.contains(std::string(reservation_id))) return core::Ok();  // reserved before
        for (const auto& line : lines)
            if (stock[line.sku].available < line.quantity)
                return core::Error{
                    core::ErrorCode::kConflict, "Not enough stock for " + line.sku + ".", {{"sku", line.sku}}};
        for (const auto& line : lines) {
            stock[line.sku].available -= line.quantity;
            stock[line.sku].reserved += line.quantity;
        }
        reservations[std::string(reservation_id)] =
            Reservation{lines, inventory::ReservationStatus::kActive, false, expires_at};
        if (after_reserve) after_reserve();
        return core::Ok();
    }
    core::Result<void> Commit(const core::RequestContext&, std::string_view reservation_id) override {
        return Finish(reservation_id, inventory::ReservationStatus::kCommitted);
    }
    core::Result<void> Release(const core::RequestContext& ctx, std::string_view reservation_id) override {
        if (honour_deadlines && ctx.Expired()) return core::Error::Unavailable("deadline exceeded");
        return Finish(reservation_id, inventory::ReservationStatus::kReleased);
    }
    core::Result<void> Restock(const core::RequestContext&, std::string_view reservation_id) override {
        auto it = reservations.find(std::string(reservation_id));
        if (it == reservations.end()) return core::Error::NotFound("No such reservation.");
        if (it->second.status != inventory::ReservationStatus::kCommitted)
            return core::Error::Conflict("The reservation is not sold.");
        if (it->second.restocked) return core::Ok();
        it->second.restocked = true;
        for (const auto& line : it->second.lines) {
            stock[line.sku].sold -= line.quantity;
            stock[line.sku].available += line.quantity;
        }
        return core::Ok();
    }
    core::Result<inventory::Stock> GetStock(const core::RequestContext&, std::string_view sku) override {
        return Of(std::string(sku));
    }

    core::Result<std::vector<inventory::Stock>> GetStocks(const core::RequestContext&,
                                                          const std::vector<std::string>&) override {
        return NotUsed();
    }
    core::Result<inventory::AdjustmentResult> Adjust(const core::RequestContext&, std::string_view, int64_t,
                                                     std::string_view) override {
        return NotUsed();
    }
    core::Result<inventory::AdjustmentPage> ListAdjustments(const core::RequestContext&, std::string_view, int,
                                                            std::string_view) override {
        return NotUsed();
    }
    core::Result<int> ReleaseExpired(const core::RequestContext&, int) override { return NotUsed(); }

  private:
    core::Result<void> Finish(std::string_view reservation_id, inventory::ReservationStatus to) {
        auto it = reservations.find(std::string(reservation_id));
        if (it == reservations.end()) return core::Error::NotFound("No such reservation.");
        if (it->second.status == to) return core::Ok();
        if (it->second.status != inventory::ReservationStatus::kActive)
            return core::Error::Conflict("The reservation is already finished.");
        it->second.status = to;
        for (const auto& line : it->second.lines) {
            stock[line.sku].reserved -= line.quantity;
            (to == inventory::ReservationStatus::kCommitted ? stock[line.sku].sold : stock[line.sku].available) +=
                line.quantity;
        }
        return core::Ok();
    }
};

// Users' address books (by the caller: ctx.principal).
class FakeUsersService final : public users::UsersService {
  public:
    std::vector<users::Address> addresses;

    core::Result<std::vector<users::Address>> ListAddresses(const core::RequestContext& ctx) override {
        std::vector<users::Address> own;
        for (const auto& address : addresses)
            if (ctx.principal && address.user_id == ctx.principal->user_id) own.push_back(address);
        return own;
    }
    core::Result<users::Address> GetAddress(const core::RequestContext& ctx, std::string_view address_id) override {
        for (const auto& address : addresses)
            if (address.id == address_id && ctx.principal && address.user_id == ctx.principal->user_id) return address;
        return core::Error::NotFound("No such address.");
    }

    core::Result<users::User> Signup(const core::RequestContext&, const users::SignupRequest&) override {
        return NotUsed();
    }
    core::Result<users::User> CreateAdmin(const core::RequestContext&, const users::SignupRequest&) override {
        return NotUsed();
    }
    core::Result<users::Session> Login(const core::RequestContext&, std::string_view, std::string_view) override {
        return NotUsed();
    }
    core::Result<core::Principal> Authenticate(const core::RequestContext&, std::string_view) override {
        return NotUsed();
    }
    core::Result<void> Logout(const core::RequestContext&) override { return NotUsed(); }
    core::Result<users::User> GetMe(const core::RequestContext&) override { return NotUsed(); }
    core::Result<users::User> GetUser(const core::RequestContext&, std::string_view) override { return NotUsed(); }
    core::Result<users::User> UpdateMe(const core::RequestContext&, std::optional<std::string>) override {
        return NotUsed();
    }
    core::Result<users::UserPage> ListUsers(const core::RequestContext&, const users::UserFilter&, int,
                                            std::string_view) override {
        return NotUsed();
    }
    core::Result<users::User> SetRole(const core::RequestContext&, std::string_view, core::Role) override {
        return NotUsed();
    }
    core::Result<users::Address> CreateAddress(const core::RequestContext&, const users::AddressInput&) override {
        return NotUsed();
    }
    core::Result<users::Address> UpdateAddress(const core::RequestContext&, std::string_view,
                                               const users::AddressInput&) override {
        return NotUsed();
    }
    core::Result<void> DeleteAddress(const core::RequestContext&, std::string_view) override { return NotUsed(); }
};

// A card payment provider that keeps what it charged by idempotency key: charging again
// with a key answers what the first charge did (and charges nothing), as the port promises.
class FakePaymentProvider final : public payments::PaymentProvider {
  public:
    enum class Mode {
        kApprove,
        kDecline,        // answered as PaygwProvider does: a charge with an id, not succeeded, the decline code
        kDown,           // no answer and nothing done: kUnavailable
        kLoseTheAnswer,  // charges (once per key), then the answer is lost: kUnavailable
    };
    struct Charged {
        payments::ProviderCharge charge;
        int64_t amount = 0;
        std::string currency, card_token, order_id;
    };
    Mode mode = Mode::kApprove;
    std::string decline_code = "card_declined";
    bool refunds_down = false;
    std::map<std::string, Charged> charges;      // by idempotency key: what the provider did
    std::map<std::string, std::string> refunds;  // by idempotency key: the charge refunded
    int charge_calls = 0, refund_calls = 0;

    core::Result<payments::CardToken> Tokenize(const core::RequestContext&,
                                               const payments::CardDetails& card) override {
        if (mode == Mode::kDown) return core::Error::Unavailable("connection refused");
        std::string last4 = card.number.size() >= 4 ? card.number.substr(card.number.size() - 4) : card.number;
        return payments::CardToken{"tok_" + last4, last4, "visa"};
    }
    core::Result<payments::ProviderCharge> Charge(const core::RequestContext&, std::string_view idempotency_key,
                                                  int64_t amount, std::string_view currency,
                                                  std::string_view card_token, std::string_view order_id) override {
        ++charge_calls;
        if (mode == Mode::kDown) return core::Error::Unavailable("connection refused");
        auto it = charges.find(std::string(idempotency_key));
        if (it == charges.end()) {
            Charged charged;
            charged.charge.succeeded = mode != Mode::kDecline;
            charged.charge.id = "ch_" + std::to_string(charges.size() + 1);
            charged.charge.decline_code = charged.charge.succeeded ? "" : decline_code;
            charged.charge.card_last4 = "4242";
            charged.charge.card_brand = "visa";
            charged.amount = amount;
            charged.currency = currency;
            charged.card_token = card_token;
            charged.order_id = order_id;
            it = charges.emplace(std::string(idempotency_key), std::move(charged)).first;
        }
        if (mode == Mode::kLoseTheAnswer) return core::Error::Unavailable("timed out waiting for the answer");
        return it->second.charge;
    }
    core::Result<void> Refund(const core::RequestContext&, std::string_view idempotency_key,
                              std::string_view charge_id) override {
        ++refund_calls;
        if (refunds_down) return core::Error::Unavailable("connection refused");
        refunds.emplace(std::string(idempotency_key), std::string(charge_id));
        return core::Ok();
    }
    // How many charges succeeded (money taken), whatever the calls.
    int SucceededCharges() const {
        int n = 0;
        for (const auto& [key, charged] : charges) n += charged.charge.succeeded ? 1 : 0;
        return n;
    }
};

}  // namespace emporium::testing
