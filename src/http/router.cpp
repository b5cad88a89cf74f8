#include "http/router.hpp"

namespace emporium::http {

namespace {
std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> parts;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

bool IsParameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
}  // namespace

Route& Router::Add(Method method, std::string pattern, Access access, Handler handler, Execution execution) {
    auto route = std::make_unique<Route>();
    route->method = method;
    route->access = access;
    route->execution = execution;
    route->handler = std::move(handler);
    for (auto part : SplitPath(pattern)) route->segments.emplace_back(part);
    route->pattern = std::move(pattern);
    routes_.push_back(std::move(route));
    return *routes_.back();
}

bool Router::MatchSegments(const Route& route, const std::vector<std::string_view>& parts, Request* request) {
    const std::size_t count = route.segments.size();
    if (route.last_parameter_takes_rest ? parts.size() < count : parts.size() != count) return false;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string& segment = route.segments[i];
        if (IsParameter(segment)) {
            if (parts[i].empty()) return false;
        } else if (segment != parts[i]) {
            return false;
        }
    }
    if (request) {
        request->path_params.clear();
        for (std::size_t i = 0; i < count; ++i) {
            const std::string& segment = route.segments[i];
            if (!IsParameter(segment)) continue;
            std::string_view raw = parts[i];
            if (route.last_parameter_takes_rest && i + 1 == count) {
                // The parts are views into one path: the rest runs from this part to the end.
                raw = std::string_view(parts[i].data(), parts.back().data() + parts.back().size() - parts[i].data());
            }
            std::string decoded;
            if (!PercentDecode(raw, decoded, false)) decoded = std::string(raw);
            request->path_params.emplace_back(std::string_view(segment).substr(1, segment.size() - 2),
                                              std::move(decoded));
        }
    }
    return true;
}

Router::Match Router::Find(Method method, std::string_view path, Request& request) const {
    Match match;
    auto parts = SplitPath(path);
    // Literal segments win over parameters ("/sessions/current" before "/sessions/{id}"):
    // try routes without a parameter at a differing position first by preferring more literals.
    const Route* best = nullptr;
    int best_literals = -1;
    for (const auto& route : routes_) {
        if (route->last_resort || !MatchSegments(*route, parts, nullptr)) continue;
        if (route->method != method) {
            match.allowed.push_back(route->method);
            continue;
        }
        int literals = 0;
        for (const auto& segment : route->segments) literals += IsParameter(segment) ? 0 : 1;
        if (literals > best_literals) {
            best = route.get();
            best_literals = literals;
        }
    }
    if (best) {
        MatchSegments(*best, parts, &request);
        match.route = best;
        match.allowed.clear();
        return match;
    }
    if (!match.allowed.empty()) return match;
    for (const auto& route : routes_) {
        if (!route->last_resort || route->method != method || !MatchSegments(*route, parts, nullptr)) continue;
        bool excluded = false;
        for (const auto& prefix : route->last_resort_excludes) excluded = excluded || parts.front() == prefix;
        if (excluded) continue;
        MatchSegments(*route, parts, &request);
        match.route = route.get();
        return match;
    }
    return match;
}

}  // namespace emporium::http
