-- POST /v1/server/auth_ticket/request (Server-Key). mode=existing: the same xcUserID every request;
-- mode=new: a new user per request (per-thread counter seeded by the thread id); mode=mixed: 1,000
-- returning users a thread in turn (new users the first time round), every 50th request a new user. capture=PATH writes
-- every issued ticket to PATH.<tid>, one per line (the pool for access_token/request).
-- Also drives the baselines, so they parse the same body through the same generator.
local BODY = '{"userIPAddress":"182.253.177.234","userAgent":"AdvancedRestClient/12.1.14","userPlatform":"android",' ..
  '"userDeviceID":"aaaa-bbbb-cccc-dddd","xcUserID":"%s","fullName":"Jony","email":"jony@email.com",' ..
  '"phone":"08991234567","username":"jony","photoThumbnailURL":"http://www.example.com/photo/thumb/6.jpg",' ..
  '"photoFullsizeURL":"http://www.example.com/photo/full/6.jpg","userRoleCode":"user"}'

local headers, path, mode, xc, salt, out, static_body
local n = 0

function init(args)
  local a = parse_args(args)
  headers = { ["Server-Key"] = a.key, ["Content-Type"] = "application/json" }
  path, mode, xc, salt = a.path, a.mode, a.xc, a.salt
  if a.capture and a.capture ~= "" then
    out = assert(io.open(a.capture .. "." .. tid, "w"))
    out:setvbuf("full")
  end
  if mode == "existing" then static_body = string.format(BODY, xc) end
end

function request()
  consumed = consumed + 1
  if mode == "existing" then return wrk.format("POST", path, headers, static_body) end
  n = n + 1
  if mode == "mixed" and n % 50 ~= 0 then
    return wrk.format("POST", path, headers, string.format(BODY, string.format("r%d-%d", tid, n % 1000)))
  end
  return wrk.format("POST", path, headers, string.format(BODY, string.format("n%s-%d-%d", salt, tid, n)))
end

function response(status, hdrs, body)
  count_response(status, body)
  if out and status == 200 then
    local t = body:match('"ticket":"([^"]+)"')
    if t then out:write(t, "\n") end
  end
end
