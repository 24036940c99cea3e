-- One fixed request per wrk run, from the environment: BENCH_METHOD, BENCH_PATH, BENCH_TOKEN
-- (optional bearer token), BENCH_BODY (optional JSON body) and BENCH_HEADER (optional extra
-- header, "Name: value").
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN") or ""
local body = os.getenv("BENCH_BODY")
local extra = os.getenv("BENCH_HEADER") or ""
local headers = {}
if token ~= "" then headers["Authorization"] = "Bearer " .. token end
if body and body ~= "" then headers["Content-Type"] = "application/json" end
local name, value = extra:match("^([^:]+):%s*(.*)$")
if name then headers[name] = value end

request = function()
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end

-- Machine-readable summary line for bench/run.sh: requests/s, p50 ms, p99 ms, errors (socket
-- errors, timeouts and non-2xx/3xx answers).
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
