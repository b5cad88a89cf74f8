#include "resilience/http_handlers.hpp"

#include <chrono>

#include "core/json_writer.hpp"
#include "http/json_input.hpp"
#include "http/problem.hpp"
#include "http/render.hpp"
#include "observability/log.hpp"

namespace emporium::resilience {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

const std::string kNoStore = "no-store";

void WriteFault(core::JsonWriter& json, const FaultSwitch& fault) {
    auto setting = fault.setting();
    json.BeginObject()
        .Field("target", fault.target())
        .Field("mode", FaultModeName(setting.mode))
        .Field("latency_ms", static_cast<int64_t>(setting.latency.count()))
        .Key("error_ratio")
        .Raw(JsonNumber(setting.error_ratio))
        .EndObject();
}

// The switch a fault route names, or the problem to answer instead.
core::Result<FaultSwitch*> FindSwitch(FaultSwitches& faults, bool enabled, std::string_view target) {
    if (!enabled)
        return core::Error::NotFound("Fault injection is off on this server ([admin] fault_injection = false).");
    FaultSwitch* fault = faults.Find(target);
    if (!fault) {
        std::string known;
        for (const FaultSwitch* each : faults.All()) known += (known.empty() ? "" : ", ") + each->target();
        return core::Error::NotFound("No fault target \"" + std::string(target) + "\"; the targets are " + known + ".");
    }
    return fault;
}

void LogFaultChange(const Request& r, const FaultSwitch& fault) {
    auto setting = fault.setting();
    observability::LogWarn("fault_injection_changed", [&](core::JsonWriter& json) {
        json.Field("target", fault.target())
            .Field("mode", FaultModeName(setting.mode))
            .Field("latency_ms", static_cast<int64_t>(setting.latency.count()))
            .Key("error_ratio")
            .Raw(JsonNumber(setting.error_ratio))
            .Field("by", r.context.principal ? r.context.principal->user_id : std::string());
    });
}

}  // namespace

core::Result<FaultSetting> ReadFaultSetting(std::string_view body, bool latency_only) {
    EMPORIUM_ASSIGN_OR_RETURN(auto object, http::ParseJsonObject(body));
    http::ObjectReader reader(object);
    auto mode_text = reader.String("mode");
    auto latency = reader.Integer("latency_ms");
    const boost::json::value* ratio = reader.Value("error_ratio");
    EMPORIUM_TRY(reader.Finish());
    if (ratio && !ratio->is_null() && !ratio->is_number())
        return core::Error{
            core::ErrorCode::kMalformed, "error_ratio must be a number.", {{"error_ratio", "must be a number"}}};
    if (!mode_text) return core::Error::Invalid("mode", "is required: slow, failing, down or off");
    auto mode = ParseFaultMode(*mode_text);
    if (!mode) return core::Error::Invalid("mode", "must be slow, failing, down or off");
    FaultSetting setting;
    setting.mode = *mode;
    if (latency) {
        if (*latency < 0 || *latency > 60'000) return core::Error::Invalid("latency_ms", "must be 0..60000");
        setting.latency = std::chrono::milliseconds(*latency);
    }
    if (ratio && ratio->is_number()) setting.error_ratio = ratio->to_number<double>();
    EMPORIUM_TRY(ValidateFaultSetting(setting, latency_only));
    return setting;
}

void RegisterResilienceRoutes(http::Router& router, const Registry& registry, FaultSwitches& faults,
                              bool fault_injection_enabled) {
    const Registry* view = &registry;
    FaultSwitches* switches = &faults;
    const bool enabled = fault_injection_enabled;
    router.Add(Method::kGet, "/api/v1/admin/resilience", Access::kAdmin, [view](Request& r) {
        if (auto known = http::CheckQueryParams(r, {}); !known.ok())
            return http::ProblemResponse(known.error(), r.path);
        Response response = Response::Json(200, view->RenderJson());
        response.SetHeader("Cache-Control", kNoStore);
        return response;
    });
    router.Add(Method::kPut, "/api/v1/admin/faults/{target}", Access::kAdmin, [switches, enabled](Request& r) {
        auto fault = FindSwitch(*switches, enabled, r.PathParam("target"));
        if (!fault.ok()) return http::ProblemResponse(fault.error(), r.path);
        auto setting = ReadFaultSetting(r.body, (*fault)->latency_only());
        if (!setting.ok()) return http::ProblemResponse(setting.error(), r.path);
        auto set = (*fault)->Set(*setting);
        if (!set.ok()) return http::ProblemResponse(set.error(), r.path);
        LogFaultChange(r, **fault);
        return http::RenderJson(
            core::Result<FaultSwitch*>(*fault), r, 200,
            [](core::JsonWriter& json, FaultSwitch* each) { WriteFault(json, *each); }, kNoStore);
    });
    router.Add(Method::kDelete, "/api/v1/admin/faults/{target}", Access::kAdmin, [switches, enabled](Request& r) {
        auto fault = FindSwitch(*switches, enabled, r.PathParam("target"));
        if (!fault.ok()) return http::ProblemResponse(fault.error(), r.path);
        (*fault)->Clear();
        LogFaultChange(r, **fault);
        return Response::NoContent();
    });
}

}  // namespace emporium::resilience
