-- Write a new session record and its TTL in one step. KEYS[1] = hash; ARGV: ttl_ms, field, value, ...
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
