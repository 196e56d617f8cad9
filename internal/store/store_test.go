package store

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/decision"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func strp(s string) *string { return &s }

// mk builds a fully populated decision, so that JSON round trips are checked field by field.
func mk(id string, at time.Time, status int, cause, api, stage string) *decision.Decision {
	outcome := decision.Allow
	if status >= 400 {
		outcome = decision.Deny
	}
	return &decision.Decision{
		Version:           decision.Version,
		RequestID:         id,
		ExtendedRequestID: "ext-" + id,
		Time:              at,
		Request:           decision.Request{Method: "GET", Host: api + ".execute-api.localhost", Path: "/" + stage + "/pets", SourceIP: "127.0.0.1", Listener: "default"},
		API:               decision.API{RestAPIID: api, Stage: stage, ResourcePath: "/pets", HTTPMethod: "GET", DomainName: strp("api.example.test"), BasePathMatched: nil},
		Outcome:           outcome,
		Status:            status,
		Cause:             cause,
		Reason:            "reason for " + id,
		Remedy:            []string{"do something"},
		Checks:            []decision.Check{{Check: "endpoint", Result: decision.Pass}, {Check: "waf", Result: decision.Skip}},
		Integration:       &decision.Integration{Type: "MOCK", LatencyMs: 1.5},
		LatencyMs:         2.25,
		ResponseLength:    23,
		ExecutionLog:      []string{"Extended Request Id: ext-" + id},
	}
}

func ids(ds []*decision.Decision) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.RequestID)
	}
	return out
}

func openTemp(t *testing.T, opts SQLiteOptions) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "decisions.db")
	s, err := OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func count(t *testing.T, s *SQLite) int {
	t.Helper()
	n, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQueryNormalized(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, 50}, {-3, 50}, {1, 1}, {999, 999}, {1000, 1000}, {1001, 1000}} {
		if got := (Query{Limit: tc.in}).Normalized().Limit; got != tc.want {
			t.Errorf("Limit %d normalized = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestQueryMatch(t *testing.T) {
	d := mk("r1", t0, 403, "waf-blocked", "a1b2c3d4e5", "prod")
	for _, tc := range []struct {
		name string
		q    Query
		want bool
	}{
		{"empty", Query{}, true},
		{"status", Query{Status: 403}, true},
		{"status other", Query{Status: 429}, false},
		{"cause", Query{Cause: "waf-blocked"}, true},
		{"cause other", Query{Cause: "throttled"}, false},
		{"api", Query{APIID: "a1b2c3d4e5"}, true},
		{"api other", Query{APIID: "zzzzzzzzzz"}, false},
		{"stage", Query{Stage: "prod"}, true},
		{"stage other", Query{Stage: "dev"}, false},
		{"since equal", Query{Since: t0}, true},
		{"since before", Query{Since: t0.Add(-time.Second)}, true},
		{"since after", Query{Since: t0.Add(time.Nanosecond)}, false},
		{"all", Query{Status: 403, Cause: "waf-blocked", APIID: "a1b2c3d4e5", Stage: "prod", Since: t0}, true},
	} {
		if got := tc.q.Match(d); got != tc.want {
			t.Errorf("%s: Match = %v, want %v", tc.name, got, tc.want)
		}
	}
	if (Query{}).Match(nil) {
		t.Error("Match(nil) = true")
	}
}

func TestMemoryRingEviction(t *testing.T) {
	m := NewMemory(3)
	for i := range 5 {
		m.Put(mk(fmt.Sprint("r", i), t0.Add(time.Duration(i)*time.Second), 200, "", "api", "prod"))
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := m.Get(fmt.Sprint("r", i)); ok != want {
			t.Errorf("Get(r%d) found = %v, want %v", i, ok, want)
		}
	}
	if diff := cmp.Diff([]string{"r4", "r3", "r2"}, ids(m.List(Query{}))); diff != "" {
		t.Errorf("List order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r4", "r3"}, ids(m.List(Query{Limit: 2}))); diff != "" {
		t.Errorf("List limit (-want +got):\n%s", diff)
	}
}

func TestMemoryReplaceSameID(t *testing.T) {
	m := NewMemory(3)
	m.Put(mk("a", t0, 200, "", "api", "prod"))
	m.Put(mk("b", t0, 200, "", "api", "prod"))
	m.Put(mk("a", t0, 403, "waf-blocked", "api", "prod"))
	if diff := cmp.Diff([]string{"a", "b"}, ids(m.List(Query{}))); diff != "" {
		t.Errorf("after replace (-want +got):\n%s", diff)
	}
	if d, _ := m.Get("a"); d.Status != 403 {
		t.Errorf("Get(a).Status = %d, want the replacement's 403", d.Status)
	}
	// Overwriting the slot that held the first "a" must not forget the second "a".
	m.Put(mk("c", t0, 200, "", "api", "prod"))
	if _, ok := m.Get("a"); !ok {
		t.Error("Get(a) lost after its stale slot was overwritten")
	}
	m.Put(mk("d", t0, 200, "", "api", "prod")) // evicts b
	m.Put(mk("e", t0, 200, "", "api", "prod")) // evicts the second a
	if diff := cmp.Diff([]string{"e", "d", "c"}, ids(m.List(Query{}))); diff != "" {
		t.Errorf("after eviction (-want +got):\n%s", diff)
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	m.Put(nil) // ignored
	if NewMemory(0) == nil || len(NewMemory(-1).ring) != DefaultMemoryMax {
		t.Error("NewMemory(<=0) does not use DefaultMemoryMax")
	}
}

// dataset is in insertion order == time order, so every implementation lists it the same way.
func dataset() []*decision.Decision {
	return []*decision.Decision{
		mk("r0", t0, 200, "", "aaaaaaaaaa", "prod"),
		mk("r1", t0.Add(1*time.Minute), 403, "waf-blocked", "aaaaaaaaaa", "prod"),
		mk("r2", t0.Add(2*time.Minute), 403, "policy-no-allow", "aaaaaaaaaa", "dev"),
		mk("r3", t0.Add(3*time.Minute), 429, "throttled", "bbbbbbbbbb", "prod"),
		mk("r4", t0.Add(4*time.Minute), 403, "waf-blocked", "bbbbbbbbbb", "prod"),
		mk("r5", t0.Add(5*time.Minute), 200, "", "bbbbbbbbbb", "dev"),
	}
}

func TestListFilters(t *testing.T) {
	stores := map[string]func(t *testing.T) Decisions{
		"memory": func(t *testing.T) Decisions { return NewMemory(100) },
		"sqlite": func(t *testing.T) Decisions {
			s, _ := openTemp(t, SQLiteOptions{Now: func() time.Time { return t0 }})
			return s
		},
		"tiered-memory-only": func(t *testing.T) Decisions { // memory too small: most come from SQLite
			s, _ := openTemp(t, SQLiteOptions{Now: func() time.Time { return t0 }})
			return NewTiered(NewMemory(2), s)
		},
	}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all newest first", Query{}, []string{"r5", "r4", "r3", "r2", "r1", "r0"}},
		{"status", Query{Status: 403}, []string{"r4", "r2", "r1"}},
		{"cause", Query{Cause: "waf-blocked"}, []string{"r4", "r1"}},
		{"api", Query{APIID: "aaaaaaaaaa"}, []string{"r2", "r1", "r0"}},
		{"stage", Query{Stage: "dev"}, []string{"r5", "r2"}},
		{"api and stage", Query{APIID: "bbbbbbbbbb", Stage: "prod"}, []string{"r4", "r3"}},
		{"since inclusive", Query{Since: t0.Add(3 * time.Minute)}, []string{"r5", "r4", "r3"}},
		{"limit", Query{Status: 403, Limit: 2}, []string{"r4", "r2"}},
		{"no match", Query{Cause: "stage-not-found"}, []string{}},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			data := dataset()
			for _, d := range data {
				s.Put(d)
			}
			if f, ok := s.(interface{ Flush() error }); ok {
				if err := f.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			if tr, ok := s.(*tiered); ok {
				if err := tr.db.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range cases {
				if diff := cmp.Diff(tc.want, ids(s.List(tc.q))); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, diff)
				}
			}
			for _, want := range data {
				got, ok := s.Get(want.RequestID)
				if !ok {
					t.Errorf("Get(%s) not found", want.RequestID)
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Get(%s) (-want +got):\n%s", want.RequestID, diff)
				}
			}
			if _, ok := s.Get("nope"); ok {
				t.Error("Get(nope) found")
			}
		})
	}
}

func TestSQLitePersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	opts := SQLiteOptions{Now: func() time.Time { return t0 }}
	s, err := OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := dataset()
	for _, d := range want {
		s.Put(d)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok := s.Get("r3")
	if !ok {
		t.Fatal("r3 not found after reopen")
	}
	if diff := cmp.Diff(want[3], got); diff != "" {
		t.Errorf("r3 after reopen (-want +got):\n%s", diff)
	}
	if n := count(t, s); n != len(want) {
		t.Errorf("count after reopen = %d, want %d", n, len(want))
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestSQLitePruneByCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	now := func() time.Time { return t0.Add(time.Hour) }
	s, err := OpenSQLite(path, SQLiteOptions{MaxRecords: 4, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dataset() {
		s.Put(d)
	}
	if err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"r5", "r4", "r3", "r2"}, ids(s.List(Query{}))); diff != "" {
		t.Errorf("after prune (-want +got):\n%s", diff)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Pruning also runs at open.
	s, err = OpenSQLite(path, SQLiteOptions{MaxRecords: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff([]string{"r5", "r4"}, ids(s.List(Query{}))); diff != "" {
		t.Errorf("after reopen with MaxRecords 2 (-want +got):\n%s", diff)
	}
}

func TestSQLitePruneByAge(t *testing.T) {
	var clock atomic.Int64
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	s, _ := openTemp(t, SQLiteOptions{MaxAge: 7 * 24 * time.Hour, Now: now})
	day := 24 * time.Hour
	s.Put(mk("old", t0.Add(-10*day), 403, "waf-blocked", "a", "prod"))
	s.Put(mk("mid", t0.Add(-3*day), 403, "waf-blocked", "a", "prod"))
	s.Put(mk("new", t0, 403, "waf-blocked", "a", "prod"))
	s.Put(mk("zero", time.Time{}, 403, "waf-blocked", "a", "prod"))
	if err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"new", "mid"}, ids(s.List(Query{}))); diff != "" {
		t.Errorf("after first prune (-want +got):\n%s", diff)
	}
	clock.Store(t0.Add(5 * day).UnixNano())
	if err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"new"}, ids(s.List(Query{}))); diff != "" {
		t.Errorf("after clock advanced 5 days (-want +got):\n%s", diff)
	}
}

func TestSQLitePruneTimer(t *testing.T) {
	s, _ := openTemp(t, SQLiteOptions{MaxRecords: 1, PruneInterval: 10 * time.Millisecond, FlushInterval: time.Millisecond, Now: func() time.Time { return t0 }})
	for _, d := range dataset() {
		s.Put(d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for count(t, s) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("timer never pruned to 1 record; have %d", count(t, s))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSQLiteCloseFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	opts := SQLiteOptions{BatchSize: 10000, FlushInterval: time.Hour, Now: func() time.Time { return t0 }}
	s, err := OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		s.Put(mk(fmt.Sprint("r", i), t0, 200, "", "a", "prod"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	s, err = OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, s); n != 100 {
		t.Errorf("count after Close+reopen = %d, want 100", n)
	}
}

func TestSQLiteDropsWhenQueueFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := openSQLite(path, SQLiteOptions{QueueSize: 8, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 13 { // writer not started yet: the queue fills deterministically
		s.Put(mk(fmt.Sprint("r", i), t0.Add(time.Duration(i)), 200, "", "a", "prod"))
	}
	if got := s.Dropped(); got != 5 {
		t.Errorf("Dropped = %d, want 5", got)
	}
	go s.writer()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != 8 {
		t.Errorf("count = %d, want the 8 queued", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Put(mk("late", t0, 200, "", "a", "prod"))
	if got := s.Dropped(); got != 6 {
		t.Errorf("Dropped after Put on closed store = %d, want 6", got)
	}
	if err := s.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
}

func TestOpenSQLiteErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenSQLite("", SQLiteOptions{}); err == nil {
		t.Error("empty path: no error")
	}
	if _, err := OpenSQLite(filepath.Join(dir, "a?b.db"), SQLiteOptions{}); err == nil {
		t.Error("path with '?': no error")
	}
	if _, err := OpenSQLite(filepath.Join(dir, "missing", "d.db"), SQLiteOptions{}); err == nil {
		t.Error("missing directory: no error")
	}
	// A file written by a newer schema is refused.
	path := filepath.Join(dir, "new.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := OpenSQLite(path, SQLiteOptions{}); err == nil {
		t.Error("newer schema: no error")
	}
}

func TestTiered(t *testing.T) {
	s, path := openTemp(t, SQLiteOptions{FlushInterval: time.Hour, BatchSize: 10000, Now: func() time.Time { return t0 }})
	st := NewTiered(NewMemory(2), s)
	data := dataset()
	for _, d := range data {
		st.Put(d)
	}
	// Before any flush: the newest are served from memory, the rest are not yet on disk.
	if d, ok := st.Get("r5"); !ok || d != data[5] {
		t.Errorf("Get(r5) before flush = %v, %v; want memory's pointer", d, ok)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenSQLite(path, SQLiteOptions{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	st = NewTiered(NewMemory(2), s2)
	st.Put(mk("r6", t0.Add(6*time.Minute), 403, "waf-blocked", "bbbbbbbbbb", "prod"))
	if diff := cmp.Diff([]string{"r6", "r5", "r4"}, ids(st.List(Query{Limit: 3}))); diff != "" {
		t.Errorf("List merges memory and disk (-want +got):\n%s", diff)
	}
	if d, ok := st.Get("r0"); !ok || d.RequestID != "r0" {
		t.Errorf("Get(r0) from disk = %v, %v", d, ok)
	}
	if _, ok := st.(Dropper); !ok {
		t.Error("tiered store is not a Dropper")
	}
	if NewTiered(NewMemory(1), nil) == nil {
		t.Error("NewTiered(mem, nil) = nil")
	}
}

func TestConcurrentPutGet(t *testing.T) {
	s, path := openTemp(t, SQLiteOptions{FlushInterval: time.Millisecond, Now: func() time.Time { return t0 }})
	st := NewTiered(NewMemory(64), s)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				st.Put(mk(id, t0.Add(time.Duration(w*each+i)), 403, "waf-blocked", "a", "prod"))
				if _, ok := st.Get(id); !ok {
					t.Errorf("Get(%s) right after Put: not found", id)
				}
				st.List(Query{Status: 403, Limit: 10})
			}
		})
	}
	wg.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenSQLite(path, SQLiteOptions{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := count(t, s2) + int(st.(Dropper).Dropped()); got != workers*each {
		t.Errorf("stored+dropped = %d, want %d", got, workers*each)
	}
}

func BenchmarkPut(b *testing.B) {
	d := mk("r", t0, 403, "waf-blocked", "aaaaaaaaaa", "prod")
	b.Run("memory", func(b *testing.B) {
		m := NewMemory(10000)
		for i := 0; b.Loop(); i++ {
			c := *d
			c.RequestID = fmt.Sprint(i)
			m.Put(&c)
		}
	})
	b.Run("sqlite", func(b *testing.B) {
		s, err := OpenSQLite(filepath.Join(b.TempDir(), "d.db"), SQLiteOptions{QueueSize: 1 << 16})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for i := 0; b.Loop(); i++ {
			c := *d
			c.RequestID = fmt.Sprint(i)
			s.Put(&c)
		}
		b.ReportMetric(float64(s.Dropped()), "dropped")
	})
}
