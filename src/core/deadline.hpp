#pragma once

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::core {

// The guard every adapter's method starts with (storage, search index, mail spool, and the
// test fakes of them): work whose deadline has passed is refused with kUnavailable before
// it touches anything.
inline Result<void> CheckDeadline(const RequestContext& ctx) {
    if (ctx.Expired()) return Error::Unavailable("deadline exceeded");
    return Ok();
}

}  // namespace emporium::core
