#include "observability/health.hpp"

namespace emporium::observability {

void HealthChecks::Add(std::string name, Check check) {
    std::lock_guard lock(mutex_);
    checks_.push_back(Registered{std::move(name), std::move(check), true});
}

void HealthChecks::AddAdvisory(std::string name, Check check) {
    std::lock_guard lock(mutex_);
    checks_.push_back(Registered{std::move(name), std::move(check), false});
}

std::vector<HealthChecks::Outcome> HealthChecks::Run() const {
    std::vector<Registered> checks;
    {
        std::lock_guard lock(mutex_);
        checks = checks_;
    }
    std::vector<Outcome> results;
    results.reserve(checks.size());
    for (auto& registered : checks) {
        bool passed = false;
        try {
            passed = registered.check().ok();
        } catch (...) {  // a check that cannot even run has failed
        }
        results.push_back(Outcome{std::move(registered.name), passed, registered.required});
    }
    return results;
}

}  // namespace emporium::observability
