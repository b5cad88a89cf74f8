-- Checkout: each wrk thread owns one connection and one shopper (run with -tN -cN) and
-- repeats: add one unit of a random SKU to the cart, place the order, pay it with the
-- simulator's test card (skipped when $BENCH_PAY is "0"). Reads $BENCH_TOKENS (one bearer
-- token per line) and $BENCH_SKUS (one SKU per line). Counts paid orders.
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
  -- With $BENCH_CARD_TOKENS the shopper pays with a card token made by the provider
  -- beforehand (as a browser would), else with the card number (tokenised per payment).
  card = '{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"}}'
  if os.getenv("BENCH_CARD_TOKENS") then
    local card_tokens = {}
    for line in io.lines(os.getenv("BENCH_CARD_TOKENS")) do card_tokens[#card_tokens + 1] = line end
    card = '{"card_token":"' .. card_tokens[((id - 1) % #card_tokens) + 1] .. '"}'
  end
  sku_list = skus
  pay = os.getenv("BENCH_PAY") ~= "0"
  stage = "add"
  order_id = nil
  orders, paid, failures = 0, 0, 0
  math.randomseed(id * 7919)
end

function request()
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if stage == "add" then
    local sku = sku_list[math.random(#sku_list)]
    return wrk.format("POST", "/api/v1/cart/items", headers, '{"sku":"' .. sku .. '","quantity":1}')
  elseif stage == "order" then
    headers["Idempotency-Key"] = "bench-" .. id .. "-" .. orders + failures
    return wrk.format("POST", "/api/v1/orders", headers, "{}")
  end
  return wrk.format("POST", "/api/v1/orders/" .. order_id .. "/payment", headers, card)
end

function response(status, headers, body)
  if stage == "add" then
    stage = "order"
  elseif stage == "order" then
    if status == 201 then
      orders = orders + 1
      order_id = body:match('"id":"(ord_[^"]+)"')
      stage = pay and "pay" or "add"
    else
      failures = failures + 1
      stage = "add"
    end
  else
    if status == 200 then paid = paid + 1 else failures = failures + 1 end
    stage = "add"
  end
end

function done(summary, latency, requests)
  local total_orders, total_paid, total_failures = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_orders = total_orders + thread:get("orders")
    total_paid = total_paid + thread:get("paid")
    total_failures = total_failures + thread:get("failures")
  end
  io.write(string.format("ORDERS %d PAID %d FAILED %d\n", total_orders, total_paid, total_failures))
end
