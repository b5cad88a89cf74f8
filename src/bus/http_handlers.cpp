#include "bus/http_handlers.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "http/render.hpp"

namespace emporium::bus {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

const std::string kNoStore = "no-store";

void WriteDeadLetter(core::JsonWriter& json, const DeadLetter& d) {
    json.BeginObject().Field("id", d.id).Field("source", d.source).Field("consumer", d.consumer).Key("event");
    json.BeginObject()
        .Field("id", d.event.id)
        .Field("type", d.event.type)
        .Field("aggregate_id", d.event.aggregate_id)
        .Key("payload")
        .Raw(d.event.payload)
        .Field("occurred_at", core::FormatRfc3339(d.event.occurred_at))
        .EndObject();
    json.Field("attempts", d.attempts).Field("error", d.error).Field("failed_at", core::FormatRfc3339(d.failed_at));
    json.Key("replayed_at");
    if (d.replayed_at)
        json.String(core::FormatRfc3339(*d.replayed_at));
    else
        json.Null();
    json.EndObject();
}

}  // namespace

void RegisterDeadLetterRoutes(http::Router& router, EventBus& bus) {
    EventBus* b = &bus;
    router.Add(Method::kGet, "/api/v1/admin/dead-letters", Access::kAdmin, [b](Request& r) {
        if (auto known = http::CheckQueryParams(r, {"limit"}); !known.ok())
            return http::ProblemResponse(known.error(), r.path);
        auto limit = http::LimitParam(r);
        if (!limit.ok()) return http::ProblemResponse(limit.error(), r.path);
        return http::RenderJson(
            b->ListDeadLetters(r.context, *limit), r, 200,
            [](core::JsonWriter& json, const std::vector<DeadLetter>& letters) {
                http::WriteList(json, letters, std::nullopt, WriteDeadLetter);
            },
            http::kPrivateNoCache);
    });
    router.Add(Method::kPost, "/api/v1/admin/dead-letters/{dead_letter_id}/replay", Access::kAdmin, [b](Request& r) {
        return http::RenderJson(b->Replay(r.context, r.PathParam("dead_letter_id")), r, 200, WriteDeadLetter, kNoStore);
    });
}

}  // namespace emporium::bus
