package limits

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

// redisServer is a real redis-server (Debian package) on a free loopback port, without
// persistence. A missing redis-server fails the test: CI installs it.
type redisServer struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (apt-get install -y redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{t: t, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--save", "", "--appendonly", "no",
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	c := redis.NewClient(&redis.Options{Addr: s.addr(), DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer within 10s", s.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (the test started it; this is its own process) and waits for it.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// client returns a client with the short timeouts a gateway should use.
func (s *redisServer) client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:         s.addr(),
		DialTimeout:  200 * time.Millisecond,
		ReadTimeout:  200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond,
		PoolTimeout:  time.Second,
		MaxRetries:   -1,
		// go-redis otherwise retries a refused dial 5 times, 100ms apart.
		DialerRetries:      1,
		DialerRetryTimeout: 10 * time.Millisecond,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func redisBackend(t *testing.T) backend {
	srv := startRedis(t)
	return backend{"redis", func(t *testing.T) Store {
		c := srv.client(t)
		if err := c.FlushAll(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		return NewRedis(c)
	}}
}

func TestRedisScenarios(t *testing.T) { runScenarios(t, redisBackend(t)) }

func TestRedisUsage(t *testing.T) { runUsage(t, redisBackend(t)) }

// TestRedisMultiInstance: three Stores (three clients, as three gateway instances) share one
// server (issue #5 acceptance).
func TestRedisMultiInstance(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	stores := make([]*Redis, 3)
	for i := range stores {
		stores[i] = NewRedis(srv.client(t))
	}
	// run fires n simultaneous Takes spread over the instances and counts the admitted ones.
	run := func(t *testing.T, n int, buckets []Bucket, q *Quota) (admitted, exceeded int64) {
		t.Helper()
		var a, x atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				d, err := stores[i%len(stores)].Take(ctx, time.Now(), buckets, q)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					a.Add(1)
				}
				if d.QuotaExceeded {
					x.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		return a.Load(), x.Load()
	}
	t.Run("quota 100, 150 requests", func(t *testing.T) {
		q := &Quota{Plan: "up1", KeyID: "k1", Limit: 100, Period: PeriodDay}
		admitted, exceeded := run(t, 150, nil, q)
		if admitted != 100 || exceeded != 50 {
			t.Errorf("admitted %d, over quota %d; want 100 and 50", admitted, exceeded)
		}
		u, err := stores[2].Usage(ctx, "up1", "k1", time.Now(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := u["k1"]; len(got) != 1 || got[0] != [2]int64{100, 0} {
			t.Errorf("usage %v, want [[100 0]]", got)
		}
	})
	t.Run("burst 20, tiny rate, 60 simultaneous", func(t *testing.T) {
		b := []Bucket{{Key: "plan/up1/k1", Rate: 0.01, Burst: 20}}
		admitted, _ := run(t, 60, b, nil)
		if admitted < 18 || admitted > 22 {
			t.Errorf("admitted %d, want 20 ± 2", admitted)
		}
	})
}

// TestRedisOutage: with the server gone Take fails fast with ErrUnavailable; when it is back
// (empty, on the same port) Take works again without a new client.
func TestRedisOutage(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	s := NewRedis(srv.client(t))
	q := &Quota{Plan: "up1", KeyID: "k1", Limit: 10, Period: PeriodDay}
	if d, err := s.Take(ctx, time.Now(), []Bucket{{Key: "b", Rate: 1, Burst: 5}}, q); err != nil || !d.Allowed {
		t.Fatalf("before outage: %+v %v", d, err)
	}
	srv.stop()
	for i := range 3 {
		start := time.Now()
		_, err := s.Take(ctx, time.Now(), []Bucket{{Key: "b", Rate: 1, Burst: 5}}, q)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("take %d during outage: err = %v, want ErrUnavailable", i, err)
		}
		el := time.Since(start)
		t.Logf("take %d during outage failed after %s", i, el)
		if el > 2*time.Second {
			t.Errorf("take %d during outage took %s", i, el)
		}
	}
	if _, err := s.Usage(ctx, "up1", "k1", time.Now(), time.Now()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("usage during outage: err = %v, want ErrUnavailable", err)
	}
	srv.start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := s.Take(ctx, time.Now(), []Bucket{{Key: "b", Rate: 1, Burst: 5}}, q)
		if err == nil {
			// The restarted server is empty (no persistence): counting starts over.
			if !d.Allowed || d.QuotaUsed != 1 {
				t.Errorf("after restart: %+v", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Take still failing 5s after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisScriptError: an error Redis itself returns (here a key of the wrong type) is not
// reported as unavailability.
func TestRedisScriptError(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := srv.client(t)
	if err := c.Set(ctx, redisPrefix+"b:wrongtype", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := NewRedis(c).Take(ctx, t0, []Bucket{{Key: "wrongtype", Rate: 1, Burst: 1}}, nil)
	if err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want a non-ErrUnavailable error", err)
	}
}

// TestRedisKeysOneSlot: every key a request touches hashes to one Redis Cluster slot.
func TestRedisKeysOneSlot(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := srv.client(t)
	s := NewRedis(c)
	q := &Quota{Plan: "up:1", KeyID: "k:1", Limit: 10, Period: PeriodWeek}
	if _, err := s.Take(ctx, t0, []Bucket{{Key: "acct", Rate: 1, Burst: 1}, {Key: "stage/x", Rate: 1, Burst: 1}}, q); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 6 {
		t.Errorf("keys %q, want 6", keys)
	}
	slots := map[int64]bool{}
	for _, k := range keys {
		slot, err := c.Do(ctx, "CLUSTER", "KEYSLOT", k).Int64()
		if err != nil {
			// CLUSTER KEYSLOT needs cluster mode on some versions; fall back to the tag check.
			if k[:len(redisPrefix)] != redisPrefix {
				t.Errorf("key %q lacks the hash tag", k)
			}
			continue
		}
		slots[slot] = true
	}
	if len(slots) > 1 {
		t.Errorf("keys span slots %v", slots)
	}
}

// quietLogger drops go-redis's dial-failure log lines, expected in the outage test.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietLogger{}) }

// TestRedisMatchesEmbedded replays one random request stream against both stores and wants
// identical decisions: the script and Embedded share refill arithmetic and quota rules.
func TestRedisMatchesEmbedded(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	r := NewRedis(srv.client(t))
	e := openEmbedded(t, "")
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []Bucket{
		{Key: "a", Rate: 3.7, Burst: 4}, {Key: "b", Rate: 0.25, Burst: 2}, {Key: "c", Rate: 1e-3, Burst: 1},
		{Key: "d", Rate: 1000, Burst: 10}, {Key: "e", Rate: 0, Burst: 3},
	}
	quotas := []*Quota{
		nil,
		{Plan: "up1", KeyID: "k1", Limit: 40, Offset: 15, Period: PeriodDay, Created: at("2024-06-29T12:00:00Z")},
		{Plan: "up1", KeyID: "k2", Limit: 60, Period: PeriodWeek},
		{Plan: "up2", KeyID: "k1", Limit: 100, Period: PeriodMonth},
		{Plan: "up2", KeyID: "k3"},
	}
	seen := map[[2]bool]int{}
	start := at("2024-06-29T12:00:00Z") // a Saturday: the stream crosses a DAY, WEEK and MONTH boundary
	now := start
	for i := range 3000 {
		mean := 200 * time.Millisecond
		if rng.IntN(10) == 0 {
			mean = 10 * time.Minute
		}
		now = now.Add(time.Duration(rng.ExpFloat64()*float64(mean)) / time.Microsecond * time.Microsecond)
		if rng.IntN(50) == 0 {
			now = now.Add(-time.Duration(rng.IntN(1000)) * time.Millisecond) // a skewed instance
		}
		var bs []Bucket
		for range rng.IntN(4) {
			bs = append(bs, pool[rng.IntN(len(pool))])
		}
		q := quotas[rng.IntN(len(quotas))]
		de, err := e.Take(ctx, now, bs, q)
		if err != nil {
			t.Fatal(err)
		}
		dr, err := r.Take(ctx, now, bs, q)
		if err != nil {
			t.Fatal(err)
		}
		seen[[2]bool{de.Throttled >= 0, de.QuotaExceeded}]++
		if diff := cmp.Diff(de, dr); diff != "" {
			t.Fatalf("request %d at %s, buckets %v, quota %+v (-embedded +redis):\n%s", i, now, bs, q, diff)
		}
	}
	t.Logf("outcomes [throttled, over quota]: %v", seen)
	if len(seen) != 4 {
		t.Errorf("the stream did not produce every outcome: %v", seen)
	}
	if now.Before(at("2024-07-01T01:00:00Z")) {
		t.Fatalf("the stream ended at %s, before crossing the month", now)
	}
	from, to := start.AddDate(0, 0, -1), now.AddDate(0, 0, 1)
	for _, plan := range []string{"up1", "up2"} {
		ue, err := e.Usage(ctx, plan, "", from, to)
		if err != nil {
			t.Fatal(err)
		}
		ur, err := r.Usage(ctx, plan, "", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ue, ur); diff != "" {
			t.Errorf("Usage(%s) (-embedded +redis):\n%s", plan, diff)
		}
	}
}

// Rate-based WAF rules count across instances through Redis: three clients, one window.
func TestRedisRateCounter(t *testing.T) {
	srv := startRedis(t)
	stores := []*Redis{NewRedis(srv.client(t)), NewRedis(srv.client(t)), NewRedis(srv.client(t))}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var last int64
	for i := 0; i < 9; i++ {
		n, err := stores[i%3].Add(context.Background(), "ip:192.0.2.1", time.Minute, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		last = n
	}
	if last != 9 {
		t.Fatalf("count across instances = %d, want 9", last)
	}
	// Two minutes later the window holds only the new request.
	if n, _ := stores[0].Add(context.Background(), "ip:192.0.2.1", time.Minute, now.Add(2*time.Minute)); n != 1 {
		t.Errorf("after the window: %d, want 1", n)
	}
	if n, _ := stores[1].Add(context.Background(), "ip:198.51.100.1", time.Minute, now); n != 1 {
		t.Errorf("another key: %d, want 1", n)
	}
}
