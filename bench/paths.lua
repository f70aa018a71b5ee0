-- wrk for make bench and make soak: cycle through the request paths listed (one per line) in the
-- file named by WRK_PATHS. With WRK_DELAY_P set, a connection waits 1 ms before a request with that
-- probability (wrk's delays are whole milliseconds): a fractional mean pause that paces a few
-- connections to a chosen rate (bench/soak.py calibrates it). Prints one JSON line of figures.
local paths = {}
local i = 0
local p = tonumber(os.getenv("WRK_DELAY_P") or "0")
init = function(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
delay = function()
  if p > 0 and math.random() < p then return 1 end
  return 0
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"seconds\": %f, \"errors\": %d, \"non2xx\": %d, " ..
    "\"p50_ms\": %f, \"p99_ms\": %f, \"p999_ms\": %f, \"max_ms\": %f}\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
