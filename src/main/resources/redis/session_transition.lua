-- Move a session to a new state only from one of the allowed states; final states never change.
-- KEYS[1] = session hash; ARGV: to, reason, updated_at, ttl_ms, allowed from-states...
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return nil end
local s = redis.call('HGET', KEYS[1], 'state')
if not s then return nil end
if s ~= 'closed' and s ~= 'error' then
  for i = 5, #ARGV do
    if s == ARGV[i] then
      redis.call('HSET', KEYS[1], 'state', ARGV[1], 'reason', ARGV[2], 'updated_at', ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      break
    end
  end
end
return redis.call('HGETALL', KEYS[1])
