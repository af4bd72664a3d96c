-- Prepended to every scenario script by bench/wrk.ts. Each wrk thread counts statuses and envelopes
-- (every response body must start with {"status":200,); done() prints one JSON line for the runner.
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

statuses = {}
bad_envelopes = 0
bad_sample = nil
consumed = 0
exhausted = 0

-- wrk passes the words after `--` to init(); ours are key=value pairs.
function parse_args(args)
  local o = {}
  for _, a in ipairs(args) do
    local k, v = a:match("^([^=]+)=(.*)$")
    if k then o[k] = v end
  end
  return o
end

-- The lines of a file that belong to this thread: lines offset+tid+1, offset+tid+1+n, ...
function thread_lines(path, offset, nthreads, limit)
  local out, i = {}, 0
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    i = i + 1
    if i > offset and (i - offset - 1) % nthreads == tid and line ~= "" then
      out[#out + 1] = line
      if limit and #out >= limit then break end
    end
  end
  f:close()
  return out
end

function count_response(status, body)
  statuses[status] = (statuses[status] or 0) + 1
  if body:sub(1, 14) ~= '{"status":200,' then
    bad_envelopes = bad_envelopes + 1
    if bad_sample == nil then bad_sample = body:sub(1, 300) end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local st, bad, sample, cons, exh = {}, 0, nil, {}, 0
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do st[code] = (st[code] or 0) + n end
    bad = bad + t:get("bad_envelopes")
    sample = sample or t:get("bad_sample")
    cons[#cons + 1] = t:get("consumed")
    exh = exh + t:get("exhausted")
  end
  local codes = {}
  for code, n in pairs(st) do codes[#codes + 1] = string.format('"%d":%d', code, n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d,' ..
    '"socketErrors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non2xxWrk":%d,"statuses":{%s},' ..
    '"badEnvelopes":%d,"badSample":%s,"consumed":[%s],"exhausted":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(codes, ","),
    bad, sample and json_string(sample) or "null", table.concat(cons, ","), exh))
end
