-- GET /connect?check=1 (App-Key, Bearer <access token>): one valid access token for every request.
local req

function init(args)
  local a = parse_args(args)
  req = wrk.format("GET", a.path, { ["App-Key"] = a.key, ["Authorization"] = "Bearer " .. a.token }, nil)
end

function request()
  consumed = consumed + 1
  return req
end

function response(status, hdrs, body)
  count_response(status, body)
end
