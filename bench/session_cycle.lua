-- wrk script: POST /sessions, then DELETE /sessions/{id} with the id the POST returned, on every connection.
-- Each wrk thread keeps a queue of ids to delete: a request slot goes to a pending DELETE first, else a new POST.
-- A "cycle" is one DELETE answered 200; done() prints cycles and status counts as key=value lines.
-- Usage: wrk -t2 -c16 -d10s -s bench/session_cycle.lua http://127.0.0.1:PORT -- <model> [avatar]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  model = args[1] or "mock"
  avatar = args[2] or "demo-avatar"
  body = '{"avatar_id":"' .. avatar .. '","model":"' .. model .. '"}'
  pending = {}
  sent = {}
  deletes_ok = 0
  creates_ok = 0
  other = 0
  fivexx = 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local id = table.remove(pending)
  if id then
    table.insert(sent, "D")
    return wrk.format("DELETE", "/sessions/" .. id)
  end
  table.insert(sent, "P")
  return wrk.format("POST", "/sessions", headers, body)
end

function response(status, hdrs, resp)
  -- wrk answers in order per connection but not across them; the body tells what it was.
  local id = string.match(resp or "", '"session_id":"([^"]+)"')
  local st = string.match(resp or "", '"status":"([^"]+)"')
  if status == 200 and st == "closed" then
    deletes_ok = deletes_ok + 1
  elseif status == 200 and id then
    creates_ok = creates_ok + 1
    table.insert(pending, id)
  else
    other = other + 1
    if status >= 500 then fivexx = fivexx + 1 end
  end
end

function done(summary, latency, requests)
  local d, c, o, f = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    d = d + t:get("deletes_ok")
    c = c + t:get("creates_ok")
    o = o + t:get("other")
    f = f + t:get("fivexx")
  end
  io.write(string.format("cycles=%d\ncreates_ok=%d\nother=%d\nfivexx=%d\nduration_s=%.3f\n",
    d, c, o, f, summary.duration / 1e6))
end
