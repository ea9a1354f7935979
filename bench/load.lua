-- wrk script for the Quire benchmark (bench/run sets the environment it reads).
--   BENCH_MODE     get | shared_link | browser | paths | basket_count | basket_add | preorder
--                  (shared_link: the URL with ?fbclid=<a new value per request>;
--                   browser: the URL with the Accept-Encoding browsers send;
--                   paths: GET each path of BENCH_DATA in turn)
--   BENCH_DATA     a file, one line per session or per form token, tab-separated fields;
--                  each wrk thread takes every BENCH_THREADS-th line, so no two threads share one
--   BENCH_THREADS  wrk's -t
--   BENCH_PRODUCTS product ids for basket_add, comma-separated
--   BENCH_FORM     the pre-order form fields except the token and the email, url-encoded
--   BENCH_DELAY_MS optional: each connection waits this long between requests (a steady
--                  trickle of readers rather than as many as the server can answer)
-- done() prints one line "BENCH_JSON {...}" for bench/run to read: requests, socket errors,
-- responses by status class (and 400/403/409/429), X-Cache hits and latency percentiles.

local mode = os.getenv("BENCH_MODE") or "get"
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

local lines = {}
local products = {}
local sent = 0
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")

if pause then
  function delay()
    return pause
  end
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(fields, field)
  end
  return fields
end

local function encode(text)
  return (string.gsub(text, "[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  s2xx, s3xx, s4xx, s5xx, s400, s403, s409, s429, hits = 0, 0, 0, 0, 0, 0, 0, 0, 0
  local data = os.getenv("BENCH_DATA")
  if data and data ~= "" then
    local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
    local index = 0
    for line in io.lines(data) do
      if index % nthreads == id - 1 then
        table.insert(lines, split(line))
      end
      index = index + 1
    end
  end
  for product in string.gmatch(os.getenv("BENCH_PRODUCTS") or "", "[^,]+") do
    table.insert(products, product)
  end
end

function request()
  if mode == "get" then
    return wrk.request()
  end
  sent = sent + 1
  if mode == "shared_link" then
    return wrk.format("GET", wrk.path .. "?fbclid=IwAR" .. id .. "x" .. sent, nil, nil)
  elseif mode == "browser" then
    return wrk.format("GET", nil, { ["Accept-Encoding"] = "gzip, deflate, br" }, nil)
  end
  local line = lines[(sent - 1) % #lines + 1]
  if mode == "paths" then
    return wrk.format("GET", line[1], nil, nil)
  elseif mode == "basket_count" then
    -- line: session cookie, csrf cookie, csrf token
    return wrk.format("GET", nil, { Cookie = "sessionid=" .. line[1] }, nil)
  elseif mode == "basket_add" then
    -- A different product each round through the sessions, so no basket line reaches its
    -- per-order limit before every session has had every product.
    local round = math.floor((sent - 1) / #lines)
    local product = products[round % #products + 1]
    local headers = {
      Cookie = "sessionid=" .. line[1] .. "; csrftoken=" .. line[2],
      ["X-CSRFToken"] = line[3],
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }
    local body = "product=" .. product .. "&quantity=1&csrfmiddlewaretoken=" .. encode(line[3])
    return wrk.format("POST", nil, headers, body)
  elseif mode == "preorder" then
    -- line: csrf cookie, csrf token, one-time form token
    local headers = {
      Cookie = "csrftoken=" .. line[1],
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }
    local email = "t" .. id .. "n" .. sent .. "@bench.example.org"
    local body = os.getenv("BENCH_FORM")
      .. "&csrfmiddlewaretoken=" .. encode(line[2])
      .. "&form_token=" .. encode(line[3])
      .. "&email=" .. encode(email)
    return wrk.format("POST", nil, headers, body)
  end
end

function response(status, headers, body)
  if status < 300 then
    s2xx = s2xx + 1
  elseif status < 400 then
    s3xx = s3xx + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
  if status == 400 then s400 = s400 + 1 end
  if status == 403 then s403 = s403 + 1 end
  if status == 409 then s409 = s409 + 1 end
  if status == 429 then s429 = s429 + 1 end
  if headers["X-Cache"] == "HIT" then hits = hits + 1 end
end

function done(summary, latency, requests)
  local names = { "s2xx", "s3xx", "s4xx", "s5xx", "s400", "s403", "s409", "s429", "hits" }
  local totals = {}
  for _, name in ipairs(names) do
    totals[name] = 0
    for _, thread in ipairs(threads) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, '
      .. '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, '
      .. '"400": %d, "403": %d, "409": %d, "429": %d}, "cache_hits": %d, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    totals.s2xx, totals.s3xx, totals.s4xx, totals.s5xx,
    totals.s400, totals.s403, totals.s409, totals.s429, totals.hits,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean
  ))
end
