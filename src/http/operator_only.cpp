#include "http/operator_only.hpp"

#include "http/problem.hpp"

namespace emporium::http {

Handler OperatorOnly(std::shared_ptr<const IpNetworks> operators, Handler handler) {
    return [operators = std::move(operators), handler = std::move(handler)](Request& request) {
        if (!operators->Contains(request.remote_address))
            return ProblemResponse(core::Error::NotFound("No resource at this path."), request.path);
        return handler(request);
    };
}

}  // namespace emporium::http
