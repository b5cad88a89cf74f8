-- GET /api/v1/products (first page of 20, or a page in a category from $BENCH_CATEGORIES).
local categories = {}
local file = os.getenv("BENCH_CATEGORIES")
if file then for line in io.lines(file) do categories[#categories + 1] = line end end
math.randomseed(os.time())

request = function()
  if #categories > 0 and math.random(2) == 1 then
    return wrk.format("GET", "/api/v1/products?limit=20&category=" .. categories[math.random(#categories)])
  end
  return wrk.format("GET", "/api/v1/products?limit=20")
end
