// Package limits holds the state behind API Gateway's usage-plan throttles and quotas
// (facts file §6): token buckets and per-key quota counters, behind one small interface with
// two implementations — Embedded (in-process buckets, quota counters and daily usage in
// SQLite so they survive a restart) and Redis (shared by many gateway instances).
//
// The package decides; it does not render. The caller (the API-key and throttle checks)
// chooses which buckets apply to a request — usage-plan per-method, usage-plan API stage,
// stage methodSettings, account — in AWS's order (facts §6 "Order in which throttling is
// applied") and maps a Decision to the THROTTLED (429 `Too Many Requests`) or QUOTA_EXCEEDED
// (429 `Limit Exceeded`) gateway response.
//
// Semantics reproduced:
//
//   - Throttles use "the token bucket algorithm" (facts §6, account default): capacity burst,
//     refilled at rate tokens per second, full when first used, so a burst of Burst requests
//     is admitted at once and then Rate per second.
//   - A quota allows Limit requests per UTC period (DAY, WEEK or MONTH). Offset is "the number
//     of requests subtracted from the given limit in the initial time period" (QuotaSettings,
//     facts §6): in the period that contains the plan's creation time the limit is
//     Limit-Offset. An older edition of the same API reference described offset as the first
//     day of a WEEK period ("an offset of 0 starts on Sunday"); from that we take that weeks
//     start on Sunday 00:00 UTC [UNCONFIRMED against a live account].
//   - Quotas are per API key per usage plan, "aggregated across all API stages within a usage
//     plan" (facts §6): the caller passes the same Plan/KeyID for every stage of the plan.
//   - A request is counted only when it is admitted: a throttled request consumes no quota
//     and a request over quota consumes no tokens. AWS does not document whether throttled
//     requests count against a quota; "both throttles and quotas are applied on a best-effort
//     basis" (facts §6), and not charging rejected requests is the conservative reading.
package limits

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrUnavailable is wrapped by every error a Store returns because its backing service
// (Redis) could not be reached or did not answer in time. The caller decides whether to fail
// open or closed (issue #5: `redisUnavailable`).
var ErrUnavailable = errors.New("limits: state backend unavailable")

// Quota periods (QuotaSettings.period, facts §6).
const (
	PeriodDay   = "DAY"
	PeriodWeek  = "WEEK"
	PeriodMonth = "MONTH"
)

// Bucket is a token bucket — API Gateway's throttle: capacity Burst tokens, refilled at Rate
// tokens per second, full when first used. Key identifies the bucket's state: requests that
// share a Key share the bucket. A Burst of 0 (or less) refuses every request; a Rate of 0 (or
// less, or NaN) never refills. A Key repeated in one Take takes one token per occurrence.
type Bucket struct {
	Key   string
	Rate  float64
	Burst int
}

// Quota is a usage-plan quota for one API key in one plan: Limit requests per Period (DAY,
// WEEK or MONTH, UTC-aligned; weeks start on Sunday). Offset is subtracted from Limit in the
// initial period, the one that contains Created (the plan's creation time); with a zero
// Created no period is initial. An empty Period means "no quota": usage is still counted
// for reporting, nothing is ever refused, and remaining is reported as -1.
type Quota struct {
	Plan, KeyID string
	Limit       int64
	Offset      int64
	Period      string
	Created     time.Time
}

// Decision is the outcome of one Take.
type Decision struct {
	// Allowed is true when every bucket had a token and the quota had room; only then was
	// anything consumed.
	Allowed bool
	// Throttled is the index in buckets of the first bucket that refused, or -1.
	Throttled int
	// QuotaExceeded is true when the quota had no room. Both Throttled and QuotaExceeded may
	// be set; the caller picks the response (the buckets are checked as AWS orders them).
	QuotaExceeded bool
	// QuotaUsed and QuotaRemaining are the quota's state after this request (when a quota was
	// given): used in the current period, and what is left (-1 when the quota has no Period).
	QuotaUsed, QuotaRemaining int64
	// PeriodStart and PeriodEnd bound the current quota period (zero without a quota period).
	PeriodStart, PeriodEnd time.Time
}

// Store decides requests against throttles and quotas. Implementations are safe for
// concurrent use.
type Store interface {
	// Take decides one request atomically: every bucket must have a token and the quota must
	// have room; only then is one token taken from each bucket and one unit counted against
	// the quota (and the day's usage recorded for reporting). Rejected requests consume
	// nothing (see the package comment).
	Take(ctx context.Context, now time.Time, buckets []Bucket, quota *Quota) (Decision, error)
	// Usage reports daily usage per key for a plan between two UTC dates (inclusive), shaped
	// for `aws apigateway get-usage`: items[keyId] = [[used, remaining], …], one pair per day.
	// An empty keyID reports every key that has used the plan.
	Usage(ctx context.Context, plan string, keyID string, from, to time.Time) (map[string][][2]int64, error)
	Close() error
}

// MaxUsageDays bounds the days one Usage call may report.
const MaxUsageDays = 366

// ParsePeriod validates a QuotaSettings.period value ("" means no quota).
func ParsePeriod(s string) (string, error) {
	switch s {
	case PeriodDay, PeriodWeek, PeriodMonth, "":
		return s, nil
	}
	return "", fmt.Errorf("limits: quota period %q is not DAY, WEEK or MONTH", s)
}

// PeriodBounds returns the UTC period of the given kind that contains t: [start, end).
// DAY starts at 00:00 UTC, WEEK on Sunday 00:00 UTC, MONTH on the 1st at 00:00 UTC.
func PeriodBounds(period string, t time.Time) (start, end time.Time, err error) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case PeriodDay:
		return day, day.AddDate(0, 0, 1), nil
	case PeriodWeek:
		start = day.AddDate(0, 0, -int(day.Weekday()))
		return start, start.AddDate(0, 0, 7), nil
	case PeriodMonth:
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0), nil
	}
	_, err = ParsePeriod(period)
	if err == nil {
		err = errors.New("limits: no quota period")
	}
	return time.Time{}, time.Time{}, err
}

// quotaWindow is a quota evaluated at one instant.
type quotaWindow struct {
	start, end time.Time
	limit      int64 // effective limit in this period; -1 = unlimited
}

// window evaluates q at now: the current period and its effective limit (Limit-Offset in the
// initial period, never below zero).
func (q *Quota) window(now time.Time) (quotaWindow, error) {
	if q.Period == "" {
		return quotaWindow{limit: -1}, nil
	}
	start, end, err := PeriodBounds(q.Period, now)
	if err != nil {
		return quotaWindow{}, err
	}
	return quotaWindow{start: start, end: end, limit: q.effectiveLimit(start)}, nil
}

func (q *Quota) effectiveLimit(periodStart time.Time) int64 {
	limit := max(q.Limit, 0)
	if !q.Created.IsZero() && q.Offset > 0 {
		if cs, _, err := PeriodBounds(q.Period, q.Created); err == nil && cs.Equal(periodStart) {
			limit = max(limit-q.Offset, 0)
		}
	}
	return limit
}

func (q *Quota) validate() error {
	if q.Plan == "" || q.KeyID == "" {
		return errors.New("limits: quota needs a plan and a key id")
	}
	_, err := ParsePeriod(q.Period)
	return err
}

// dayKey formats the UTC date of t as used in usage records.
func dayKey(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// dayUsage is one stored day of usage: requests admitted that day and the quota remaining
// after the last of them.
type dayUsage struct {
	used, remaining int64
}

// usageDays returns the UTC dates from..to inclusive, or an error when the range is reversed
// or longer than MaxUsageDays.
func usageDays(from, to time.Time) ([]time.Time, error) {
	f := time.Date(from.UTC().Year(), from.UTC().Month(), from.UTC().Day(), 0, 0, 0, 0, time.UTC)
	t := time.Date(to.UTC().Year(), to.UTC().Month(), to.UTC().Day(), 0, 0, 0, 0, time.UTC)
	if t.Before(f) {
		return nil, fmt.Errorf("limits: usage range %s..%s is reversed", dayKey(f), dayKey(t))
	}
	n := int(t.Sub(f).Hours()/24) + 1
	if n > MaxUsageDays {
		return nil, fmt.Errorf("limits: usage range %s..%s is longer than %d days", dayKey(f), dayKey(t), MaxUsageDays)
	}
	days := make([]time.Time, n)
	for i := range days {
		days[i] = f.AddDate(0, 0, i)
	}
	return days, nil
}

// lookback is how far before `from` a report looks for the last recorded day, so that a day
// without requests can report the remaining quota of its period (a period is at most 31 days).
const lookback = 31

// buildReport shapes stored days for one key as get-usage pairs [used, remaining] for each day
// in days. q is the key's last known quota (nil: remaining is -1). A day without records
// reports 0 used and the remaining of the most recent earlier record in the same period, or
// the period's full effective limit when there is none.
func buildReport(days []time.Time, stored map[string]dayUsage, q *Quota) [][2]int64 {
	out := make([][2]int64, len(days))
	for i, d := range days {
		if u, ok := stored[dayKey(d)]; ok {
			out[i] = [2]int64{u.used, u.remaining}
			continue
		}
		out[i] = [2]int64{0, remainingWithout(d, stored, q)}
	}
	return out
}

func remainingWithout(d time.Time, stored map[string]dayUsage, q *Quota) int64 {
	if q == nil || q.Period == "" {
		return -1
	}
	start, _, err := PeriodBounds(q.Period, d)
	if err != nil {
		return -1
	}
	for p := d.AddDate(0, 0, -1); !p.Before(start); p = p.AddDate(0, 0, -1) {
		if u, ok := stored[dayKey(p)]; ok {
			return u.remaining
		}
	}
	return q.effectiveLimit(start)
}

// maxRate caps a bucket's rate; above it every request finds a token anyway.
const maxRate = 1e9

// refill returns a bucket's tokens after elapsedMicros at rate, capped at burst. Both stores
// use exactly this arithmetic (the Redis script in IEEE doubles too), so they agree bit for bit.
func refill(tokens float64, elapsedMicros int64, rate float64, burst int) float64 {
	if elapsedMicros > 0 && rate > 0 {
		tokens += float64(elapsedMicros) * rate / 1e6
	}
	return math.Min(tokens, float64(burst))
}

// sanitize clamps a bucket's configuration: NaN or negative rates never refill, rates above
// maxRate are maxRate, negative bursts hold nothing.
func sanitize(b Bucket) (rate float64, burst int) {
	rate, burst = b.Rate, b.Burst
	switch {
	case math.IsNaN(rate) || rate < 0:
		rate = 0
	case rate > maxRate:
		rate = maxRate
	}
	return rate, max(burst, 0)
}
