-- wrk reporting: one line "RESULT p50_ms p95_ms p99_ms requests_per_s non_ok errors"
-- (latencies from wrk's own histogram, in milliseconds).
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("RESULT %.3f %.3f %.3f %.1f %d %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / secs,
    summary.errors.status, errors))
end
