#include "observability/metrics.hpp"

#include <charconv>
#include <cstdio>

namespace emporium::observability {

void LatencyHistogram::Observe(int64_t nanoseconds) {
    if (nanoseconds < 0) nanoseconds = 0;
    double seconds = static_cast<double>(nanoseconds) / 1e9;
    for (std::size_t i = 0; i < kBucketSeconds.size(); ++i) {
        if (seconds <= kBucketSeconds[i]) {
            buckets_[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_nanoseconds_.fetch_add(static_cast<uint64_t>(nanoseconds), std::memory_order_relaxed);
}

void LatencyHistogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
    std::string bucket_name = std::string(name) + "_bucket";
    std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    uint64_t cumulative = 0;
    char le[32];
    for (std::size_t i = 0; i < kBucketSeconds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        std::snprintf(le, sizeof le, "%g", kBucketSeconds[i]);
        AppendSample(out, bucket_name, prefix + "le=\"" + le + "\"", static_cast<int64_t>(cumulative));
    }
    uint64_t count = count_.load(std::memory_order_relaxed);
    AppendSample(out, bucket_name, prefix + "le=\"+Inf\"", static_cast<int64_t>(count));
    AppendSample(out, std::string(name) + "_sum", labels,
                 static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9);
    AppendSample(out, std::string(name) + "_count", labels, static_cast<int64_t>(count));
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

namespace {
void AppendName(std::string& out, std::string_view name, std::string_view labels) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
}
}  // namespace

void AppendSample(std::string& out, std::string_view name, std::string_view labels, double value) {
    AppendName(out, name, labels);
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    out += buffer;
    out += '\n';
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels, int64_t value) {
    AppendName(out, name, labels);
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
    out += '\n';
}

std::string EscapeLabel(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void MetricsRegistry::Add(Collector collector) {
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& collector : collectors_) collector(out);
    return out;
}

}  // namespace emporium::observability
