#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "services/payments/payments_service.hpp"

namespace emporium::payments {

// Storage port of the payments service. Blocking, thread-safe.
class PaymentsRepository {
public:
    virtual ~PaymentsRepository() = default;
    // kConflict when the order already has a payment.
    virtual core::Result<void> Insert(const Payment& payment) = 0;
    virtual core::Result<Payment> FindByOrder(std::string_view order_id) = 0;
    // Replaces the mutable fields (status, charge id, failure code, attempts, retry time).
    virtual core::Result<void> Update(const Payment& payment) = 0;
    virtual core::Result<std::vector<Payment>> FindDue(int64_t now, int limit) = 0;
};

}  // namespace emporium::payments
