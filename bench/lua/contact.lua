-- OneTalk (API-Key): path=/api/integration/v1/user/sync_contact or …/request_auth_ticket.
-- mode=update: the same customerUserID and phone every request; mode=create: unique keys per request
-- (per-thread counter seeded by the thread id; salt keeps runs apart).
local BODY = '{"customerUserID":"%s","fullName":"John Doe","alias":"","email":"john_doe@example.com",' ..
  '"phone":"%s","photoURL":"http://www.example.com/photo/john_doe.jpg"}'

local headers, path, mode, salt, static
local n = 0

function init(args)
  local a = parse_args(args)
  headers = { ["API-Key"] = a.key, ["Content-Type"] = "application/json" }
  path, mode, salt = a.path, a.mode, a.salt
  if mode == "update" then static = string.format(BODY, a.cuid, a.phone) end
end

function request()
  consumed = consumed + 1
  if mode == "update" then return wrk.format("POST", path, headers, static) end
  n = n + 1
  -- 62 (Indonesia) 9 salt tid counter: 13 digits, unique per run, thread and request.
  local phone = string.format("629%d%d%08d", salt, tid, n)
  return wrk.format("POST", path, headers, string.format(BODY, string.format("c%s-%d-%d", salt, tid, n), phone))
end

function response(status, hdrs, body)
  count_response(status, body)
end
