-- wrk script of scripts/bench/load.ts. Arguments (after `--`): SECONDS WALLETS_FILE THREADS.
--
-- Each thread sends GET wrk.path with x-wallet-address taken in turn from its own share of
-- the wallets (line k goes to thread k mod THREADS; with fewer wallets than threads, every
-- thread uses them all), so two requests in flight never share a wallet unless the list is
-- that short. After SECONDS it sends nothing more (delay() parks the connection) while wrk
-- runs on (its -d is longer) until every request sent has been answered and counted: wrk's
-- own end of run drops the answers in flight, which the server still serves and charges.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local now = ffi.new("bench_timespec")

local function seconds_now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) + tonumber(now.tv_nsec) / 1e9
end

local next_index = 0
function setup(thread)
  thread:set("thread_index", next_index)
  next_index = next_index + 1
end

local requests = {}
local sent = 0
local deadline

function init(args)
  local threads = tonumber(args[3])
  local wallets = {}
  for line in io.lines(args[2]) do
    if line ~= "" then
      wallets[#wallets + 1] = line
    end
  end
  for k, wallet in ipairs(wallets) do
    if #wallets < threads or (k - 1) % threads == thread_index then
      requests[#requests + 1] = wrk.format(nil, nil, { ["x-wallet-address"] = wallet })
    end
  end
  deadline = seconds_now() + tonumber(args[1])
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function delay()
  if seconds_now() < deadline then
    return 0
  end
  return 3600000
end

function done(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"failed":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
