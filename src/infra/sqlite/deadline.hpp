#pragma once

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::infra::sqlite {

// The guard every SQLite adapter method starts with: work whose deadline has passed is
// refused with kUnavailable before it touches the database (no read, no queued write).
inline core::Result<void> CheckDeadline(const core::RequestContext& ctx) {
    if (ctx.Expired()) return core::Error::Unavailable("deadline exceeded");
    return core::Ok();
}

}  // namespace emporium::infra::sqlite
