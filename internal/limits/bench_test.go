package limits

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// benchLimits is a typical usage-plan request: plan-method, plan-stage, stage and account
// buckets, and a quota — never exhausted, so every Take commits.
var benchBuckets = []Bucket{
	{Key: "up1/k1/a1b2c3d4e5/prod/GET /pets", Rate: 1e6, Burst: 1 << 30},
	{Key: "up1/k1", Rate: 1e6, Burst: 1 << 30},
	{Key: "a1b2c3d4e5/prod/*/*", Rate: 1e6, Burst: 1 << 30},
	{Key: "account", Rate: 1e6, Burst: 1 << 30},
}

var benchQuota = &Quota{Plan: "up1", KeyID: "k1", Limit: 1 << 60, Period: PeriodMonth}

func benchTake(b *testing.B, s Store, buckets []Bucket, q *Quota) {
	ctx := context.Background()
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d, err := s.Take(ctx, now.Add(time.Duration(i)*time.Microsecond), buckets, q)
		if err != nil || !d.Allowed {
			b.Fatalf("%+v %v", d, err)
		}
	}
}

// BenchmarkTake reports the per-request cost of the usage-plan check on each backend, and a
// baseline without limits (the ratio is what the gateway pays for a plan).
func BenchmarkTake(b *testing.B) {
	b.Run("baseline-no-limits", func(b *testing.B) {
		benchTake(b, openEmbedded(b, ""), nil, nil)
	})
	b.Run("embedded-memory", func(b *testing.B) {
		benchTake(b, openEmbedded(b, ""), benchBuckets, benchQuota)
	})
	b.Run("embedded-sqlite", func(b *testing.B) {
		benchTake(b, openEmbedded(b, filepath.Join(b.TempDir(), "limits.db")), benchBuckets, benchQuota)
	})
	b.Run("embedded-sqlite-parallel", func(b *testing.B) {
		s := openEmbedded(b, filepath.Join(b.TempDir(), "limits.db"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Take(ctx, time.Now(), benchBuckets, benchQuota); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("redis", func(b *testing.B) {
		srv := startRedis(b)
		benchTake(b, NewRedis(srv.client(b)), benchBuckets, benchQuota)
	})
	b.Run("redis-parallel", func(b *testing.B) {
		srv := startRedis(b)
		s := NewRedis(srv.client(b))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Take(ctx, time.Now(), benchBuckets, benchQuota); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
