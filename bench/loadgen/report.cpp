#include "loadgen/report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace emporium::loadgen {
namespace {

namespace json = boost::json;

std::string Grouped(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string Rate(double per_s) {
    if (per_s >= 100) return Grouped(static_cast<int64_t>(per_s + 0.5));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", per_s);
    return buffer;
}

std::string Ms(double ms) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, ms >= 100 ? "%.0f" : ms >= 10 ? "%.1f" : "%.2f", ms);
    return buffer;
}

std::string Percent(double fraction) {
    if (fraction <= 0) return "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, fraction >= 0.1 ? "%.0f %%" : "%.1f %%", fraction * 100);
    return buffer;
}

std::string Pad(std::string s, std::size_t width, bool right = true) {
    if (s.size() >= width) return s;
    std::string fill(width - s.size(), ' ');
    return right ? fill + s : s + fill;
}

std::string Row(const std::string& name, int64_t count, double per_s, const std::string& share, const LatencySummary& l,
                int64_t errors) {
    std::string row = Pad(name, 20, false) + Pad(Grouped(count), 11) + Pad(Rate(per_s), 11) + Pad(share, 9);
    for (double v : {l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms, l.mean_ms}) row += Pad(Ms(v), 9);
    row += Pad(Grouped(errors), 8);
    return row + "\n";
}

json::object LatencyJson(const LatencySummary& l) {
    return json::object{{"count", l.count}, {"mean", l.mean_ms},  {"p50", l.p50_ms}, {"p90", l.p90_ms},
                        {"p99", l.p99_ms},  {"p99_9", l.p999_ms}, {"max", l.max_ms}};
}

json::object CountsJson(const std::map<std::string, int64_t>& counts) {
    json::object o;
    for (const auto& [k, v] : counts) o[k] = v;
    return o;
}

json::object FiguresJson(const Report& report, const RunFigures& f) {
    json::object o;
    o["seconds"] = f.seconds;
    o["requests"] = f.requests;
    o["requests_per_s"] = f.requests_per_s;
    o["share_of_ceiling"] = ShareOfCeiling(report, f.requests_per_s);
    o["latency_ms"] = LatencyJson(f.latency);
    o["interactions"] = f.interactions;
    o["interactions_per_s"] = f.interactions_per_s;
    o["interactions_share_of_ceiling"] = ShareOfCeiling(report, f.interactions_per_s);
    o["interaction_latency_ms"] = LatencyJson(f.interaction_latency);
    o["interaction_kinds"] = CountsJson(f.interaction_kinds);
    json::array ops;
    for (const auto& op : f.operations) {
        ops.push_back(json::object{{"name", op.name},
                                   {"requests", op.requests},
                                   {"per_s", op.per_s},
                                   {"errors", op.errors},
                                   {"latency_ms", LatencyJson(op.latency)}});
    }
    o["operations"] = std::move(ops);
    o["statuses"] = CountsJson(f.statuses);
    o["errors"] = f.errors;
    o["transport_errors"] = CountsJson(f.transport_errors);
    json::object counters;
    for (const auto& [k, v] : f.counters) {
        counters[k] = json::object{{"count", v}, {"per_s", f.seconds > 0 ? static_cast<double>(v) / f.seconds : 0.0}};
    }
    o["counters"] = std::move(counters);
    o["unfinished"] = f.unfinished;
    o["max_backlog"] = f.max_backlog;
    o["reconnects"] = f.reconnects;
    return o;
}

std::string FirstLineOf(const std::string& text, std::size_t limit) {
    std::string line = text.substr(0, text.find('\n'));
    if (line.size() > limit) line = line.substr(0, limit) + "…";
    return line;
}

}  // namespace

Machine DescribeMachine() {
    Machine m;
    m.cores = static_cast<int>(std::thread::hardware_concurrency());
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos) m.cpu_model = line.substr(line.find_first_not_of(' ', colon + 1));
            break;
        }
    }
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.rfind("MemTotal:", 0) == 0) {
            m.memory_gib = std::stod(line.substr(9)) / (1024.0 * 1024.0);
            break;
        }
    }
    return m;
}

RunFigures FiguresOf(const RunResult& run) {
    RunFigures f;
    const Stats& s = run.stats;
    f.seconds = static_cast<double>(run.measured_ns) / 1e9;
    auto per_s = [&](int64_t n) { return f.seconds > 0 ? static_cast<double>(n) / f.seconds : 0.0; };
    for (const auto& [status, n] : s.statuses()) {
        f.statuses[status == 0 ? "none" : std::to_string(status)] = n;
        f.requests += n;
    }
    f.requests_per_s = per_s(f.requests);
    f.latency = Summarize(s.requests());
    f.interactions = s.interactions().count();
    f.interactions_per_s = per_s(f.interactions);
    f.interaction_latency = Summarize(s.interactions());
    f.interaction_kinds = s.interaction_kinds();
    for (const auto& op : s.operations()) {
        f.operations.push_back({op.name, op.requests, per_s(op.requests), op.errors, Summarize(op.latency)});
    }
    f.transport_errors = s.transport_errors();
    f.errors = s.errors();
    f.counters = s.counters();
    f.unfinished = run.unfinished;
    f.max_backlog = run.max_backlog;
    f.reconnects = run.reconnects;
    return f;
}

FlashVerdict JudgeFlashSale(const FlashSaleOutcome& o) {
    int64_t expected = std::min(o.units, o.buyers_ready);
    int64_t taken = o.reserved + o.sold;
    if (o.orders_201 > o.units || (o.inventory_read && (taken > o.units || o.available < 0))) {
        return FlashVerdict::kOversell;
    }
    if (o.orders_201 < expected) return FlashVerdict::kUndersold;
    if (o.inventory_read && taken != o.orders_201) return FlashVerdict::kInconsistent;
    return FlashVerdict::kOk;
}

const char* VerdictName(FlashVerdict verdict) {
    switch (verdict) {
        case FlashVerdict::kOk:
            return "OK";
        case FlashVerdict::kOversell:
            return "OVERSELL";
        case FlashVerdict::kUndersold:
            return "UNDERSOLD";
        case FlashVerdict::kInconsistent:
            return "INCONSISTENT";
    }
    return "?";
}

double ShareOfCeiling(const Report& report, double per_s) {
    if (!report.ceiling || report.ceiling->requests_per_s <= 0) return 0;
    return per_s / report.ceiling->requests_per_s;
}

std::string FormatText(const Report& r) {
    std::ostringstream out;
    out << "emporium-bench " << r.scenario << ": " << r.description << "\n";
    out << "started   " << r.started_at << "\n";
    out << "machine   " << r.machine.cores << " cores";
    if (!r.machine.cpu_model.empty()) out << ", " << r.machine.cpu_model;
    if (r.machine.memory_gib > 0) out << ", " << static_cast<int>(r.machine.memory_gib + 0.5) << " GiB";
    out << "\n";
    out << "server    " << r.server.url;
    if (!r.server.label.empty()) out << " (" << r.server.label << ")";
    out << "\n          /health/ready " << r.server.ready_status;
    if (!r.server.ready_body.empty()) out << " " << FirstLineOf(r.server.ready_body, 160);
    if (!r.server.server_header.empty()) out << "; Server: " << r.server.server_header;
    out << "\n";
    const LoadShape& l = r.load;
    out << "load      ";
    if (r.flash_sale) {
        out << "one order per buyer, each on its own connection opened beforehand, all sent at once; ";
    } else if (l.open_loop) {
        out << "open loop at " << Rate(l.rate) << " req/s (latency from the intended start), ";
    } else {
        out << "closed loop, ";
    }
    out << l.connections << " connections, " << l.threads << (l.threads == 1 ? " thread" : " threads");
    if (l.users > 0) out << ", " << l.users << " users";
    if (l.duration_s > 0) out << "; " << l.duration_s << " s measured after " << l.warmup_s << " s warm-up";
    out << "; set-up " << static_cast<int64_t>(r.setup_seconds * 10) / 10.0 << " s\n";
    if (r.ceiling) {
        out << "ceiling   plaintext GET /health/live " << Rate(r.ceiling->requests_per_s) << " req/s (p50 "
            << Ms(r.ceiling->latency.p50_ms) << " ms, p99 " << Ms(r.ceiling->latency.p99_ms)
            << " ms), same connections, same run\n";
    } else {
        out << "ceiling   not measured (--no-ceiling)\n";
    }
    out << "interaction = " << r.interaction << "\n\n";

    const RunFigures& f = r.result;
    out << Pad("", 20, false) << Pad("count", 11) << Pad("per s", 11) << Pad("%ceil", 9) << Pad("p50 ms", 9)
        << Pad("p90 ms", 9) << Pad("p99 ms", 9) << Pad("p99.9 ms", 9) << Pad("max ms", 9) << Pad("mean ms", 9)
        << Pad("errors", 8) << "\n";
    out << Row("requests", f.requests, f.requests_per_s, Percent(ShareOfCeiling(r, f.requests_per_s)), f.latency,
               f.errors);
    out << Row("interactions", f.interactions, f.interactions_per_s, Percent(ShareOfCeiling(r, f.interactions_per_s)),
               f.interaction_latency, 0);
    for (const auto& op : f.operations) {
        out << Row("  " + op.name, op.requests, op.per_s, Percent(ShareOfCeiling(r, op.per_s)), op.latency, op.errors);
    }
    out << "\n";
    if (f.interaction_kinds.size() > 1) {
        out << "mix       ";
        for (const auto& [kind, n] : f.interaction_kinds) {
            out << kind << " " << Percent(f.interactions > 0 ? static_cast<double>(n) / f.interactions : 0) << "  ";
        }
        out << "\n";
    }
    if (!f.counters.empty()) {
        out << "counters ";
        for (const auto& [name, n] : f.counters) {
            out << " " << name << " " << Grouped(n);
            if (f.seconds > 0 && !r.flash_sale) out << " (" << Rate(static_cast<double>(n) / f.seconds) << "/s)";
            out << ";";
        }
        out << "\n";
    }
    out << "statuses ";
    for (const auto& [status, n] : f.statuses) out << " " << status << ": " << Grouped(n);
    out << "\n";
    for (const auto& [error, n] : f.transport_errors) out << "no answer " << Grouped(n) << " × " << error << "\n";
    if (l.open_loop) {
        out << "open loop: " << Grouped(f.unfinished) << " due requests unanswered at the end; largest backlog "
            << Grouped(f.max_backlog) << "\n";
    }
    if (f.reconnects > 0) out << "connections opened during the run: " << Grouped(f.reconnects) << "\n";
    if (r.flash_sale) {
        const FlashSaleOutcome& s = *r.flash_sale;
        FlashVerdict verdict = JudgeFlashSale(s);
        out << "flash sale  SKU " << s.sku << ": " << s.units << " units, " << s.buyers_ready << " of " << s.buyers
            << " buyers ready; orders 201 = " << s.orders_201 << ", 409 = " << s.orders_409
            << ", other = " << s.orders_other << "; all answered in " << Ms(s.sale_seconds * 1000) << " ms\n";
        out << "            units sold " << s.orders_201 << " (must be " << std::min(s.units, s.buyers_ready) << ")";
        if (s.inventory_read) {
            out << "; inventory after: available " << s.available << ", reserved " << s.reserved << ", sold " << s.sold;
        } else {
            out << "; inventory not readable";
        }
        out << "\n            verdict " << VerdictName(verdict) << "\n";
    }
    for (const auto& note : r.notes) out << "note: " << note << "\n";
    return out.str();
}

std::string FormatJson(const Report& r) {
    json::object o;
    o["tool"] = "emporium-bench";
    o["scenario"] = r.scenario;
    o["description"] = r.description;
    o["interaction"] = r.interaction;
    o["started_at"] = r.started_at;
    o["machine"] = json::object{
        {"cores", r.machine.cores}, {"cpu_model", r.machine.cpu_model}, {"memory_gib", r.machine.memory_gib}};
    json::object server{{"url", r.server.url},
                        {"label", r.server.label},
                        {"ready_status", r.server.ready_status},
                        {"server_header", r.server.server_header}};
    // The readiness document as JSON when it is JSON, else as text.
    boost::system::error_code ec;
    json::value ready = json::parse(r.server.ready_body, ec);
    server["ready"] = ec ? json::value(r.server.ready_body) : ready;
    o["server"] = std::move(server);
    o["load"] = json::object{{"mode", r.load.open_loop ? "open" : "closed"},
                             {"rate", r.load.rate},
                             {"connections", r.load.connections},
                             {"threads", r.load.threads},
                             {"users", r.load.users},
                             {"duration_s", r.load.duration_s},
                             {"warmup_s", r.load.warmup_s}};
    o["setup_seconds"] = r.setup_seconds;
    if (r.ceiling) {
        o["ceiling"] = json::object{{"requests_per_s", r.ceiling->requests_per_s},
                                    {"seconds", r.ceiling->seconds},
                                    {"errors", r.ceiling->errors},
                                    {"latency_ms", LatencyJson(r.ceiling->latency)}};
    } else {
        o["ceiling"] = nullptr;
    }
    o["result"] = FiguresJson(r, r.result);
    if (r.flash_sale) {
        const FlashSaleOutcome& s = *r.flash_sale;
        json::object flash{{"sku", s.sku},
                           {"units", s.units},
                           {"buyers", s.buyers},
                           {"buyers_ready", s.buyers_ready},
                           {"units_sold", s.orders_201},
                           {"orders_201", s.orders_201},
                           {"orders_409", s.orders_409},
                           {"orders_other", s.orders_other},
                           {"sale_seconds", s.sale_seconds},
                           {"verdict", VerdictName(JudgeFlashSale(s))}};
        if (s.inventory_read) {
            flash["inventory"] = json::object{{"available", s.available}, {"reserved", s.reserved}, {"sold", s.sold}};
        } else {
            flash["inventory"] = nullptr;
        }
        o["flash_sale"] = std::move(flash);
    }
    json::array notes;
    for (const auto& n : r.notes) notes.push_back(json::string(n));
    o["notes"] = std::move(notes);
    return json::serialize(o) + "\n";
}

}  // namespace emporium::loadgen
