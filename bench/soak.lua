-- wrk for `make soak`: cycle through the paths in WRK_PATHS; before each request a connection waits
-- 1 ms with probability WRK_DELAY_P (wrk's delays are whole milliseconds): a fractional mean pause that
-- paces a few connections to a chosen rate (bench/soak.py calibrates it).
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
local p = tonumber(os.getenv("WRK_DELAY_P"))
delay = function()
  if math.random() < p then return 1 end
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
