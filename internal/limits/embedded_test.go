package limits

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openEmbedded(t testing.TB, path string) *Embedded {
	t.Helper()
	e, err := NewEmbedded(path, nil)
	if err != nil {
		t.Fatalf("NewEmbedded(%q): %v", path, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var embeddedBackends = []backend{
	{"memory", func(t *testing.T) Store { return openEmbedded(t, "") }},
	{"sqlite", func(t *testing.T) Store { return openEmbedded(t, filepath.Join(t.TempDir(), "limits.db")) }},
}

func TestEmbeddedScenarios(t *testing.T) {
	for _, be := range embeddedBackends {
		t.Run(be.name, func(t *testing.T) { runScenarios(t, be) })
	}
}

func TestEmbeddedUsage(t *testing.T) {
	for _, be := range embeddedBackends {
		t.Run(be.name, func(t *testing.T) { runUsage(t, be) })
	}
}

// TestEmbeddedPersistence: quota counters and daily usage survive a restart (issue #5
// acceptance: "quota usage persists across a restart with the embedded store"); buckets do not.
func TestEmbeddedPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "limits.db")
	q := &Quota{Plan: "up1", KeyID: "k1", Limit: 5, Period: PeriodDay}
	bucket := []Bucket{{Key: "b", Rate: 0, Burst: 3}}

	e, err := NewEmbedded(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if d, err := e.Take(ctx, t0, bucket, q); err != nil || !d.Allowed {
			t.Fatalf("take %d: %+v %v", i, d, err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	e = openEmbedded(t, path)
	// The bucket starts full again; the quota continues at 3 of 5.
	got, err := e.Take(ctx, t0.Add(time.Minute), bucket, q)
	if err != nil {
		t.Fatal(err)
	}
	want := Decision{Allowed: true, Throttled: -1, QuotaUsed: 4, QuotaRemaining: 1, PeriodStart: at("2024-06-12T00:00:00Z"), PeriodEnd: at("2024-06-13T00:00:00Z")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
	if d, _ := e.Take(ctx, t0.Add(time.Minute), nil, q); !d.Allowed || d.QuotaRemaining != 0 {
		t.Errorf("5th take: %+v", d)
	}
	if d, _ := e.Take(ctx, t0.Add(time.Minute), nil, q); !d.QuotaExceeded {
		t.Errorf("6th take not over quota: %+v", d)
	}
	u, err := e.Usage(ctx, "up1", "k1", t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][][2]int64{"k1": {{5, 0}}}, u); diff != "" {
		t.Errorf("usage after reopen (-want +got):\n%s", diff)
	}
	// A new day after a restart starts a new period and a new usage row.
	if d, _ := e.Take(ctx, t0.Add(24*time.Hour), nil, q); !d.Allowed || d.QuotaUsed != 1 {
		t.Errorf("next day: %+v", d)
	}
	u, err = e.Usage(ctx, "up1", "k1", t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][][2]int64{"k1": {{5, 0}, {1, 4}}}, u); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

// TestEmbeddedConcurrent: concurrent Takes on shared buckets and one quota admit exactly as
// many requests as the tightest limit allows.
func TestEmbeddedConcurrent(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		buckets []Bucket
		quota   *Quota
		want    int64
	}{
		{"quota", nil, &Quota{Plan: "up1", KeyID: "k1", Limit: 777, Period: PeriodDay}, 777},
		{"bucket", []Bucket{{Key: "acct", Rate: 0, Burst: 1000}, {Key: "stage", Rate: 0, Burst: 555}}, nil, 555},
		{"both", []Bucket{{Key: "acct", Rate: 0, Burst: 600}}, &Quota{Plan: "up1", KeyID: "k1", Limit: 500, Period: PeriodMonth}, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openEmbedded(t, filepath.Join(t.TempDir(), "limits.db"))
			var admitted, over, throttledN atomic.Int64
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 100 {
						// Other keys' buckets in the same request exercise shard locking order.
						bs := append([]Bucket{{Key: string(rune('a'+(g+i)%20)) + "-own", Rate: 0, Burst: 1 << 20}}, tc.buckets...)
						d, err := e.Take(ctx, t0, bs, tc.quota)
						if err != nil {
							t.Error(err)
							return
						}
						switch {
						case d.Allowed:
							admitted.Add(1)
						case d.QuotaExceeded:
							over.Add(1)
						default:
							throttledN.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if got := admitted.Load(); got != tc.want {
				t.Errorf("admitted %d, want %d (over quota %d, throttled %d)", got, tc.want, over.Load(), throttledN.Load())
			}
			if tc.quota != nil {
				u, err := e.Usage(ctx, "up1", "k1", t0, t0)
				if err != nil {
					t.Fatal(err)
				}
				if got := u["k1"][0][0]; got != tc.want {
					t.Errorf("usage reports %d, want %d", got, tc.want)
				}
			}
		})
	}
}

// TestEmbeddedGC: a bucket that has refilled is dropped; one that has not is kept.
func TestEmbeddedGC(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, "")
	fast := Bucket{Key: "fast", Rate: 10, Burst: 10}
	slow := Bucket{Key: "slow", Rate: 0.01, Burst: 10}
	for range 5 {
		if d, _ := e.Take(ctx, t0, []Bucket{fast, slow}, nil); !d.Allowed {
			t.Fatal("not allowed")
		}
	}
	count := func() int {
		n := 0
		for i := range e.buckets {
			e.buckets[i].mu.Lock()
			n += len(e.buckets[i].m)
			e.buckets[i].mu.Unlock()
		}
		return n
	}
	e.gc(t0.Add(100 * time.Millisecond))
	if n := count(); n != 2 {
		t.Fatalf("after 100ms: %d buckets, want 2", n)
	}
	e.gc(t0.Add(time.Second))
	if n := count(); n != 1 {
		t.Fatalf("after 1s: %d buckets, want 1 (slow)", n)
	}
	// The slow bucket kept its state: 5 tokens left (+0.01 after one second).
	for i := range 5 {
		if d, _ := e.Take(ctx, t0.Add(time.Second), []Bucket{slow}, nil); !d.Allowed {
			t.Fatalf("take %d refused", i)
		}
	}
	if d, _ := e.Take(ctx, t0.Add(time.Second), []Bucket{slow}, nil); d.Allowed {
		t.Fatal("slow bucket refilled after GC")
	}
}

func TestNewEmbeddedErrors(t *testing.T) {
	if _, err := NewEmbedded(filepath.Join(t.TempDir(), "x?y"), nil); err == nil {
		t.Error("path with '?': no error")
	}
	if _, err := NewEmbedded(filepath.Join(t.TempDir(), "missing", "dir", "db"), nil); err == nil {
		t.Error("unwritable path: no error")
	}
}
