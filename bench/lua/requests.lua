-- Sends requests picked at random from a file the runner writes, one request per line:
--   METHOD <tab> PATH <tab> BODY (the body may be empty)
-- The runner puts random ids, search terms and cursors in that file; headers (the session cookie, the
-- API token, the CSRF token, the content type) come from wrk's -H options.
-- Usage: wrk -s requests.lua http://127.0.0.1:8100 -- requests.tsv
-- At the end it prints one line: BENCH_RESULT {json}, with latencies in microseconds.

local requests = {}
local count = 0
local seeded = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, body = line:match("^([^\t]+)\t([^\t]+)\t?(.*)$")
    if method then
      if body == "" then
        body = nil
      end
      count = count + 1
      requests[count] = wrk.format(method, path, nil, body)
    end
  end
  file:close()
  assert(count > 0, "no requests in " .. args[1])
  -- Each thread its own sequence, the same on every run.
  seeded = seeded + 1
  math.randomseed(7919 * seeded + count)
end

function request()
  return requests[math.random(count)]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "p50": %d, "p90": %d, ' ..
    '"p95": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max
  ))
end
