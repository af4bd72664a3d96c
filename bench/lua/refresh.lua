-- POST /v1/auth/access_token/refresh (App-Key, Bearer <refresh token>). Refresh tokens are one-time:
-- each thread starts from its own slice of pre-generated sessions and pushes the refresh token of every
-- answer back on its stack, so each token is sent exactly once and the supply never runs out.
local headers, path, stack

function init(args)
  local a = parse_args(args)
  path = a.path
  headers = { ["App-Key"] = a.key, ["Authorization"] = "" }
  stack = thread_lines(a.pool, tonumber(a.offset), tonumber(a.threads), tonumber(a.per_thread))
end

function request()
  consumed = consumed + 1
  local token = table.remove(stack)
  if token == nil then
    exhausted = exhausted + 1
    token = "rft_exhausted.none"
  end
  headers["Authorization"] = "Bearer " .. token
  return wrk.format("POST", path, headers, "")
end

function response(status, hdrs, body)
  count_response(status, body)
  local t = body:match('"refreshToken":"([^"]+)"')
  if t then stack[#stack + 1] = t end
end
