#pragma once

#include <memory>

#include "http/ip_networks.hpp"
#include "http/router.hpp"

namespace emporium::http {

// `handler` for clients whose address (Request::remote_address) lies in `operators`; every
// other client gets the 404 problem an unknown path gets, so the route's existence is not
// revealed either. For operator endpoints (/metrics, the detailed /health/ready) that a
// load balancer or the public must not read.
Handler OperatorOnly(std::shared_ptr<const IpNetworks> operators, Handler handler);

}  // namespace emporium::http
