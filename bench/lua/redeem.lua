-- POST /v1/auth/access_token/request (App-Key, Bearer <ticket>). Tickets are single-use: each thread
-- takes its own lines of the pool file from `offset`; the runner advances offset past what was consumed.
-- A thread that runs out re-sends its last ticket (answered 40103) and counts `exhausted`.
local headers, path, pool

function init(args)
  local a = parse_args(args)
  path = a.path
  headers = { ["App-Key"] = a.key, ["Device-Identifier"] = "bench-device", ["Device-Platform"] = "web", ["Authorization"] = "" }
  pool = thread_lines(a.pool, tonumber(a.offset), tonumber(a.threads))
end

function request()
  consumed = consumed + 1
  local ticket = pool[consumed]
  if ticket == nil then
    exhausted = exhausted + 1
    ticket = pool[#pool] or "none"
  end
  headers["Authorization"] = "Bearer " .. ticket
  return wrk.format("POST", path, headers, "")
end

function response(status, hdrs, body)
  count_response(status, body)
end
