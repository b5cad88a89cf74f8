#include "services/payments/payments_service.hpp"

namespace emporium::payments {

std::string_view StatusName(PaymentStatus status) {
    switch (status) {
        case PaymentStatus::kProcessing:
            return "processing";
        case PaymentStatus::kSucceeded:
            return "succeeded";
        case PaymentStatus::kFailed:
            return "failed";
        case PaymentStatus::kRefunded:
            return "refunded";
    }
    return "processing";
}

}  // namespace emporium::payments
