#include "services/cart/storage/redis_cart_store.hpp"

#include <boost/json.hpp>

#include "core/json_writer.hpp"

namespace emporium::cart {

using core::Error;
using core::Result;

namespace {

// Seconds Redis keeps a cart past its own expiry (see the class comment).
constexpr int64_t kExpiryGraceSeconds = 60;

// KEYS: the cart, the version counter. ARGV: now, the version the change was made on
// (0: none), the change's id, the new cart (JSON without "v" and "c"), the key's TTL in
// seconds, how many change ids to remember. Returns {"stored"|"same", cart JSON} or
// {"conflict"}. Redis's cjson writes an empty array as {}: the reader accepts both.
infra::redis::Script kCompareAndSwap(R"lua(
local raw = redis.call('GET', KEYS[1])
local stored = nil
if raw then
  stored = cjson.decode(raw)
  if tonumber(stored.e) <= tonumber(ARGV[1]) then stored = nil end
end
if stored then
  for _, id in ipairs(stored.c) do
    if id == ARGV[3] then return {'same', raw} end
  end
end
local current = 0
if stored then current = tonumber(stored.v) end
if current ~= tonumber(ARGV[2]) then return {'conflict'} end
local cart = cjson.decode(ARGV[4])
cart.v = redis.call('INCR', KEYS[2])
local changes = {}
if stored then changes = stored.c end
table.insert(changes, ARGV[3])
while #changes > tonumber(ARGV[6]) do table.remove(changes, 1) end
cart.c = changes
local encoded = cjson.encode(cart)
redis.call('SET', KEYS[1], encoded, 'EX', ARGV[5])
return {'stored', encoded}
)lua");

std::string Encode(const StoredCart& cart) {
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject().Field("u", cart.updated_at).Field("e", cart.expires_at).Key("l").BeginArray();
    for (const auto& line : cart.lines) json.BeginArray().String(line.sku).Int(line.quantity).EndArray();
    json.EndArray().EndObject();
    return out;
}

int64_t IntOf(const boost::json::value& value) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64()) return static_cast<int64_t>(value.get_uint64());
    if (value.is_double()) return static_cast<int64_t>(value.get_double());
    if (value.is_string()) return std::stoll(std::string(value.get_string()));
    throw std::invalid_argument("not a number");
}

// An array, or {} (how cjson writes an empty one).
const boost::json::array& ArrayOf(const boost::json::value& value) {
    static const boost::json::array kEmpty;
    if (value.is_array()) return value.get_array();
    if (value.is_object() && value.get_object().empty()) return kEmpty;
    throw std::invalid_argument("not an array");
}

Result<StoredCart> Decode(std::string_view text) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object()) return Error::Internal("a stored cart is not JSON: " + ec.message());
    try {
        const auto& object = parsed.get_object();
        StoredCart cart;
        cart.version = IntOf(object.at("v"));
        cart.updated_at = IntOf(object.at("u"));
        cart.expires_at = IntOf(object.at("e"));
        for (const auto& line : ArrayOf(object.at("l"))) {
            const auto& pair = line.as_array();
            cart.lines.push_back(StoredLine{std::string(pair.at(0).as_string()), IntOf(pair.at(1))});
        }
        for (const auto& id : ArrayOf(object.at("c"))) cart.recent_changes.emplace_back(id.as_string());
        return cart;
    } catch (const std::exception& e) {
        return Error::Internal(std::string("a stored cart is malformed: ") + e.what());
    }
}

}  // namespace

RedisCartStore::RedisCartStore(infra::redis::Client& redis, std::string prefix)
    : redis_(redis), prefix_(std::move(prefix)) {}

std::string RedisCartStore::KeyOf(std::string_view key) const { return prefix_ + "cart:" + std::string(key); }

Result<std::optional<StoredCart>> RedisCartStore::Load(const core::RequestContext& ctx, std::string_view key,
                                                       int64_t now) {
    EMPORIUM_ASSIGN_OR_RETURN(auto reply, redis_.Run(ctx, {"GET", KeyOf(key)}));
    if (reply.is_nil()) return std::optional<StoredCart>();
    EMPORIUM_ASSIGN_OR_RETURN(StoredCart cart, Decode(reply.text));
    if (cart.expires_at <= now) return std::optional<StoredCart>();
    return std::optional<StoredCart>(std::move(cart));
}

Result<StoredCart> RedisCartStore::CompareAndSwap(const core::RequestContext& ctx, std::string_view key, int64_t now,
                                                  const StoredCart& cart, std::string_view change_id) {
    int64_t ttl = std::max<int64_t>(cart.expires_at - now, 1) + kExpiryGraceSeconds;
    EMPORIUM_ASSIGN_OR_RETURN(auto reply,
                              redis_.Eval(ctx, kCompareAndSwap, {KeyOf(key), prefix_ + "cart-version"},
                                          {std::to_string(now), std::to_string(cart.version), std::string(change_id),
                                           Encode(cart), std::to_string(ttl), std::to_string(kRememberedChanges)}));
    if (reply.elements.empty()) return Error::Internal("the cart script answered nothing");
    if (reply.elements[0].text == "conflict") return Error::Conflict("the cart changed meanwhile");
    if (reply.elements.size() < 2) return Error::Internal("the cart script answered without a cart");
    return Decode(reply.elements[1].text);
}

Result<void> RedisCartStore::Delete(const core::RequestContext& ctx, std::string_view key) {
    EMPORIUM_TRY(redis_.Run(ctx, {"DEL", KeyOf(key)}));
    return core::Ok();
}

}  // namespace emporium::cart
