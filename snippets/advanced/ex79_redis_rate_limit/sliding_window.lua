local time = redis.call("TIME")  -- Redis's clock: the same for every server process
local now = time[1] * 1000 + math.floor(time[2] / 1000)  -- milliseconds
local window = tonumber(ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)  -- forget old requests
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[1]) then
    redis.call("ZADD", KEYS[1], now, ARGV[3])  -- count this one
    redis.call("PEXPIRE", KEYS[1], window)  -- an idle client's set disappears
    return 0
end
local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return tonumber(oldest[2]) + window - now  -- milliseconds until a request may pass
