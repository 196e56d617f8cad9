package limits

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
)

// slidingWindow counts one request in a sorted set keyed by time and returns how many fall in
// the window: the request rate that an AWS WAF rate-based rule compares with its limit.
var slidingWindow = redis.NewScript(`
local key, now, window, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window + 1000)
return redis.call('ZCARD', key)
`)

// Add counts one request for key and returns the number of requests for key within the
// trailing window, shared by every gateway instance using this Redis: AWS WAF rate-based rules
// (waf.RateCounter) "shared through the Redis backend". Time is the caller's, as for Take.
func (r *Redis) Add(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n, err := slidingWindow.Run(ctx, r.client, []string{redisPrefix + "waf:" + key},
		now.UnixMilli(), window.Milliseconds(), hex.EncodeToString(b[:])).Int64()
	if err != nil {
		return 0, redisErr("rate", err)
	}
	return n, nil
}
