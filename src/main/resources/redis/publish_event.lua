-- Append an event to a session's log (a stream, so ids are ordered) and broadcast it, atomically.
-- KEYS[1] = log; ARGV: channel, name, data (JSON text), ttl seconds, max length
local t = redis.call('TYPE', KEYS[1]).ok
if t ~= 'stream' and t ~= 'none' then redis.call('DEL', KEYS[1]) end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'event', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], '{"id":"' .. id .. '","event":' .. cjson.encode(ARGV[2]) .. ',"data":' .. ARGV[3] .. '}')
return id
