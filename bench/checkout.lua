-- Checkout without payment: each wrk thread owns one connection and one shopper (run with
-- -tN -cN). Requests alternate: add one unit of a random SKU to the cart, then place the
-- order. Reads $BENCH_TOKENS (one bearer token per line) and $BENCH_SKUS (one SKU per line).
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local tokens, skus = {}, {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  for line in io.lines(os.getenv("BENCH_SKUS")) do skus[#skus + 1] = line end
  token = tokens[((id - 1) % #tokens) + 1]
  sku_list = skus
  step = 0
  orders = 0
  failures = 0
  math.randomseed(id * 7919)
end

function request()
  step = step + 1
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if step % 2 == 1 then
    local sku = sku_list[math.random(#sku_list)]
    return wrk.format("POST", "/api/v1/cart/items", headers, '{"sku":"' .. sku .. '","quantity":1}')
  end
  headers["Idempotency-Key"] = "bench-" .. id .. "-" .. step
  return wrk.format("POST", "/api/v1/orders", headers, "{}")
end

function response(status, headers, body)
  if step % 2 == 0 then
    if status == 201 then orders = orders + 1 else failures = failures + 1 end
  end
end

function done(summary, latency, requests)
  local total_orders, total_failures = 0, 0
  for _, thread in ipairs(threads) do
    total_orders = total_orders + thread:get("orders")
    total_failures = total_failures + thread:get("failures")
  end
  io.write(string.format("ORDERS %d FAILED %d SECONDS %.3f\n", total_orders, total_failures,
                         summary.duration / 1e6))
end
