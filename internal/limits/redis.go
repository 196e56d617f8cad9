package limits

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Store shared by many gateway instances (issue #5, DESIGN.md §7). Each Take is
// one Lua script — one round trip, atomic on the server — that checks every bucket and the
// quota and commits only if all pass.
//
// Keys. Every key carries the hash tag {portcullis}, so all of them live in one Redis Cluster
// slot: a request's keys must share a slot for the script to be atomic, and the account-level
// bucket is shared by every request, so no finer tag could work. A cluster therefore holds the
// limiter state on one shard (replicas still give availability).
//
//	{portcullis}:b:<bucket key>                       hash t=tokens, l=last refill (µs)
//	{portcullis}:q:<len(plan)>:<plan>:<key>:<period>  quota counter for one period (INCR),
//	                                                   expiring a day after the period ends
//	{portcullis}:u:<len(plan)>:<plan>:<key>:<date>    hash u=used, r=remaining for one UTC day,
//	                                                   expiring after UsageRetention
//	{portcullis}:m:<len(plan)>:<plan>:<key>           hash of the key's last quota settings
//	{portcullis}:k:<plan>                             set of key ids that used the plan
//
// Buckets are token buckets with the same arithmetic as Embedded (see refill), not GCRA, so
// both stores give identical decisions. A bucket key expires when it would have refilled.
//
// Time. The script uses the time passed to Take, not Redis TIME (TTLs too are computed from
// it), so tests are deterministic and both stores share one clock model. The trade-off: instances whose clocks disagree
// refill buckets unevenly (a bucket's last-refill time never moves backwards, so a slow clock
// only sees fewer tokens) and may count a request near midnight into a neighbouring period.
// Keep instances NTP-synchronised.
type Redis struct {
	client redis.UniversalClient
}

// UsageRetention is how long Redis keeps a day of usage for reporting.
const UsageRetention = 100 * 24 * time.Hour

const redisPrefix = "{portcullis}:"

// NewRedis returns a Store on client. Configure short DialTimeout/ReadTimeout/WriteTimeout on
// the client: Take fails with ErrUnavailable as soon as the client gives up. The client
// reconnects on its own once Redis is back. The caller owns the client (Close does not close it).
func NewRedis(client redis.UniversalClient) *Redis {
	return &Redis{client: client}
}

// takeScript: KEYS = bucket keys…, then (with a quota) quota counter, day hash, meta hash,
// plan key set. ARGV = n, now (µs), quota mode (0 none, 1 limited, 2 usage only), effective
// limit, counter TTL (s), day TTL (s), key id, period, limit, offset, created, then
// rate and burst for each bucket. Returns {allowed, throttled index or -1, exceeded, used}.
var takeScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local qmode = tonumber(ARGV[3])
local avail, lasts = {}, {}
local throttled = -1
for i = 1, n do
  local rate = tonumber(ARGV[10 + 2 * i])
  local burst = tonumber(ARGV[11 + 2 * i])
  local a, seen = 0, false
  for j = 1, i - 1 do
    if KEYS[j] == KEYS[i] then a = avail[j] - 1; seen = true end
  end
  lasts[i] = now
  if not seen then
    local v = redis.call('HMGET', KEYS[i], 't', 'l')
    if v[1] then
      a = tonumber(v[1])
      local l = tonumber(v[2])
      if now - l > 0 and rate > 0 then a = a + (now - l) * rate / 1e6 end
      if l > now then lasts[i] = l end
      if a > burst then a = burst end
    else
      a = burst
    end
  else
    for j = 1, i - 1 do
      if KEYS[j] == KEYS[i] then lasts[i] = lasts[j] end
    end
  end
  avail[i] = a
  if a < 1 then throttled = i - 1; break end
end
local used, exceeded = 0, 0
local qkey = KEYS[n + 1]
if qmode == 1 then
  used = tonumber(redis.call('GET', qkey) or '0')
  if used >= tonumber(ARGV[4]) then exceeded = 1 end
end
if throttled >= 0 or exceeded == 1 then
  return {0, throttled, exceeded, used}
end
for i = 1, n do
  local rate = tonumber(ARGV[10 + 2 * i])
  local burst = tonumber(ARGV[11 + 2 * i])
  local t = avail[i] - 1
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', t), 'l', string.format('%.17g', lasts[i]))
  if rate > 0 then
    redis.call('PEXPIRE', KEYS[i], string.format('%.17g', math.min(math.ceil((burst - t) / rate * 1000) + 1000, 1e12)))
  else
    redis.call('PERSIST', KEYS[i])
  end
end
if qmode > 0 then
  local remaining = -1
  if qmode == 1 then
    used = redis.call('INCR', qkey)
    redis.call('EXPIRE', qkey, ARGV[5])
    remaining = tonumber(ARGV[4]) - used
    if remaining < 0 then remaining = 0 end
  end
  local day = KEYS[n + 2]
  redis.call('HINCRBY', day, 'u', 1)
  redis.call('HSET', day, 'r', string.format('%.17g', remaining))
  redis.call('EXPIRE', day, ARGV[6])
  redis.call('HSET', KEYS[n + 3], 'period', ARGV[8], 'limit', ARGV[9], 'offset', ARGV[10], 'created', ARGV[11])
  redis.call('SADD', KEYS[n + 4], ARGV[7])
end
return {1, -1, 0, used}
`)

func planPart(plan, key string) string {
	return strconv.Itoa(len(plan)) + ":" + plan + ":" + key
}

// Take implements Store.
func (r *Redis) Take(ctx context.Context, now time.Time, buckets []Bucket, quota *Quota) (Decision, error) {
	d := Decision{Throttled: -1}
	var win quotaWindow
	keys := make([]string, 0, len(buckets)+4)
	args := make([]any, 11, 11+2*len(buckets))
	for _, b := range buckets {
		keys = append(keys, redisPrefix+"b:"+b.Key)
	}
	args[0], args[1], args[2] = len(buckets), now.UnixMicro(), 0
	args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10] = 0, 0, 0, "", "", 0, 0, 0
	if quota != nil {
		if err := quota.validate(); err != nil {
			return d, err
		}
		var err error
		if win, err = quota.window(now); err != nil {
			return d, err
		}
		pp := planPart(quota.Plan, quota.KeyID)
		keys = append(keys,
			redisPrefix+"q:"+pp+":"+strconv.FormatInt(win.start.Unix(), 10),
			redisPrefix+"u:"+pp+":"+dayKey(now),
			redisPrefix+"m:"+pp,
			redisPrefix+"k:"+quota.Plan)
		args[2] = 2
		if win.limit >= 0 {
			args[2] = 1
			// Relative to the caller's clock, like everything else in the script.
			args[4] = int64(win.end.Add(24*time.Hour).Sub(now) / time.Second)
		}
		args[3], args[5], args[6] = win.limit, int64(UsageRetention/time.Second), quota.KeyID
		args[7], args[8], args[9], args[10] = quota.Period, quota.Limit, quota.Offset, createdUnix(quota.Created)
		d.PeriodStart, d.PeriodEnd = win.start, win.end
	}
	for _, b := range buckets {
		rate, burst := sanitize(b)
		args = append(args, strconv.FormatFloat(rate, 'g', -1, 64), burst)
	}
	res, err := takeScript.Run(ctx, r.client, keys, args...).Int64Slice()
	if err != nil {
		return d, redisErr("take", err)
	}
	if len(res) != 4 {
		return d, fmt.Errorf("limits: redis take: unexpected reply %v", res)
	}
	d.Allowed = res[0] == 1
	d.Throttled = int(res[1])
	d.QuotaExceeded = res[2] == 1
	if quota != nil {
		d.QuotaUsed, d.QuotaRemaining = quotaReport(res[3], win.limit)
	}
	return d, nil
}

// redisErr wraps err, adding ErrUnavailable unless Redis answered with an error of its own
// that retrying cannot fix (a script bug, a wrong type).
func redisErr(op string, err error) error {
	var re redis.Error
	if errors.As(err, &re) && !transient(re.Error()) {
		return fmt.Errorf("limits: redis %s: %w", op, err)
	}
	return fmt.Errorf("limits: redis %s: %w: %w", op, ErrUnavailable, err)
}

func transient(msg string) bool {
	for _, p := range []string{"LOADING", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "NOREPLICAS"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Usage implements Store, in one pipelined round trip per call (two when keyID is empty).
func (r *Redis) Usage(ctx context.Context, plan, keyID string, from, to time.Time) (map[string][][2]int64, error) {
	days, err := usageDays(from, to)
	if err != nil {
		return nil, err
	}
	keys := []string{keyID}
	if keyID == "" {
		if keys, err = r.client.SMembers(ctx, redisPrefix+"k:"+plan).Result(); err != nil {
			return nil, redisErr("usage", err)
		}
		slices.Sort(keys)
	}
	first := days[0].AddDate(0, 0, -lookback)
	span := lookback + len(days)
	type keyCmds struct {
		meta *redis.MapStringStringCmd
		days []*redis.SliceCmd
	}
	cmds := make([]keyCmds, len(keys))
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			pp := planPart(plan, k)
			cmds[i].meta = p.HGetAll(ctx, redisPrefix+"m:"+pp)
			for j := range span {
				cmds[i].days = append(cmds[i].days, p.HMGet(ctx, redisPrefix+"u:"+pp+":"+dayKey(first.AddDate(0, 0, j)), "u", "r"))
			}
		}
		return nil
	})
	if err != nil {
		return nil, redisErr("usage", err)
	}
	items := make(map[string][][2]int64, len(keys))
	for i, k := range keys {
		q, err := metaQuota(plan, k, cmds[i].meta.Val())
		if err != nil {
			return nil, err
		}
		stored := make(map[string]dayUsage)
		for j, c := range cmds[i].days {
			v := c.Val()
			if len(v) != 2 || v[0] == nil {
				continue
			}
			u, err1 := strconv.ParseInt(fmt.Sprint(v[0]), 10, 64)
			rem, err2 := strconv.ParseInt(fmt.Sprint(v[1]), 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("limits: redis usage %s/%s: malformed day record %v", plan, k, v)
			}
			stored[dayKey(first.AddDate(0, 0, j))] = dayUsage{used: u, remaining: rem}
		}
		items[k] = buildReport(days, stored, q)
	}
	return items, nil
}

// metaQuota rebuilds a key's last quota settings from its meta hash (nil when absent).
func metaQuota(plan, key string, m map[string]string) (*Quota, error) {
	if len(m) == 0 {
		return nil, nil
	}
	q := &Quota{Plan: plan, KeyID: key, Period: m["period"]}
	var created int64
	for f, dst := range map[string]*int64{"limit": &q.Limit, "offset": &q.Offset, "created": &created} {
		v, err := strconv.ParseInt(m[f], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("limits: redis usage %s/%s: malformed %s %q", plan, key, f, m[f])
		}
		*dst = v
	}
	if _, err := ParsePeriod(q.Period); err != nil {
		return nil, fmt.Errorf("limits: redis usage %s/%s: %w", plan, key, err)
	}
	if created != 0 {
		q.Created = time.Unix(created, 0).UTC()
	}
	return q, nil
}

// Close implements Store; it does not close the client, which the caller owns.
func (r *Redis) Close() error { return nil }
