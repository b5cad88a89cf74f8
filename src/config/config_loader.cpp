#include "config/config_loader.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <deque>
#include <functional>
#include <limits>

#include "core/text.hpp"
#include "http/ip_networks.hpp"

namespace emporium::config {
namespace {

using core::Error;
using core::Result;

struct KeySpec {
    const char* section;
    const char* key;
    const char* description;
    std::function<Result<void>(Settings&, const std::string&)> set;
    std::function<std::string(const Settings&)> get;
};

Result<int64_t> ParseInteger(const std::string& text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return Error::Malformed("not an integer: " + text);
    return value;
}

template <typename Int>
KeySpec MakeIntKey(const char* section, const char* key, const char* description,
                   std::function<Int&(Settings&)> field) {
    return KeySpec{section, key, description,
                   [field](Settings& s, const std::string& text) -> Result<void> {
                       auto value = ParseInteger(text);
                       if (!value.ok()) return value.error();
                       if (*value < std::numeric_limits<Int>::min() || *value > std::numeric_limits<Int>::max())
                           return Error::Malformed("out of range: " + text);
                       field(s) = static_cast<Int>(*value);
                       return core::Ok();
                   },
                   [field](const Settings& s) { return std::to_string(field(const_cast<Settings&>(s))); }};
}

KeySpec MakeStringKey(const char* section, const char* key, const char* description,
                      std::function<std::string&(Settings&)> field) {
    return KeySpec{section, key, description,
                   [field](Settings& s, const std::string& text) -> Result<void> {
                       field(s) = text;
                       return core::Ok();
                   },
                   [field](const Settings& s) { return "\"" + field(const_cast<Settings&>(s)) + "\""; }};
}

KeySpec MakeBoolKey(const char* section, const char* key, const char* description,
                    std::function<bool&(Settings&)> field) {
    return KeySpec{section, key, description,
                   [field](Settings& s, const std::string& text) -> Result<void> {
                       if (text == "true" || text == "1") {
                           field(s) = true;
                       } else if (text == "false" || text == "0") {
                           field(s) = false;
                       } else {
                           return Error::Malformed("not a boolean: " + text);
                       }
                       return core::Ok();
                   },
                   [field](const Settings& s) { return field(const_cast<Settings&>(s)) ? "true" : "false"; }};
}

// The three keys of one route class: <class>_rate_per_minute, <class>_burst, <class>_deadline_ms.
void AddRouteClassKeys(std::vector<KeySpec>& keys, const char* name,
                       config::RouteClassLimits GatewaySettings::*limits) {
    static std::deque<std::string> names;  // KeySpec holds C strings; these live as long as the table
    auto key = [&](const char* suffix) { return names.emplace_back(std::string(name) + suffix).c_str(); };
    auto described = [&](const char* what) {
        return names.emplace_back(std::string(what) + name + " requests.").c_str();
    };
    keys.push_back(MakeIntKey<int>(
        "gateway", key("_rate_per_minute"),
        described("Token-bucket refill per user or client address, a minute, for "), [limits](Settings & s) -> auto& {
            return (s.gateway.*limits).rate_per_minute;
        }));
    keys.push_back(MakeIntKey<int>(
        "gateway", key("_burst"),
        described("Token-bucket size for "), [limits](Settings & s) -> auto& { return (s.gateway.*limits).burst; }));
    keys.push_back(MakeIntKey<int>(
        "gateway", key("_deadline_ms"), described("Time budget (ms) of "), [limits](Settings & s) -> auto& {
            return (s.gateway.*limits).deadline_ms;
        }));
}

std::vector<KeySpec> GatewayKeys() {
    std::vector<KeySpec> keys = {
        MakeBoolKey(
            "gateway", "rate_limits", "Token-bucket rate limits per route class (429 + Retry-After).",
            [](Settings & s) -> auto& { return s.gateway.rate_limits; }),
        MakeStringKey(
            "gateway", "trusted_proxies",
            "Proxies whose X-Forwarded-For names the client (CIDRs, comma-separated); empty: none.",
            [](Settings & s) -> auto& { return s.gateway.trusted_proxies; }),
        MakeStringKey(
            "gateway", "exempt_networks",
            "Clients that skip the rate-limit buckets (CIDRs); never the failed-login limits.",
            [](Settings & s) -> auto& { return s.gateway.exempt_networks; }),
    };
    AddRouteClassKeys(keys, "checkout", &GatewaySettings::checkout);
    AddRouteClassKeys(keys, "orders", &GatewaySettings::orders);
    AddRouteClassKeys(keys, "login", &GatewaySettings::login);
    AddRouteClassKeys(keys, "browse", &GatewaySettings::browse);
    AddRouteClassKeys(keys, "recommendations", &GatewaySettings::recommendations);
    keys.push_back(MakeBoolKey(
        "gateway", "load_shedding",
        "Adaptive concurrency limit on blocking work; the least important route class is shed first (503).",
        [](Settings & s) -> auto& { return s.gateway.load_shedding; }));
    keys.push_back(MakeIntKey<int>(
        "gateway", "shedding_initial_limit", "Requests in blocking work at once before latency has been measured.",
        [](Settings & s) -> auto& { return s.gateway.shedding_initial_limit; }));
    keys.push_back(MakeIntKey<int>(
        "gateway", "shedding_min_limit", "Lowest the adaptive limit goes.",
        [](Settings & s) -> auto& { return s.gateway.shedding_min_limit; }));
    keys.push_back(MakeIntKey<int>(
        "gateway", "shedding_max_limit", "Highest the adaptive limit goes.",
        [](Settings & s) -> auto& { return s.gateway.shedding_max_limit; }));
    return keys;
}

const std::vector<KeySpec>& Keys() {
    static const std::vector<KeySpec> keys = [] {
        std::vector<KeySpec> keys = {
            MakeStringKey(
                "server", "host", "Address to listen on.", [](Settings & s) -> auto& { return s.server.host; }),
            MakeIntKey<int>(
                "server", "port", "TCP port; 0 picks a free one (see --port-file).",
                [](Settings & s) -> auto& { return s.server.port; }),
            MakeIntKey<int>(
                "server", "io_threads",
                "Event-loop threads, each with its own SO_REUSEPORT acceptor; 0 = one per core.",
                [](Settings & s) -> auto& { return s.server.io_threads; }),
            MakeIntKey<int64_t>(
                "server", "max_body_bytes", "Largest request body accepted; larger gets 413.",
                [](Settings & s) -> auto& { return s.server.max_body_bytes; }),
            MakeIntKey<int64_t>(
                "server", "max_header_bytes", "Largest request header block accepted; larger gets 431.",
                [](Settings & s) -> auto& { return s.server.max_header_bytes; }),
            MakeIntKey<int>(
                "server", "read_timeout_ms", "Time allowed to receive a request body.",
                [](Settings & s) -> auto& { return s.server.read_timeout_ms; }),
            MakeIntKey<int>(
                "server", "idle_timeout_ms",
                "A connection waiting this long for the first byte of its next request is closed.",
                [](Settings & s) -> auto& { return s.server.idle_timeout_ms; }),
            MakeIntKey<int>(
                "server", "request_timeout_ms",
                "Deadline for handling one request: still queued at it → 503; a payment's inline retries stop before "
                "it.",
                [](Settings & s) -> auto& { return s.server.request_timeout_ms; }),
            MakeIntKey<int>(
                "server", "shutdown_grace_ms", "After SIGTERM/SIGINT, in-flight requests get this long to finish.",
                [](Settings & s) -> auto& { return s.server.shutdown_grace_ms; }),
            MakeIntKey<int>(
                "server", "header_timeout_ms",
                "Time allowed for a request's header once its first byte arrived (waiting for that byte is the idle "
                "timeout); past it the connection is closed.",
                [](Settings & s) -> auto& { return s.server.header_timeout_ms; }),
            MakeIntKey<int64_t>(
                "server", "max_connections",
                "Open client connections at most; a connection past it is closed as soon as it is accepted.",
                [](Settings & s) -> auto& { return s.server.max_connections; }),
            MakeIntKey<int64_t>(
                "server", "max_connections_per_address",
                "Open connections at most from one client address; one past it is closed as soon as it is accepted.",
                [](Settings & s) -> auto& { return s.server.max_connections_per_address; }),
            MakeStringKey(
                "server", "operator_networks",
                "Client networks (comma-separated CIDRs or addresses) that may read /metrics and /health/ready; "
                "others get 404. /health/live is open to all.",
                [](Settings & s) -> auto& { return s.server.operator_networks; }),
            MakeBoolKey(
                "server", "access_log", "Write one JSON line per request to stdout.",
                [](Settings & s) -> auto& { return s.server.access_log; }),
            MakeStringKey(
                "storage", "data_dir",
                "Directory of the database (emporium.db), search index and mail spool (created if missing).",
                [](Settings & s) -> auto& { return s.storage.data_dir; }),
            MakeIntKey<int>(
                "storage", "blocking_threads",
                "Threads that run database work, provider calls and password hashing; they mostly wait (fsyncs, the "
                "provider), and writes waiting at once share one group commit.",
                [](Settings & s) -> auto& { return s.storage.blocking_threads; }),
            MakeIntKey<int>(
                "storage", "blocking_queue_limit",
                "Jobs allowed to wait for a blocking thread; beyond it requests get 503.",
                [](Settings & s) -> auto& { return s.storage.blocking_queue_limit; }),
            MakeIntKey<int>(
                "storage", "read_connections", "SQLite read connections per database.",
                [](Settings & s) -> auto& { return s.storage.read_connections; }),
            MakeIntKey<int>(
                "storage", "page_cache_kib",
                "SQLite page cache per connection in KiB (each reader keeps its own; the OS caches the files too).",
                [](Settings & s) -> auto& { return s.storage.page_cache_kib; }),
            MakeIntKey<int>(
                "storage", "busy_timeout_ms", "How long SQLite waits for a lock held by another process.",
                [](Settings & s) -> auto& { return s.storage.busy_timeout_ms; }),
            MakeIntKey<int>(
                "storage", "write_batch_max", "Most write jobs committed together in one group commit.",
                [](Settings & s) -> auto& { return s.storage.write_batch_max; }),
            MakeIntKey<int>(
                "storage", "wal_checkpoint_pages",
                "WAL pages (4 KiB) a database collects before they are copied back into it; rarer "
                "checkpoints write less (checkout: 136 KiB per paid order against 144 with 1000).",
                [](Settings & s) -> auto& { return s.storage.wal_checkpoint_pages; }),
            MakeIntKey<int>(
                "security", "session_ttl_hours", "Lifetime of a session token.",
                [](Settings & s) -> auto& { return s.security.session_ttl_hours; }),
            MakeIntKey<int>(
                "security", "argon2_ops_limit", "argon2id passes (libsodium opslimit, at least 1).",
                [](Settings & s) -> auto& { return s.security.argon2_ops_limit; }),
            MakeIntKey<int>(
                "security", "argon2_memory_kib", "argon2id memory in KiB (at least 8).",
                [](Settings & s) -> auto& { return s.security.argon2_memory_kib; }),
            MakeIntKey<int>(
                "security", "max_concurrent_hashes",
                "argon2id computations at once (logins, signups); four times as many may wait up to 3 s, "
                "others get 503 at once. 0 = two per core.",
                [](Settings & s) -> auto& { return s.security.max_concurrent_hashes; }),
            MakeIntKey<int>(
                "security", "session_cache_ttl_ms",
                "How long a resolved session token is trusted without reading the users database: a logout or "
                "revocation made by another process takes effect here within this bound (at once in its own). 0 = no "
                "cache.",
                [](Settings & s) -> auto& { return s.security.session_cache_ttl_ms; }),
            MakeIntKey<int64_t>(
                "security", "session_cache_bytes", "Memory bound of the session cache (about 160 bytes a session).",
                [](Settings & s) -> auto& { return s.security.session_cache_bytes; }),
            MakeIntKey<int>(
                "security", "login_failures_per_account",
                "Failed logins for one email (existing or not) before it is locked out for a while; the lock-out "
                "grows.",
                [](Settings & s) -> auto& { return s.security.login_failures_per_account; }),
            MakeIntKey<int>(
                "security", "login_failures_per_address",
                "Failed logins from one client address before it is locked out for a while; the lock-out grows.",
                [](Settings & s) -> auto& { return s.security.login_failures_per_address; }),
            MakeBoolKey(
                "security", "session_cookie_secure",
                "Mark the storefront's session cookies Secure (the shop is served over HTTPS).",
                [](Settings & s) -> auto& { return s.security.session_cookie_secure; }),
            MakeIntKey<int>(
                "catalog", "cache_max_age_seconds", "Cache-Control max-age on public catalog and search reads.",
                [](Settings & s) -> auto& { return s.catalog.cache_max_age_seconds; }),
            MakeIntKey<int64_t>(
                "catalog", "variant_cache_bytes",
                "Memory bound of the variants (by SKU) that cart views and orders price from; 0 disables it.",
                [](Settings & s) -> auto& { return s.catalog.variant_cache_bytes; }),
            MakeIntKey<int64_t>(
                "cache", "max_bytes",
                "Memory bound of the in-process cache of product, list, search and home pages; 0 disables it.",
                [](Settings & s) -> auto& { return s.cache.max_bytes; }),
            MakeIntKey<int>(
                "cache", "ttl_ms",
                "Longest a cached page is fresh (product writes through this process invalidate at once).",
                [](Settings & s) -> auto& { return s.cache.ttl_ms; }),
            MakeIntKey<int>(
                "cache", "stale_ms", "How long an expired page is kept to be served when reloading it fails.",
                [](Settings & s) -> auto& { return s.cache.stale_ms; }),
            MakeBoolKey(
                "recommendations", "enabled",
                "Serve recommendations; when false they answer 200 with an empty list and X-Recommendations: "
                "unavailable.",
                [](Settings & s) -> auto& { return s.recommendations.enabled; }),
            MakeIntKey<int>(
                "recommendations", "trending_window_hours", "Hours of orders that make a product trending.",
                [](Settings & s) -> auto& { return s.recommendations.trending_window_hours; }),
            MakeIntKey<int>(
                "inventory", "reservation_ttl_seconds",
                "How long an unpaid order holds its stock before the sweeper releases it and cancels the order.",
                [](Settings & s) -> auto& { return s.inventory.reservation_ttl_seconds; }),
            MakeStringKey(
                "postgres", "primary",
                "libpq conninfo of the PostgreSQL primary that holds every service but orders; empty runs the embedded "
                "shop on SQLite in data_dir.",
                [](Settings & s) -> auto& { return s.postgres.primary; }),
            MakeStringKey(
                "postgres", "replica",
                "libpq conninfo of the primary's streaming replica, which serves catalog reads (read-your-writes "
                "kept); empty reads the catalog on the primary.",
                [](Settings & s) -> auto& { return s.postgres.replica; }),
            MakeStringKey(
                "postgres", "order_servers", "libpq conninfos of the order shard servers, separated by ';'.",
                [](Settings & s) -> auto& { return s.postgres.order_servers; }),
            MakeStringKey(
                "postgres", "order_shard_map",
                "Logical order shard -> index into order_servers, comma-separated (one per logical shard); empty: "
                "round robin.",
                [](Settings & s) -> auto& { return s.postgres.order_shard_map; }),
            MakeIntKey<int>(
                "postgres", "connections", "Connections in the pool of each PostgreSQL server.",
                [](Settings & s) -> auto& { return s.postgres.connections; }),
            MakeIntKey<int>(
                "postgres", "replica_max_lag_ms",
                "A replica that has not replayed the primary's writes for this long is skipped for reads.",
                [](Settings & s) -> auto& { return s.postgres.replica_max_lag_ms; }),
            MakeStringKey(
                "redis", "address",
                "Redis server (host:port or a Unix socket path) for carts, the shared page cache and rate-limit "
                "counters; empty keeps them in each process's memory.",
                [](Settings & s) -> auto& { return s.redis.address; }),
            MakeStringKey(
                "redis", "prefix", "Prefix of every key the shop writes in Redis.",
                [](Settings & s) -> auto& { return s.redis.prefix; }),
            MakeIntKey<int>(
                "redis", "connections", "Connections in the pool to the Redis server.",
                [](Settings & s) -> auto& { return s.redis.connections; }),
            MakeIntKey<int>(
                "redis", "connect_timeout_ms", "How long a connection attempt to Redis may take.",
                [](Settings & s) -> auto& { return s.redis.connect_timeout_ms; }),
            MakeStringKey(
                "rabbitmq", "url",
                "AMQP URL of the RabbitMQ broker that carries events between processes "
                "(amqp://user:password@host:port/); "
                "empty delivers events in this process from the outboxes (the embedded bus).",
                [](Settings & s) -> auto& { return s.rabbitmq.url; }),
            MakeStringKey(
                "rabbitmq", "prefix",
                "Names this shop's exchanges and queues on the broker (<prefix>.events, <prefix>.<consumer>, ...); "
                "shops "
                "sharing a broker need prefixes of their own.",
                [](Settings & s) -> auto& { return s.rabbitmq.prefix; }),
            MakeIntKey<int>(
                "orders", "shards",
                "Logical order shards (every order id names its shard; embedded, all in the one database file); "
                "fixed once orders exist.",
                [](Settings & s) -> auto& { return s.orders.shards; }),
            MakeIntKey<int>(
                "orders", "max_unpaid_orders_per_user",
                "Unpaid orders (holding stock) one account may have at once; placing one more is refused with 409 "
                "until one is paid, cancelled or expires.",
                [](Settings & s) -> auto& { return s.orders.max_unpaid_orders_per_user; }),
            MakeStringKey(
                "payments", "provider_url",
                "Base URL of the card payment provider (paygw protocol); empty turns payments off (503).",
                [](Settings & s) -> auto& { return s.payments.provider_url; }),
            MakeStringKey(
                "payments", "webhook_secret", "Shared secret that signs the provider's webhooks.",
                [](Settings & s) -> auto& { return s.payments.webhook_secret; }),
            MakeIntKey<int>(
                "payments", "provider_timeout_ms", "Deadline of one call to the payment provider (at most 10000).",
                [](Settings & s) -> auto& { return s.payments.provider_timeout_ms; }),
            MakeIntKey<int>(
                "payments", "give_up_after_seconds",
                "How long a payment the provider could not take is retried in the background before the order is "
                "cancelled (sooner when its stock reservation expires).",
                [](Settings & s) -> auto& { return s.payments.give_up_after_seconds; }),
            MakeIntKey<int>(
                "bulkheads", "payment_provider_concurrency",
                "Calls to the payment provider (charges, refunds) at once; a hung provider holds at most this many "
                "blocking-pool threads, plus those queued.",
                [](Settings & s) -> auto& { return s.bulkheads.payment_provider_concurrency; }),
            MakeIntKey<int>(
                "bulkheads", "payment_provider_queue",
                "Payment provider calls that may wait for a place; beyond them a call fails at once (the payment is "
                "retried in the background and answered 202).",
                [](Settings & s) -> auto& { return s.bulkheads.payment_provider_queue; }),
            MakeIntKey<int>(
                "bulkheads", "search_concurrency", "Searches and suggestions run at once.",
                [](Settings & s) -> auto& { return s.bulkheads.search_concurrency; }),
            MakeIntKey<int>(
                "bulkheads", "search_queue",
                "Searches that may wait for a place; beyond them a search is answered 503.",
                [](Settings & s) -> auto& { return s.bulkheads.search_queue; }),
            MakeIntKey<int>(
                "bulkheads", "recommendations_concurrency", "Recommendation reads run at once.",
                [](Settings & s) -> auto& { return s.bulkheads.recommendations_concurrency; }),
            MakeIntKey<int>(
                "bulkheads", "recommendations_queue",
                "Recommendation reads that may wait for a place; beyond them the answer is empty and marked "
                "unavailable.",
                [](Settings & s) -> auto& { return s.bulkheads.recommendations_queue; }),
            MakeIntKey<int>(
                "bulkheads", "max_wait_ms",
                "Longest a call waits for a place in a bulkhead (never past its request's deadline).",
                [](Settings & s) -> auto& { return s.bulkheads.max_wait_ms; }),
            MakeBoolKey(
                "admin", "fault_injection",
                "Allow operators to make dependencies slow, failing or down at run time (PUT "
                "/api/v1/admin/faults/{target}); false: those routes answer 404. Never on a shop taking real orders.",
                [](Settings & s) -> auto& { return s.admin.fault_injection; }),
            MakeIntKey<int>(
                "events", "handler_threads",
                "Threads that deliver events to different consumers at once on the event bus (their writes share "
                "commits; a slow consumer holds up only itself).",
                [](Settings & s) -> auto& { return s.events.handler_threads; }),
            MakeIntKey<int>(
                "events", "max_attempts",
                "Attempts at an event before it is dead-lettered (an event whose dependency is down is retried "
                "for as long as it takes instead).",
                [](Settings & s) -> auto& { return s.events.max_attempts; }),
            MakeStringKey(
                "notifications", "smtp_url",
                "SMTP server for outgoing mail (smtp://host:port); empty writes mail to <data_dir>/mail (Maildir).",
                [](Settings & s) -> auto& { return s.notifications.smtp_url; }),
            MakeStringKey(
                "notifications", "mail_from", "Sender of outgoing mail.",
                [](Settings & s) -> auto& { return s.notifications.mail_from; }),
            MakeStringKey(
                "log", "level", "Lowest level logged: debug, info, warn or error.",
                [](Settings & s) -> auto& { return s.log.level; }),
        };
        auto gateway = GatewayKeys();
        keys.insert(keys.end() - 1, gateway.begin(), gateway.end());
        return keys;
    }();
    return keys;
}

const KeySpec* FindKey(const std::string& section, const std::string& key) {
    for (const auto& spec : Keys())
        if (section == spec.section && key == spec.key) return &spec;
    return nullptr;
}

bool IsSection(const std::string& section) {
    for (const auto& spec : Keys())
        if (section == spec.section) return true;
    return false;
}

}  // namespace

std::vector<KeyReference> DescribeKeys() {
    Settings defaults;
    std::vector<KeyReference> out;
    for (const auto& spec : Keys()) out.push_back({spec.section, spec.key, spec.get(defaults), spec.description});
    return out;
}

Result<void> SetKey(const std::string& section, const std::string& key, const std::string& value, Settings& settings) {
    const KeySpec* spec = FindKey(section, key);
    if (!spec) return Error::Malformed("unknown configuration key " + section + "." + key);
    auto result = spec->set(settings, value);
    if (!result.ok()) return Error::Malformed(section + "." + key + ": " + result.error().message);
    return core::Ok();
}

Result<void> ApplyTomlFile(const std::string& path, Settings& settings) {
    toml::table parsed;
    try {
        parsed = toml::parse_file(path);
    } catch (const toml::parse_error& error) {
        return Error::Malformed("cannot read " + path + ": " + std::string(error.description()));
    }
    for (const auto& [section_key, section_node] : parsed) {
        std::string section(section_key.str());
        const toml::table* table = section_node.as_table();
        if (!table || !IsSection(section)) return Error::Malformed(path + ": unknown section [" + section + "]");
        for (const auto& [key_node, value] : *table) {
            std::string key(key_node.str());
            std::string text;
            if (auto s = value.value<std::string>(); s && value.is_string()) {
                text = *s;
            } else if (value.is_integer()) {
                text = std::to_string(*value.value<int64_t>());
            } else if (value.is_boolean()) {
                text = *value.value<bool>() ? "true" : "false";
            } else {
                return Error::Malformed(path + ": " + section + "." + key + " has an unsupported type");
            }
            EMPORIUM_TRY(SetKey(section, key, text, settings));
        }
    }
    return core::Ok();
}

Result<void> ApplyEnvironment(const std::map<std::string, std::string>& environment, Settings& settings) {
    static const std::string kPrefix = "EMPORIUM_";
    for (const auto& [name, value] : environment) {
        if (name.rfind(kPrefix, 0) != 0) continue;
        std::string rest = core::ToLowerAscii(name.substr(kPrefix.size()));
        auto underscore = rest.find('_');
        if (underscore == std::string::npos) continue;
        std::string section = rest.substr(0, underscore);
        if (!IsSection(section)) continue;
        EMPORIUM_TRY(SetKey(section, rest.substr(underscore + 1), value, settings));
    }
    return core::Ok();
}

Result<void> Validate(const Settings& s) {
    std::vector<core::FieldError> errors;
    auto check = [&](bool ok, std::string key, const char* message) {
        if (!ok) errors.push_back({key, message});
    };
    check(s.server.port >= 0 && s.server.port <= 65535, "server.port", "must be 0..65535");
    check(s.server.header_timeout_ms > 0, "server.header_timeout_ms", "must be positive");
    check(s.server.max_connections >= 1, "server.max_connections", "must be at least 1");
    check(s.server.max_connections_per_address >= 1, "server.max_connections_per_address", "must be at least 1");
    if (auto networks = http::IpNetworks::Parse(s.server.operator_networks); !networks.ok())
        errors.push_back({"server.operator_networks", networks.error().message});
    check(s.server.io_threads >= 0 && s.server.io_threads <= 256, "server.io_threads", "must be 0..256");
    check(s.server.max_body_bytes >= 1024 && s.server.max_body_bytes <= (1LL << 30), "server.max_body_bytes",
          "must be 1 KiB..1 GiB");
    check(s.server.max_header_bytes >= 1024 && s.server.max_header_bytes <= (1LL << 20), "server.max_header_bytes",
          "must be 1 KiB..1 MiB");
    check(s.server.read_timeout_ms > 0, "server.read_timeout_ms", "must be positive");
    check(s.server.idle_timeout_ms > 0, "server.idle_timeout_ms", "must be positive");
    check(s.server.request_timeout_ms > 0, "server.request_timeout_ms", "must be positive");
    check(s.server.shutdown_grace_ms >= 0, "server.shutdown_grace_ms", "must not be negative");
    check(!s.storage.data_dir.empty(), "storage.data_dir", "must not be empty");
    check(s.storage.blocking_threads >= 1 && s.storage.blocking_threads <= 1024, "storage.blocking_threads",
          "must be 1..1024");
    check(s.storage.blocking_queue_limit >= 0, "storage.blocking_queue_limit", "must not be negative");
    check(s.storage.page_cache_kib >= 64 && s.storage.page_cache_kib <= 1 << 20, "storage.page_cache_kib",
          "must be 64..1048576");
    check(s.storage.read_connections >= 1 && s.storage.read_connections <= 256, "storage.read_connections",
          "must be 1..256");
    check(s.storage.busy_timeout_ms >= 0, "storage.busy_timeout_ms", "must not be negative");
    check(s.storage.write_batch_max >= 1, "storage.write_batch_max", "must be at least 1");
    check(s.storage.wal_checkpoint_pages >= 100 && s.storage.wal_checkpoint_pages <= 1'000'000,
          "storage.wal_checkpoint_pages", "must be 100..1000000");
    check(s.security.session_ttl_hours >= 1, "security.session_ttl_hours", "must be at least 1");
    check(s.security.argon2_ops_limit >= 1, "security.argon2_ops_limit", "must be at least 1");
    check(s.security.argon2_memory_kib >= 8 && s.security.argon2_memory_kib <= (4 << 20), "security.argon2_memory_kib",
          "must be 8..4194304");
    check(s.security.max_concurrent_hashes >= 0, "security.max_concurrent_hashes", "must not be negative");
    check(s.security.session_cache_ttl_ms >= 0 && s.security.session_cache_ttl_ms <= 600'000,
          "security.session_cache_ttl_ms", "must be between 0 and 600000");
    check(s.security.session_cache_bytes >= 0, "security.session_cache_bytes", "must not be negative");
    check(s.security.login_failures_per_account >= 1, "security.login_failures_per_account", "must be at least 1");
    check(s.security.login_failures_per_address >= 1, "security.login_failures_per_address", "must be at least 1");
    for (auto [name, limits] : {std::pair{"checkout", &s.gateway.checkout},
                                {"orders", &s.gateway.orders},
                                {"login", &s.gateway.login},
                                {"browse", &s.gateway.browse},
                                {"recommendations", &s.gateway.recommendations}}) {
        check(limits->rate_per_minute >= 1, std::string("gateway.") + name + "_rate_per_minute", "must be at least 1");
        check(limits->burst >= 1, std::string("gateway.") + name + "_burst", "must be at least 1");
        check(limits->deadline_ms >= 1, std::string("gateway.") + name + "_deadline_ms", "must be at least 1");
    }
    check(s.gateway.shedding_min_limit >= 1 && s.gateway.shedding_min_limit <= s.gateway.shedding_max_limit,
          "gateway.shedding_min_limit", "must be at least 1 and at most shedding_max_limit");
    check(s.catalog.cache_max_age_seconds >= 0, "catalog.cache_max_age_seconds", "must not be negative");
    check(s.catalog.variant_cache_bytes >= 0, "catalog.variant_cache_bytes", "must not be negative");
    check(s.cache.max_bytes >= 0, "cache.max_bytes", "must not be negative");
    check(s.cache.ttl_ms >= 0, "cache.ttl_ms", "must not be negative");
    check(s.cache.stale_ms >= 0, "cache.stale_ms", "must not be negative");
    check(s.recommendations.trending_window_hours >= 1 && s.recommendations.trending_window_hours <= 24 * 365,
          "recommendations.trending_window_hours", "must be 1..8760");
    check(s.inventory.reservation_ttl_seconds >= 1, "inventory.reservation_ttl_seconds", "must be at least 1");
    check(s.orders.shards >= 1 && s.orders.shards <= 64, "orders.shards", "must be 1..64");
    check(s.orders.max_unpaid_orders_per_user >= 1, "orders.max_unpaid_orders_per_user", "must be at least 1");
    check(!s.rabbitmq.prefix.empty(), "rabbitmq.prefix", "must not be empty");
    check(s.postgres.connections >= 1 && s.postgres.connections <= 256, "postgres.connections", "must be 1..256");
    check(s.redis.connections >= 1 && s.redis.connections <= 256, "redis.connections", "must be 1..256");
    check(s.redis.connect_timeout_ms >= 1 && s.redis.connect_timeout_ms <= 60'000, "redis.connect_timeout_ms",
          "must be 1..60000");
    check(s.postgres.replica_max_lag_ms >= 0, "postgres.replica_max_lag_ms", "must not be negative");
    check(s.postgres.primary.empty() || !s.postgres.order_servers.empty(), "postgres.order_servers",
          "must name at least one server when postgres.primary is set");
    // Capped so that a payment request (four calls and the waits between them) ends within
    // the minute after which its Idempotency-Key claim may be taken over.
    check(s.payments.provider_timeout_ms >= 1 && s.payments.provider_timeout_ms <= 10'000,
          "payments.provider_timeout_ms", "must be 1..10000");
    check(s.payments.give_up_after_seconds >= 1, "payments.give_up_after_seconds", "must be at least 1");
    for (auto [value, key] :
         {std::pair{s.bulkheads.payment_provider_concurrency, "bulkheads.payment_provider_concurrency"},
          std::pair{s.bulkheads.search_concurrency, "bulkheads.search_concurrency"},
          std::pair{s.bulkheads.recommendations_concurrency, "bulkheads.recommendations_concurrency"}})
        check(value >= 1 && value <= 1024, key, "must be 1..1024");
    for (auto [value, key] : {std::pair{s.bulkheads.payment_provider_queue, "bulkheads.payment_provider_queue"},
                              std::pair{s.bulkheads.search_queue, "bulkheads.search_queue"},
                              std::pair{s.bulkheads.recommendations_queue, "bulkheads.recommendations_queue"}})
        check(value >= 0 && value <= 4096, key, "must be 0..4096");
    check(s.bulkheads.max_wait_ms >= 0 && s.bulkheads.max_wait_ms <= 60'000, "bulkheads.max_wait_ms",
          "must be 0..60000");
    check(s.events.handler_threads >= 0 && s.events.handler_threads <= 256, "events.handler_threads", "must be 0..256");
    check(s.events.max_attempts >= 1 && s.events.max_attempts <= 100, "events.max_attempts", "must be 1..100");
    check(s.log.level == "debug" || s.log.level == "info" || s.log.level == "warn" || s.log.level == "error",
          "log.level", "must be debug, info, warn or error");
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    return core::Ok();
}

}  // namespace emporium::config
