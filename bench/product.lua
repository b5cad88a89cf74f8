-- GET /api/v1/products/{id} over a set of ids read from the file named by $BENCH_IDS
-- (one id per line), chosen at random per request.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/api/v1/products/" .. ids[math.random(#ids)])
end
