-- One atomic step of the GPU slot queue: reclaim, the operation, promote (FIFO), rewrite the status hash.
-- Cost: O(log n) in the queue length plus what changed. The reply names only the waiters whose position changed
-- (every waiter from the smallest rank any removal had, to the tail), never the whole list.
-- KEYS: holders, waiting, wait_leases, wait_deadlines, hold_deadlines, expiring_at, seq, status, epoch, quiet, left,
--       primary, reclaimed
-- ARGV: op, slots, max_queue, lease_ms, wait_timeout_ms, max_hold_ms, notice_ms, known_epoch, record key prefix,
--       final record ttl_ms, session ids... (renew: the number k of ids told they hold a slot, then those k ids,
--       then the others)
local H, W, WL, WD, HD, EX, SEQ, ST = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local EP, QUIET, LEFT, PRIMARY, RECLAIMED = KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local op = ARGV[1]
local slots = tonumber(ARGV[2])
local maxq = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local waitT = tonumber(ARGV[5])
local maxHold = tonumber(ARGV[6])
local notice = tonumber(ARGV[7])
local known = ARGV[8]
local RECORD_PREFIX = ARGV[9]
local FINAL_TTL = ARGV[10]
local FIRST_ID = 11

-- Garbage written by someone else must not break the queue: a key of the wrong type is dropped.
for i = 1, 6 do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'zset' and t ~= 'none' then redis.call('DEL', KEYS[i]) end
end
local st = redis.call('TYPE', ST).ok
if st ~= 'hash' and st ~= 'none' then redis.call('DEL', ST) end
for _, k in ipairs({LEFT, RECLAIMED}) do
  local kt = redis.call('TYPE', k).ok
  if kt ~= 'zset' and kt ~= 'none' then redis.call('DEL', k) end
end
for _, k in ipairs({EP, PRIMARY}) do
  local kt = redis.call('TYPE', k).ok
  if kt ~= 'string' and kt ~= 'none' then redis.call('DEL', k) end
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- The epoch names this queue's data. When it is missing, Redis lost the queue (a restart without persistence,
-- FLUSHALL, eviction) or never had one, and the two cannot be told apart: a replica may still believe it holds
-- a slot until its next renewal (at most lease/3 away) or its local give-up (before a lease has passed), and a
-- replica that just started knows nothing of it. So a new epoch always starts quiet: nothing is granted for one
-- lease, and every replica that believed it held a slot has learnt otherwise before anyone else is granted one.
local epoch = redis.call('GET', EP)
if not epoch then
  epoch = t[1] .. '.' .. t[2]
  redis.call('SET', EP, epoch)
  redis.call('SET', QUIET, '1', 'PX', lease)
elseif known ~= '' and known ~= epoch and redis.call('EXISTS', QUIET) == 0 then
  -- Another replica re-created the epoch first and its quiet key was lost since; cover the rest of a lease.
  local born = tonumber(string.match(epoch, '^(%d+)'))
  if born and (now - born * 1000) < lease then
    redis.call('SET', QUIET, '1', 'PX', lease - (now - born * 1000))
  end
end
-- A different server answering (a Sentinel failover, or a restart that reloaded a snapshot) may have lost the
-- last writes while keeping the epoch: asynchronous replication. The same quiet lease covers grants it lost.
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') or ''
local lastRun = redis.call('GET', PRIMARY)
if lastRun ~= runId then
  redis.call('SET', PRIMARY, runId)
  if lastRun then redis.call('SET', QUIET, '1', 'PX', lease) end
end
local quiet = redis.call('EXISTS', QUIET) == 1
local changes = {}
local reported = {}
local function change(kind, sid, val)
  changes[#changes + 1] = {kind, sid, val or 0}
  reported[sid] = true
end
-- updated_at as Java's Instant.toString() writes it: UTC, milliseconds when not zero (days to civil date: the
-- proleptic Gregorian calendar's 400-year eras; Redis' Lua has no os.date).
local function isoTime(ms)
  local secs = math.floor(ms / 1000)
  local days = math.floor(secs / 86400)
  local sod = secs - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  local out = string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, d, math.floor(sod / 3600),
    math.floor(sod % 3600 / 60), sod % 60)
  if ms % 1000 > 0 then out = out .. string.format('.%03d', ms % 1000) end
  return out .. 'Z'
end
-- A session the queue ends (its lease lost, its wait timed out, its hold expired) has its record ended in this
-- same step, as SessionService would (state and reason are SessionState's and SessionEvent's wire names; the
-- record's twin transition is session_transition.lua, which one script cannot call from another). The
-- replica that runs the step also ends it when the reply arrives, but a reply can be lost (a command timeout while
-- Redis was paused, a cut connection), and when the session's own replica is dead no one else would ever learn of
-- it: its record would say queued with no place in the queue (checker smoke seed 1). A final record is not touched.
local LIVE = {queued = true, created = true, running = true}
local function endRecord(sid, state, reason)
  local key = RECORD_PREFIX .. sid
  if redis.call('TYPE', key).ok ~= 'hash' then return end
  local s = redis.call('HGET', key, 'state')
  if s and LIVE[s] then
    redis.call('HSET', key, 'state', state, 'reason', reason, 'updated_at', isoTime(now))
    redis.call('PEXPIRE', key, FINAL_TTL)
  end
end
-- Each change that ends a session, and the state and reason its record ends with.
local ENDS = {lease_lost = {'closed', 'lease_lost'}, timeout = {'error', 'timeout'},
  hold_expired = {'closed', 'session_expired'}}
local function ended(kind, sid)
  change(kind, sid)
  endRecord(sid, ENDS[kind][1], ENDS[kind][2])
end
-- The smallest rank (0-based, at the moment of removal) of any waiter removed in this step: every waiter at or
-- behind it afterwards moved up, every waiter ahead of it did not.
local movedFrom = nil

local function dropHold(sid)
  redis.call('ZREM', HD, sid)
  redis.call('ZREM', EX, sid)
end
local function dropWait(sid)
  local r = redis.call('ZRANK', W, sid)
  if r and (movedFrom == nil or r < movedFrom) then movedFrom = r end
  redis.call('ZREM', W, sid)
  redis.call('ZREM', WL, sid)
  redis.call('ZREM', WD, sid)
end
local function grant(sid)
  redis.call('ZADD', H, now + lease, sid)
  if maxHold > 0 then
    redis.call('ZADD', HD, now + maxHold, sid)
    redis.call('ZADD', EX, now + math.max(0, maxHold - notice), sid)
  end
end
-- A waiter whose lease ends within this margin is not granted (QueueLimits.promoteMarginMs): its replica, unable
-- to renew, may have given it up already and cannot tell anyone; granting it would tell its client "created" for
-- a slot no one renews, while it also believes it lost its place. Promotion waits (FIFO kept) until the waiter is
-- renewed or reclaimed, at most this margin.
local promoteMargin = math.max(math.floor(lease / 5), 100) + math.max(math.floor(lease / 20), 50)
-- A slot taken from a holder that did not give it up (its lease ran out, or its maximum hold) stays free for this
-- long before anyone is granted it (QueueLimits.reclaimNoticeMs): the step that takes it tells the old holder, and
-- that notice, or the record it closes, must reach the old holder's client before the next holder's client hears of
-- its grant. Without it both are told within the same milliseconds, in any order (checker seed 144).
local reclaimNotice = math.min(math.max(math.floor(lease / 5), 100), 500)
redis.call('ZREMRANGEBYSCORE', RECLAIMED, '-inf', now)
local function free()
  return slots - redis.call('ZCARD', H) - redis.call('ZCARD', RECLAIMED)
end
local function promote()
  while not quiet and free() > 0 do
    local nxt = redis.call('ZRANGE', W, 0, 0)
    if #nxt == 0 then break end
    local wl = redis.call('ZSCORE', WL, nxt[1])
    if wl and tonumber(wl) - now < promoteMargin then break end
    dropWait(nxt[1])
    grant(nxt[1])
    change('granted', nxt[1])
  end
end

redis.call('ZREMRANGEBYSCORE', LEFT, '-inf', now)

-- Reclaim: dead leases, timed-out waits, expired holds; then tell holders whose end is near.
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', H, '-inf', now)) do
  redis.call('ZREM', H, sid); dropHold(sid); ended('lease_lost', sid)
  redis.call('ZADD', RECLAIMED, now + reclaimNotice, sid)
end
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', WL, '-inf', now)) do
  dropWait(sid); ended('lease_lost', sid)
end
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', WD, '-inf', now)) do
  dropWait(sid); ended('timeout', sid)
end
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', HD, '-inf', now)) do
  redis.call('ZREM', H, sid); dropHold(sid); ended('hold_expired', sid)
  redis.call('ZADD', RECLAIMED, now + reclaimNotice, sid)
end
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', EX, '-inf', now)) do
  redis.call('ZREM', EX, sid)
  local d = redis.call('ZSCORE', HD, sid)
  local rem = 0
  if d then rem = math.max(0, math.floor((tonumber(d) - now) / 1000)) end
  change('expiring', sid, rem)
end

local adm, admval = '', 0
if op == 'enqueue' then
  promote()
  local sid = ARGV[FIRST_ID]
  if redis.call('ZSCORE', H, sid) then
    adm = 'present_holding'
  elseif redis.call('ZSCORE', W, sid) then
    adm = 'present_waiting'; admval = redis.call('ZRANK', W, sid) + 1
  elseif not quiet and free() > 0 and redis.call('ZCARD', W) == 0 then
    grant(sid); adm = 'granted'
  elseif maxq > 0 and redis.call('ZCARD', W) >= maxq then
    adm = 'full'; admval = redis.call('ZCARD', W)
  else
    local ok, seq = pcall(redis.call, 'INCR', SEQ)
    -- A garbage, overflowing or reset counter must not put a newcomer ahead of those already waiting.
    local last = redis.call('ZRANGE', W, -1, -1, 'WITHSCORES')
    local floor = 0
    if #last == 2 then floor = tonumber(last[2]) end
    if not ok or type(seq) ~= 'number' or seq <= floor then
      seq = floor + 1
      redis.call('SET', SEQ, string.format('%d', seq))
    end
    redis.call('ZADD', W, seq, sid)
    redis.call('ZADD', WL, now + lease, sid)
    if waitT > 0 then redis.call('ZADD', WD, now + waitT, sid) end
    adm = 'queued'; admval = redis.call('ZRANK', W, sid) + 1
  end
elseif op == 'leave' then
  local sid = ARGV[FIRST_ID]
  if redis.call('ZREM', H, sid) == 1 then
    dropHold(sid); change('left_holding', sid)
  elseif redis.call('ZSCORE', W, sid) then
    dropWait(sid); change('left_waiting', sid)
  end
  -- A tombstone, so that the owning replica learns "left" (not "lease lost") when it next renews.
  redis.call('ZADD', LEFT, now + 2 * lease, sid)
  promote()
elseif op == 'renew' then
  -- ARGV[FIRST_ID]: how many of the ids after it were told they hold a slot.
  local lastGranted = FIRST_ID + (tonumber(ARGV[FIRST_ID]) or 0)
  for i = FIRST_ID + 1, #ARGV do
    local sid = ARGV[i]
    if redis.call('ZSCORE', H, sid) then
      redis.call('ZADD', H, now + lease, sid)
      -- Holding, though its record does not say so: a grant whose record write was lost (a failover keeps the
      -- earlier write to the queue and drops the later one to the record), or one being recorded right now.
      if i > lastGranted then change('holding', sid) end
    elseif i <= lastGranted and redis.call('ZSCORE', W, sid) then
      -- Told it holds, found waiting: this primary never had its grant (a failover). It must not go on believing
      -- it holds while the queue may grant the slot to another: it leaves, told its lease was lost.
      dropWait(sid); ended('lease_lost', sid)
    elseif redis.call('ZSCORE', W, sid) then
      redis.call('ZADD', WL, now + lease, sid)
    elseif redis.call('ZSCORE', LEFT, sid) then
      change('left_waiting', sid)
    elseif not reported[sid] then
      ended('lease_lost', sid)
    end
  end
  promote()
else
  promote()
end

local nh = redis.call('ZCARD', H)
local nw = redis.call('ZCARD', W)
-- Written only when a field changed (updated_at is then the time of the last change): every write wakes every
-- replica's local status copy. A hash someone else wrote differently is corrected by the next step.
local occ, qs, inUse, total = nh > 0 and '1' or '0', tostring(nw), tostring(nh), tostring(slots)
local cur = redis.call('HMGET', ST, 'slot_occupied', 'queue_size', 'slots_in_use', 'slots_total', 'updated_at')
if cur[1] ~= occ or cur[2] ~= qs or cur[3] ~= inUse or cur[4] ~= total or not cur[5] then
  redis.call('HSET', ST, 'slot_occupied', occ, 'queue_size', qs, 'slots_in_use', inUse, 'slots_total', total,
    'updated_at', tostring(now))
end
-- A newcomer queued at the tail is told its position too.
if adm == 'queued' and (movedFrom == nil or admval - 1 < movedFrom) then movedFrom = admval - 1 end
local moved = {}
if movedFrom ~= nil then moved = redis.call('ZRANGE', W, movedFrom, -1) end
-- Replicas connected to this primary, asked only when something was granted: the caller then WAITs for one.
local replicas = 0
local grantedAny = adm == 'granted'
for _, c in ipairs(changes) do
  if c[1] == 'granted' then grantedAny = true end
end
if grantedAny then
  replicas = tonumber(string.match(redis.call('INFO', 'replication'), 'connected_slaves:(%d+)') or '0')
end
-- The run id lets each replica see for itself that another server answers now (see Transition.storeReplaced).
return cjson.encode({adm = adm, val = admval, changes = changes, moved_from = movedFrom or 0, moved = moved,
  holders = nh, epoch = epoch, replicas = replicas, run = runId})
