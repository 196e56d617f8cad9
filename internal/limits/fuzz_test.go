package limits

import (
	"context"
	"math"
	"testing"
	"time"
)

// FuzzPeriodBounds: any period string and instant yield an error or a period that contains
// the instant, starts at 00:00 UTC and lasts 1 day, 7 days (from a Sunday) or one month.
func FuzzPeriodBounds(f *testing.F) {
	for _, p := range []string{"DAY", "WEEK", "MONTH", "", "day", "YEAR"} {
		f.Add(p, int64(1718186400))
	}
	f.Add("WEEK", int64(-62135596800))
	f.Add("MONTH", int64(253402300799))
	f.Fuzz(func(t *testing.T, period string, unix int64) {
		if unix < -62135596800 || unix > 253402300799 { // years 1..9999
			return
		}
		now := time.Unix(unix, 0)
		start, end, err := PeriodBounds(period, now)
		if err != nil {
			if _, perr := ParsePeriod(period); perr == nil && period != "" {
				t.Fatalf("PeriodBounds(%q) failed for a valid period: %v", period, err)
			}
			return
		}
		if now.Before(start) || !now.Before(end) {
			t.Fatalf("%s not in [%s, %s)", now, start, end)
		}
		if start.Hour() != 0 || start.Minute() != 0 || start.Second() != 0 || start.Location() != time.UTC {
			t.Fatalf("start %s not at 00:00 UTC", start)
		}
		switch period {
		case PeriodDay:
			if end.Sub(start) != 24*time.Hour {
				t.Fatalf("DAY lasts %s", end.Sub(start))
			}
		case PeriodWeek:
			if start.Weekday() != time.Sunday || end.Sub(start) != 7*24*time.Hour {
				t.Fatalf("WEEK %s..%s", start, end)
			}
		case PeriodMonth:
			if start.Day() != 1 || end.Day() != 1 || end.AddDate(0, -1, 0) != start {
				t.Fatalf("MONTH %s..%s", start, end)
			}
		}
	})
}

// FuzzMetaQuota: the Redis meta-hash parser never panics and keeps only valid periods.
func FuzzMetaQuota(f *testing.F) {
	f.Add("DAY", "1000", "0", "0")
	f.Add("WEEK", "10", "3", "1718186400")
	f.Add("", "x", "", "")
	f.Add("YEAR", "1", "1", "1")
	f.Fuzz(func(t *testing.T, period, limit, offset, created string) {
		q, err := metaQuota("p", "k", map[string]string{"period": period, "limit": limit, "offset": offset, "created": created})
		if err != nil {
			return
		}
		if _, err := ParsePeriod(q.Period); err != nil {
			t.Fatalf("accepted period %q", q.Period)
		}
		buildReport([]time.Time{t0, t0.AddDate(0, 0, 1)}, map[string]dayUsage{dayKey(t0): {1, 2}}, q)
	})
}

// FuzzEmbeddedTake: arbitrary bucket settings and clock jumps never panic, and a bucket never
// admits more than its burst plus what its rate refilled.
func FuzzEmbeddedTake(f *testing.F) {
	f.Add(2.0, 3, int64(500_000), uint8(10), int64(5), int64(0), "DAY")
	f.Add(0.0, 0, int64(-1), uint8(3), int64(0), int64(0), "WEEK")
	f.Add(math.NaN(), -5, int64(1<<40), uint8(50), int64(-3), int64(9), "MONTH")
	f.Add(math.Inf(1), 1<<40, int64(1), uint8(20), int64(1<<62), int64(-1), "")
	f.Fuzz(func(t *testing.T, rate float64, burst int, stepMicros int64, n uint8, limit, offset int64, period string) {
		if _, err := ParsePeriod(period); err != nil {
			return
		}
		e, err := NewEmbedded("", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		b := []Bucket{{Key: "k", Rate: rate, Burst: burst}}
		q := &Quota{Plan: "p", KeyID: "k", Limit: limit, Offset: offset, Period: period, Created: t0}
		now := t0
		var admitted int64
		var elapsed float64
		for range n {
			d, err := e.Take(context.Background(), now, b, q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				admitted++
			}
			if d.Allowed && (d.Throttled != -1 || d.QuotaExceeded) {
				t.Fatalf("inconsistent decision %+v", d)
			}
			if stepMicros > 0 && stepMicros < 1<<40 {
				now = now.Add(time.Duration(stepMicros) * time.Microsecond)
				elapsed += float64(stepMicros) / 1e6
			}
		}
		r, bu := sanitize(b[0])
		if bound := float64(bu) + elapsed*r + 1; float64(admitted) > bound {
			t.Fatalf("admitted %d > burst %d + %g s × %g", admitted, bu, elapsed, r)
		}
		if period != "" && admitted > max(limit, 0) {
			t.Fatalf("admitted %d over quota limit %d", admitted, limit)
		}
	})
}
