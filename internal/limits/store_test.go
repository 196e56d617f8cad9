package limits

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// backend opens a fresh, empty Store for one subtest.
type backend struct {
	name string
	open func(t *testing.T) Store
}

// t0 is a Wednesday, 10:00 UTC.
var t0 = time.Date(2024, 6, 12, 10, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// step is one Take in a behavioural scenario and what it must decide.
type step struct {
	now     time.Time
	buckets []Bucket
	quota   *Quota
	want    Decision
	repeat  int // take this many times (default 1), each expecting want
	ignoreQ bool
}

type scenario struct {
	name  string
	steps []step
}

func allowed(used, remaining int64, start, end time.Time) Decision {
	return Decision{Allowed: true, Throttled: -1, QuotaUsed: used, QuotaRemaining: remaining, PeriodStart: start, PeriodEnd: end}
}

func throttled(i int) Decision { return Decision{Throttled: i} }

var ok = Decision{Allowed: true, Throttled: -1}

func scenarios() []scenario {
	b := Bucket{Key: "plan/key", Rate: 2, Burst: 3}
	strict := Bucket{Key: "stage", Rate: 0, Burst: 1}
	loose := Bucket{Key: "account", Rate: 1, Burst: 5}
	day := func(s string) time.Time { return at(s + "T00:00:00Z") }
	qDay := &Quota{Plan: "up1", KeyID: "k1", Limit: 3, Period: PeriodDay}
	qWeek := &Quota{Plan: "up1", KeyID: "k1", Limit: 2, Period: PeriodWeek}
	qMonth := &Quota{Plan: "up1", KeyID: "k1", Limit: 2, Period: PeriodMonth}
	qOffDay := &Quota{Plan: "up1", KeyID: "k1", Limit: 5, Offset: 3, Period: PeriodDay, Created: at("2024-06-12T08:00:00Z")}
	qOffMonth := &Quota{Plan: "up1", KeyID: "k1", Limit: 3, Offset: 2, Period: PeriodMonth, Created: at("2024-06-15T08:00:00Z")}
	qOffBig := &Quota{Plan: "up1", KeyID: "k1", Limit: 3, Offset: 10, Period: PeriodDay, Created: t0}
	exceeded := func(used int64, start, end time.Time) Decision {
		return Decision{Throttled: -1, QuotaExceeded: true, QuotaUsed: used, PeriodStart: start, PeriodEnd: end}
	}
	return []scenario{
		{"burst then rate", []step{
			{now: t0, buckets: []Bucket{b}, want: ok, repeat: 3},
			{now: t0, buckets: []Bucket{b}, want: throttled(0)},
			{now: t0.Add(499 * time.Millisecond), buckets: []Bucket{b}, want: throttled(0)}, // 0.998 tokens
			{now: t0.Add(500 * time.Millisecond), buckets: []Bucket{b}, want: ok},
			{now: t0.Add(500 * time.Millisecond), buckets: []Bucket{b}, want: throttled(0)},
			{now: t0.Add(time.Second), buckets: []Bucket{b}, want: ok},
			{now: t0.Add(time.Hour), buckets: []Bucket{b}, want: ok, repeat: 3}, // capped at burst
			{now: t0.Add(time.Hour), buckets: []Bucket{b}, want: throttled(0)},
		}},
		{"clock going backwards refills nothing", []step{
			{now: t0, buckets: []Bucket{b}, want: ok, repeat: 3},
			{now: t0.Add(-time.Minute), buckets: []Bucket{b}, want: throttled(0)},
			{now: t0.Add(500 * time.Millisecond), buckets: []Bucket{b}, want: ok},
		}},
		{"second bucket refuses, first keeps its token", []step{
			{now: t0, buckets: []Bucket{loose, strict}, want: ok},
			{now: t0, buckets: []Bucket{loose, strict}, want: throttled(1), repeat: 3},
			{now: t0, buckets: []Bucket{loose}, want: ok, repeat: 4},
			{now: t0, buckets: []Bucket{loose}, want: throttled(0)},
			{now: t0, buckets: []Bucket{strict, loose}, want: throttled(0)},
		}},
		{"zero burst refuses everything, zero rate never refills", []step{
			{now: t0, buckets: []Bucket{{Key: "z", Rate: 100, Burst: 0}}, want: throttled(0)},
			{now: t0, buckets: []Bucket{{Key: "r0", Rate: 0, Burst: 2}}, want: ok, repeat: 2},
			{now: t0.Add(24 * time.Hour), buckets: []Bucket{{Key: "r0", Rate: 0, Burst: 2}}, want: throttled(0)},
			{now: t0, buckets: []Bucket{{Key: "neg", Rate: -1, Burst: -1}}, want: throttled(0)},
		}},
		{"repeated key takes one token per occurrence", []step{
			{now: t0, buckets: []Bucket{b, b}, want: ok},
			{now: t0, buckets: []Bucket{b, b}, want: throttled(1)},
			{now: t0, buckets: []Bucket{b}, want: ok},
		}},
		{"no limits", []step{
			{now: t0, want: ok, repeat: 5},
		}},
		{"quota DAY resets at 00:00 UTC", []step{
			{now: t0, quota: qDay, want: allowed(1, 2, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: qDay, want: allowed(2, 1, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: qDay, want: allowed(3, 0, day("2024-06-12"), day("2024-06-13"))},
			{now: at("2024-06-12T23:59:59.999Z"), quota: qDay, want: exceeded(3, day("2024-06-12"), day("2024-06-13"))},
			{now: day("2024-06-13"), quota: qDay, want: allowed(1, 2, day("2024-06-13"), day("2024-06-14"))},
		}},
		{"quota WEEK starts Sunday 00:00 UTC", []step{
			{now: at("2024-06-09T00:00:00Z"), quota: qWeek, want: allowed(1, 1, day("2024-06-09"), day("2024-06-16"))},
			{now: at("2024-06-15T23:59:59Z"), quota: qWeek, want: allowed(2, 0, day("2024-06-09"), day("2024-06-16"))},
			{now: at("2024-06-15T23:59:59Z"), quota: qWeek, want: exceeded(2, day("2024-06-09"), day("2024-06-16"))},
			{now: at("2024-06-16T00:00:00Z"), quota: qWeek, want: allowed(1, 1, day("2024-06-16"), day("2024-06-23"))},
		}},
		{"quota MONTH starts on the 1st", []step{
			{now: at("2024-01-31T12:00:00Z"), quota: qMonth, want: allowed(1, 1, day("2024-01-01"), day("2024-02-01")), repeat: 1},
			{now: at("2024-01-31T23:59:59Z"), quota: qMonth, want: allowed(2, 0, day("2024-01-01"), day("2024-02-01"))},
			{now: at("2024-01-31T23:59:59Z"), quota: qMonth, want: exceeded(2, day("2024-01-01"), day("2024-02-01"))},
			{now: at("2024-02-29T23:00:00Z"), quota: qMonth, want: allowed(1, 1, day("2024-02-01"), day("2024-03-01"))},
		}},
		{"offset reduces the initial DAY only", []step{
			{now: t0, quota: qOffDay, want: allowed(1, 1, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: qOffDay, want: allowed(2, 0, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: qOffDay, want: exceeded(2, day("2024-06-12"), day("2024-06-13"))},
			{now: day("2024-06-13"), quota: qOffDay, want: allowed(5, 0, day("2024-06-13"), day("2024-06-14")), ignoreQ: true, repeat: 5},
			{now: day("2024-06-13"), quota: qOffDay, want: exceeded(5, day("2024-06-13"), day("2024-06-14"))},
		}},
		{"offset reduces the initial MONTH only", []step{
			{now: at("2024-06-30T23:00:00Z"), quota: qOffMonth, want: allowed(1, 0, day("2024-06-01"), day("2024-07-01"))},
			{now: at("2024-06-30T23:00:00Z"), quota: qOffMonth, want: exceeded(1, day("2024-06-01"), day("2024-07-01"))},
			{now: at("2024-07-01T00:00:00Z"), quota: qOffMonth, want: allowed(3, 0, day("2024-07-01"), day("2024-08-01")), ignoreQ: true, repeat: 3},
			{now: at("2024-07-01T00:00:00Z"), quota: qOffMonth, want: exceeded(3, day("2024-07-01"), day("2024-08-01"))},
		}},
		{"offset above limit leaves nothing", []step{
			{now: t0, quota: qOffBig, want: exceeded(0, day("2024-06-12"), day("2024-06-13"))},
		}},
		{"throttled requests do not count against the quota", []step{
			{now: t0, buckets: []Bucket{strict}, quota: qDay, want: allowed(1, 2, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, buckets: []Bucket{strict}, quota: qDay, want: Decision{Throttled: 0, QuotaUsed: 1, QuotaRemaining: 2, PeriodStart: day("2024-06-12"), PeriodEnd: day("2024-06-13")}, repeat: 5},
			{now: t0, quota: qDay, want: allowed(2, 1, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: qDay, want: allowed(3, 0, day("2024-06-12"), day("2024-06-13"))},
		}},
		{"requests over quota take no tokens", []step{
			{now: t0, buckets: []Bucket{b}, quota: qOffDay, want: allowed(1, 1, day("2024-06-12"), day("2024-06-13")), ignoreQ: true, repeat: 2},
			{now: t0, buckets: []Bucket{b}, quota: qOffDay, want: exceeded(2, day("2024-06-12"), day("2024-06-13")), repeat: 3},
			{now: t0, buckets: []Bucket{b}, want: ok},
			{now: t0, buckets: []Bucket{b}, want: throttled(0)},
		}},
		{"throttled and over quota reports both", []step{
			{now: t0, buckets: []Bucket{strict}, quota: qOffBig, want: exceeded(0, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, buckets: []Bucket{strict}, want: ok},
			{now: t0, buckets: []Bucket{strict}, quota: qOffBig, want: Decision{Throttled: 0, QuotaExceeded: true, PeriodStart: day("2024-06-12"), PeriodEnd: day("2024-06-13")}},
		}},
		{"quota without period counts nothing against a limit", []step{
			{now: t0, quota: &Quota{Plan: "up1", KeyID: "k1"}, want: Decision{Allowed: true, Throttled: -1, QuotaRemaining: -1}, repeat: 3},
		}},
		{"quotas are per plan and key", []step{
			{now: t0, quota: qOffBig, want: exceeded(0, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: &Quota{Plan: "up2", KeyID: "k1", Limit: 1, Period: PeriodDay}, want: allowed(1, 0, day("2024-06-12"), day("2024-06-13"))},
			{now: t0, quota: &Quota{Plan: "up1", KeyID: "k2", Limit: 1, Period: PeriodDay}, want: allowed(1, 0, day("2024-06-12"), day("2024-06-13"))},
		}},
	}
}

// runScenarios runs the shared behavioural table against a backend.
func runScenarios(t *testing.T, be backend) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			s := be.open(t)
			ctx := context.Background()
			for i, st := range sc.steps {
				for r := range max(st.repeat, 1) {
					got, err := s.Take(ctx, st.now, st.buckets, st.quota)
					if err != nil {
						t.Fatalf("step %d.%d: Take: %v", i, r, err)
					}
					want := st.want
					if st.ignoreQ && got.Allowed {
						want.QuotaUsed, want.QuotaRemaining = got.QuotaUsed, got.QuotaRemaining
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("step %d.%d (now %s): Take (-want +got):\n%s", i, r, st.now.Format(time.RFC3339Nano), diff)
					}
				}
			}
		})
	}
}

// runUsage checks the get-usage shape against a backend.
func runUsage(t *testing.T, be backend) {
	ctx := context.Background()
	day := func(s string) time.Time { return at(s + "T12:00:00Z") }
	take := func(t *testing.T, s Store, now time.Time, q *Quota, n int) {
		t.Helper()
		for range n {
			d, err := s.Take(ctx, now, nil, q)
			if err != nil || !d.Allowed {
				t.Fatalf("Take at %s: %+v, %v", now, d, err)
			}
		}
	}
	t.Run("DAY", func(t *testing.T) {
		s := be.open(t)
		q := &Quota{Plan: "up1", KeyID: "k1", Limit: 10, Period: PeriodDay}
		take(t, s, day("2024-06-11"), q, 3)
		take(t, s, day("2024-06-13"), q, 2)
		got, err := s.Usage(ctx, "up1", "k1", day("2024-06-10"), day("2024-06-13"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][][2]int64{"k1": {{0, 10}, {3, 7}, {0, 10}, {2, 8}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Usage (-want +got):\n%s", diff)
		}
	})
	t.Run("WEEK carries remaining over quiet days; all keys", func(t *testing.T) {
		s := be.open(t)
		q1 := &Quota{Plan: "up1", KeyID: "k1", Limit: 10, Period: PeriodWeek}
		q2 := &Quota{Plan: "up1", KeyID: "k2", Limit: 10, Period: PeriodWeek}
		other := &Quota{Plan: "up2", KeyID: "k3", Limit: 10, Period: PeriodWeek}
		take(t, s, day("2024-06-07"), q1, 4) // Friday of the previous week
		take(t, s, day("2024-06-10"), q1, 3) // Monday
		take(t, s, day("2024-06-12"), q1, 2)
		take(t, s, day("2024-06-12"), q2, 1)
		take(t, s, day("2024-06-12"), other, 1)
		got, err := s.Usage(ctx, "up1", "", day("2024-06-08"), day("2024-06-13"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][][2]int64{
			// Sat (prev week, carries 6), Sun (new week), Mon, Tue, Wed, Thu
			"k1": {{0, 6}, {0, 10}, {3, 7}, {0, 7}, {2, 5}, {0, 5}},
			"k2": {{0, 10}, {0, 10}, {0, 10}, {0, 10}, {1, 9}, {0, 9}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Usage (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown key and no period", func(t *testing.T) {
		s := be.open(t)
		take(t, s, day("2024-06-12"), &Quota{Plan: "up1", KeyID: "k1"}, 2)
		got, err := s.Usage(ctx, "up1", "", day("2024-06-11"), day("2024-06-12"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][][2]int64{"k1": {{0, -1}, {2, -1}}}, got); diff != "" {
			t.Errorf("Usage (-want +got):\n%s", diff)
		}
		got, err = s.Usage(ctx, "up1", "nobody", day("2024-06-12"), day("2024-06-12"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][][2]int64{"nobody": {{0, -1}}}, got); diff != "" {
			t.Errorf("Usage (-want +got):\n%s", diff)
		}
	})
	t.Run("bad ranges", func(t *testing.T) {
		s := be.open(t)
		if _, err := s.Usage(ctx, "up1", "k1", day("2024-06-12"), day("2024-06-11")); err == nil {
			t.Error("reversed range: no error")
		}
		if _, err := s.Usage(ctx, "up1", "k1", day("2020-01-01"), day("2024-06-11")); err == nil {
			t.Error("4-year range: no error")
		}
	})
	t.Run("bad quota", func(t *testing.T) {
		s := be.open(t)
		for _, q := range []*Quota{{Plan: "up1", KeyID: "k1", Period: "YEAR"}, {KeyID: "k1", Period: PeriodDay}, {Plan: "p", Period: PeriodDay}} {
			if _, err := s.Take(ctx, t0, nil, q); err == nil {
				t.Errorf("Take(%+v): no error", q)
			}
		}
	})
}
