#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace emporium::config {

// Every key of the configuration, with its default. The loader (config_loader.hpp) fills
// these from a TOML file, then EMPORIUM_<SECTION>_<KEY> environment variables, then
// command-line flags. Only src/app/ reads Settings; services get their own small structs.

struct ServerSettings {
    std::string host = "0.0.0.0";
    int port = 8080;
    int io_threads = 0;  // 0: one per core
    int64_t max_body_bytes = 1 << 20;
    int64_t max_header_bytes = 16 << 10;
    int read_timeout_ms = 10'000;     // a request's body must arrive within this
    int idle_timeout_ms = 60'000;     // a connection waiting for a request's first byte is closed
    int header_timeout_ms = 10'000;   // a request's header must arrive within this of its first byte
    int request_timeout_ms = 10'000;  // deadline given to services for one request
    int shutdown_grace_ms = 10'000;   // in-flight requests get this long after SIGTERM
    bool access_log = true;
    int64_t max_connections = 10'000;            // open client connections; more are closed at once
    int64_t max_connections_per_address = 1024;  // ... from one client address (a load test's 1000 buyers fit)
    // Client networks that may read /metrics and /health/ready (others get 404).
    std::string operator_networks = "127.0.0.0/8,::1/128";
};

struct StorageSettings {
    std::string data_dir = "./data";
    int blocking_threads = 64;        // threads that run database work and password hashing (mostly waiting)
    int blocking_queue_limit = 1024;  // waiting jobs beyond this are refused with 503
    int read_connections = 8;         // SQLite read connections per database
    int page_cache_kib = 2048;        // SQLite page cache per connection
    int busy_timeout_ms = 5'000;
    int write_batch_max = 256;          // most write jobs committed in one group commit
    int wal_checkpoint_pages = 10'000;  // WAL pages before they are copied back into the database
};

// The distributed deployment's SQL servers. All empty: the embedded shop (SQLite in data_dir).
struct PostgresSettings {
    std::string primary;  // libpq conninfo of the services' primary, e.g. "host=127.0.0.1 port=5441 dbname=emporium"
    std::string replica;  // its streaming replica, for catalog reads; empty: catalog reads on the primary
    // The order shard servers, conninfos separated by ";" (at least one when primary is set).
    std::string order_servers;
    // Logical order shard → index into order_servers, comma-separated, one entry per
    // logical shard (orders.shards of them); empty: round robin. Moving a logical shard to
    // another server is a data copy and a change here (docs/OPERATIONS.md), not a code change.
    std::string order_shard_map;
    int connections = 16;           // pool bound per server (primary, replica, each order server)
    int replica_max_lag_ms = 1000;  // a replica further behind than this is skipped for reads
};

// The distributed deployment's Redis server: carts, the shared second level of the page
// cache and the rate-limit counters. Empty address: all three in each process's memory.
struct RedisSettings {
    std::string address;               // "host:port" or a Unix socket path, e.g. "127.0.0.1:6380"
    std::string prefix = "emporium:";  // of every key the shop writes (several shops can share one server)
    int connections = 16;
    int connect_timeout_ms = 500;
};

// The distributed deployment's event bus. Empty url: the embedded bus (the outbox dispatcher).
struct RabbitMqSettings {
    std::string url;  // e.g. "amqp://emporium:secret@127.0.0.1:5672/"
    // Names this shop's exchanges and queues: shops (or test servers) sharing a broker and
    // virtual host need prefixes of their own.
    std::string prefix = "emporium";
};

struct SecuritySettings {
    int session_ttl_hours = 720;
    int argon2_ops_limit = 2;          // libsodium crypto_pwhash OPSLIMIT_INTERACTIVE
    int argon2_memory_kib = 64 << 10;  // MEMLIMIT_INTERACTIVE (64 MiB)
    int max_concurrent_hashes = 0;     // 0: two per core
    // A resolved session is trusted this long without reading the users database: the bound
    // on how late a logout or revocation made by another process takes effect. 0: no cache.
    int session_cache_ttl_ms = 5'000;
    int64_t session_cache_bytes = 16LL << 20;
    // Failed logins: past these counts an account (by email, whether or not it exists) or a
    // client address is refused for a while; the lock-out grows with the count (docs/API.md).
    int login_failures_per_account = 5;
    int login_failures_per_address = 30;
    // The pages' session cookies carry `Secure` (set it when the shop is served over HTTPS).
    bool session_cookie_secure = false;
};

struct CatalogSettings {
    int cache_max_age_seconds = 60;           // Cache-Control max-age on public catalog and search reads
    int64_t variant_cache_bytes = 8LL << 20;  // variants by SKU in memory (cart views, orders); 0 = off
};

struct CacheSettings {
    int64_t max_bytes = 64LL << 20;  // in-process cache of product, list, search and home pages
    int ttl_ms = 5'000;              // bounds staleness from writes by other processes
    int stale_ms = 300'000;          // an expired page is kept this long, served only if reloading fails
};

struct RecommendationsSettings {
    bool enabled = true;             // false: recommendation answers are empty, marked unavailable
    int trending_window_hours = 24;  // "trending" sums the units ordered over this window
};

struct InventorySettings {
    int reservation_ttl_seconds = 15 * 60;  // unpaid orders hold their stock this long
};

struct OrdersSettings {
    int shards = 4;                      // order databases; a user's orders live in shard hash(user id) mod shards
    int max_unpaid_orders_per_user = 5;  // unpaid orders holding stock at once; one more gets 409
};

struct PaymentsSettings {
    std::string provider_url;    // paygw base URL, e.g. "http://127.0.0.1:9100"; empty: payments off (503)
    std::string webhook_secret;  // shared with the provider; verifies Paygw-Signature
    int provider_timeout_ms = 2'000;
    // A payment the provider could not take is retried in the background this long, then
    // the order is cancelled (sooner if its stock reservation expires first).
    int give_up_after_seconds = 30 * 60;
};

// Bulkheads: the most calls to one dependency at once, and the most callers waiting for a
// place (each at most max_wait_ms, never past its request's deadline); whoever gets no place
// is answered 503 at once. They keep a hung dependency from taking the blocking pool's
// threads (storage.blocking_threads), which also serve browsing.
struct BulkheadsSettings {
    int payment_provider_concurrency = 16;
    int payment_provider_queue = 16;
    int search_concurrency = 16;
    int search_queue = 32;
    int recommendations_concurrency = 8;
    int recommendations_queue = 8;
    int max_wait_ms = 500;
};

// Operators' switches.
struct AdminSettings {
    // Allows PUT/DELETE /api/v1/admin/faults/{target} (docs/OPERATIONS.md); off, those
    // routes answer 404. For demonstrations and tests, never for a shop taking orders.
    bool fault_injection = false;
};

struct EventsSettings {
    int handler_threads = 16;  // consumers delivered to at once (their writes share commits)
    int max_attempts = 8;      // then the event is dead-lettered (not when a dependency is down)
};

struct NotificationsSettings {
    std::string smtp_url;  // e.g. "smtp://127.0.0.1:25"; empty: mails go to <data_dir>/mail (Maildir)
    std::string mail_from = "Emporium <orders@emporium.dev>";
};

// One route class's limits at the gateway (route classes: docs/API.md "Rate limits").
struct RouteClassLimits {
    int rate_per_minute = 0;  // token-bucket refill, per user (signed in) or client address
    int burst = 0;            // bucket size
    int deadline_ms = 0;      // the request's time budget
};

struct GatewaySettings {
    bool rate_limits = true;
    // Proxies (e.g. HAProxy) whose X-Forwarded-For names the client; CIDRs, comma-separated.
    std::string trusted_proxies;
    // Clients that skip the rate-limit buckets (never the failed-login limits).
    std::string exempt_networks = "127.0.0.0/8,::1/128";
    RouteClassLimits checkout{600, 60, 10'000};
    RouteClassLimits orders{1'200, 120, 5'000};
    RouteClassLimits login{60, 20, 5'000};
    RouteClassLimits browse{3'000, 300, 3'000};
    RouteClassLimits recommendations{1'200, 100, 1'000};
    bool load_shedding = true;
    int shedding_initial_limit = 1024;  // requests in blocking work at once, before queueing is measured
    int shedding_min_limit = 8;
    int shedding_max_limit = 1024;
};

struct LogSettings {
    std::string level = "info";  // debug, info, warn, error
};

struct Settings {
    ServerSettings server;
    StorageSettings storage;
    PostgresSettings postgres;
    RedisSettings redis;
    RabbitMqSettings rabbitmq;
    SecuritySettings security;
    CatalogSettings catalog;
    CacheSettings cache;
    RecommendationsSettings recommendations;
    InventorySettings inventory;
    OrdersSettings orders;
    PaymentsSettings payments;
    BulkheadsSettings bulkheads;
    AdminSettings admin;
    EventsSettings events;
    NotificationsSettings notifications;
    GatewaySettings gateway;
    LogSettings log;
};

}  // namespace emporium::config
