#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "http/router.hpp"
#include "services/payments/payments_service.hpp"

namespace emporium::payments {

// The payment as the API shows it (the Payment schema of api/openapi.json).
void WritePayment(core::JsonWriter& json, const Payment& p);

// Registers /api/v1/orders/{order_id}/payment and the provider's webhook endpoint, whose
// requests must carry a valid Paygw-Signature made with `webhook_secret`.
void RegisterPaymentsRoutes(http::Router& router, PaymentsService& service, std::string webhook_secret,
                            const core::Clock& clock);

}  // namespace emporium::payments
