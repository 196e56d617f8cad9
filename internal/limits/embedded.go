package limits

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// Embedded tuning.
const (
	bucketShards = 64
	quotaShards  = 16
	// FlushInterval is how often Embedded writes quota counters and daily usage to SQLite.
	// A crash (not a Close) loses at most this much counting.
	FlushInterval = time.Second
	// GCInterval is how often Embedded drops buckets that have refilled completely (a full
	// bucket is indistinguishable from one never used, so dropping it changes nothing).
	GCInterval = time.Minute
)

// Embedded is the single-instance Store: token buckets live in a mutex-sharded map in memory
// (they need not survive a restart), quota counters and daily usage are counted in memory and
// written behind, every FlushInterval and on Close, to an SQLite database (WAL mode,
// modernc.org/sqlite) so that quota usage survives a restart (issue #5).
type Embedded struct {
	now     func() time.Time
	seed    maphash.Seed
	buckets [bucketShards]bucketShard
	quotas  [quotaShards]quotaShard
	db      *sql.DB

	flushMu sync.Mutex
	retry   []flushRow // rows a failed flush could not write, written first next time

	done      chan struct{}
	exited    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type bucketShard struct {
	mu sync.Mutex
	m  map[string]*bucketState
}

type bucketState struct {
	tokens float64
	last   int64 // Unix microseconds of the last refill
	rate   float64
	burst  int
}

type quotaShard struct {
	mu      sync.Mutex
	m       map[string]*quotaState
	pending []flushRow // finished days not yet written
}

type quotaState struct {
	q           Quota // last configuration seen (for reporting)
	periodStart int64 // Unix seconds; 0 before the first counted request
	used        int64
	dirty       bool
	day         string
	dayDelta    int64 // admitted requests on day not yet written
	dayRemain   int64
	dayDirty    bool
}

// flushRow is one pending write: a quota counter (day == "") or a day's usage delta.
type flushRow struct {
	plan, key   string
	day         string
	delta       int64
	remaining   int64
	q           Quota
	periodStart int64
	used        int64
}

const embeddedSchemaVersion = 1

const embeddedSchema = `
CREATE TABLE IF NOT EXISTS quota (
	plan         TEXT NOT NULL,
	key_id       TEXT NOT NULL,
	period       TEXT NOT NULL,
	quota_limit  INTEGER NOT NULL,
	quota_offset INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	period_start INTEGER NOT NULL,
	used         INTEGER NOT NULL,
	PRIMARY KEY (plan, key_id)
);
CREATE TABLE IF NOT EXISTS usage (
	plan      TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	day       TEXT NOT NULL,
	used      INTEGER NOT NULL,
	remaining INTEGER NOT NULL,
	PRIMARY KEY (plan, key_id, day)
);
`

// NewEmbedded opens (creating if needed) the SQLite database at dbPath for quota counters and
// daily usage; "" keeps everything in memory. now is the clock for garbage-collecting idle
// buckets (time.Now when nil); Take itself uses the time it is given. Close must be called to
// write the last counts.
func NewEmbedded(dbPath string, now func() time.Time) (*Embedded, error) {
	if now == nil {
		now = time.Now
	}
	dsn := ":memory:"
	if dbPath != "" {
		if strings.ContainsRune(dbPath, '?') {
			return nil, fmt.Errorf("limits: open %s: path must not contain '?'", dbPath)
		}
		dsn = dbPath + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("limits: open %s: %w", dbPath, err)
	}
	// One connection: one writer, and ":memory:" is per connection.
	db.SetMaxOpenConns(1)
	if err := initEmbeddedDB(db, dbPath != ""); err != nil {
		db.Close()
		return nil, fmt.Errorf("limits: open %s: %w", dbPath, err)
	}
	e := &Embedded{
		now:    now,
		seed:   maphash.MakeSeed(),
		db:     db,
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for i := range e.buckets {
		e.buckets[i].m = make(map[string]*bucketState)
	}
	for i := range e.quotas {
		e.quotas[i].m = make(map[string]*quotaState)
	}
	go e.background()
	return e, nil
}

func initEmbeddedDB(db *sql.DB, wal bool) error {
	if wal {
		var mode string
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
			return fmt.Errorf("read journal mode: %w", err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("journal mode is %q, want wal", mode)
		}
	}
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > embeddedSchemaVersion {
		return fmt.Errorf("schema version %d was written by a newer portcullis (this one knows %d)", version, embeddedSchemaVersion)
	}
	if _, err := db.Exec(embeddedSchema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", embeddedSchemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	return nil
}

func (e *Embedded) background() {
	defer close(e.exited)
	flush := time.NewTicker(FlushInterval)
	defer flush.Stop()
	gc := time.NewTicker(GCInterval)
	defer gc.Stop()
	for {
		select {
		case <-e.done:
			return
		case <-flush.C:
			_ = e.flush() // a failed write is kept in e.retry and tried again
		case <-gc.C:
			e.gc(e.now())
		}
	}
}

// gc drops every bucket that has refilled completely by now.
func (e *Embedded) gc(now time.Time) {
	us := now.UnixMicro()
	for i := range e.buckets {
		s := &e.buckets[i]
		s.mu.Lock()
		for k, b := range s.m {
			if refill(b.tokens, us-b.last, b.rate, b.burst) >= float64(b.burst) {
				delete(s.m, k)
			}
		}
		s.mu.Unlock()
	}
}

func (e *Embedded) shardOf(key string, n int) int {
	return int(maphash.String(e.seed, key) % uint64(n))
}

func quotaKey(plan, key string) string { return plan + "\x00" + key }

// Take implements Store.
func (e *Embedded) Take(ctx context.Context, now time.Time, buckets []Bucket, quota *Quota) (Decision, error) {
	d := Decision{Throttled: -1}
	var (
		win quotaWindow
		qs  *quotaShard
		st  *quotaState
	)
	if quota != nil {
		if err := quota.validate(); err != nil {
			return d, err
		}
		var err error
		if win, err = quota.window(now); err != nil {
			return d, err
		}
		qs = &e.quotas[e.shardOf(quotaKey(quota.Plan, quota.KeyID), quotaShards)]
		if st, err = e.loadQuota(ctx, qs, quota); err != nil {
			return d, err
		}
	}

	// Lock the buckets' shards in ascending order (no deadlock), then the quota shard.
	var shardBuf [8]int
	shards := shardBuf[:0]
	for _, b := range buckets {
		shards = append(shards, e.shardOf(b.Key, bucketShards))
	}
	slices.Sort(shards)
	shards = slices.Compact(shards)
	for _, i := range shards {
		e.buckets[i].mu.Lock()
	}
	defer func() {
		for _, i := range shards {
			e.buckets[i].mu.Unlock()
		}
	}()

	us := now.UnixMicro()
	var availBuf [8]float64
	avail := availBuf[:0]
	for i, b := range buckets {
		rate, burst := sanitize(b)
		a, seen := 0.0, false
		for j := range i { // a repeated key continues from its latest earlier occurrence
			if buckets[j].Key == b.Key {
				a, seen = avail[j]-1, true
			}
		}
		if !seen {
			if s := e.buckets[e.shardOf(b.Key, bucketShards)].m[b.Key]; s != nil {
				a = refill(s.tokens, us-s.last, rate, burst)
			} else {
				a = float64(burst)
			}
		}
		avail = append(avail, a)
		if a < 1 {
			d.Throttled = i
			break
		}
	}

	if qs != nil {
		qs.mu.Lock()
		defer qs.mu.Unlock()
		st.q = *quota
		if win.limit >= 0 && st.periodStart != win.start.Unix() {
			st.periodStart, st.used, st.dirty = win.start.Unix(), 0, true
		}
		d.PeriodStart, d.PeriodEnd = win.start, win.end
		d.QuotaExceeded = win.limit >= 0 && st.used >= win.limit
	}
	if d.Throttled >= 0 || d.QuotaExceeded {
		if qs != nil {
			d.QuotaUsed, d.QuotaRemaining = quotaReport(st.used, win.limit)
		}
		return d, nil
	}

	// Commit.
	d.Allowed = true
	for i, b := range buckets {
		rate, burst := sanitize(b)
		m := e.buckets[e.shardOf(b.Key, bucketShards)].m
		s := m[b.Key]
		if s == nil {
			s = &bucketState{last: us}
			m[b.Key] = s
		}
		s.tokens, s.last, s.rate, s.burst = avail[i]-1, max(s.last, us), rate, burst
	}
	if qs != nil {
		if win.limit >= 0 {
			st.used++
			st.dirty = true
		}
		d.QuotaUsed, d.QuotaRemaining = quotaReport(st.used, win.limit)
		day := dayKey(now)
		if st.day != day {
			if st.dayDirty {
				qs.pending = append(qs.pending, st.dayRow())
			}
			st.day, st.dayDelta = day, 0
		}
		st.dayDelta++
		st.dayRemain = d.QuotaRemaining
		st.dayDirty = true
	}
	return d, nil
}

// quotaReport returns (used, remaining) for a counter under an effective limit (-1 =
// unlimited: nothing is counted per period and remaining is -1).
func quotaReport(used, limit int64) (int64, int64) {
	if limit < 0 {
		return 0, -1
	}
	return used, max(limit-used, 0)
}

func (st *quotaState) dayRow() flushRow {
	return flushRow{plan: st.q.Plan, key: st.q.KeyID, day: st.day, delta: st.dayDelta, remaining: st.dayRemain}
}

// loadQuota returns the in-memory state of q's counter, reading it from SQLite the first time.
func (e *Embedded) loadQuota(ctx context.Context, qs *quotaShard, q *Quota) (*quotaState, error) {
	k := quotaKey(q.Plan, q.KeyID)
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if st := qs.m[k]; st != nil {
		return st, nil
	}
	st := &quotaState{q: *q}
	err := e.db.QueryRowContext(ctx, `SELECT period_start, used FROM quota WHERE plan = ? AND key_id = ?`,
		q.Plan, q.KeyID).Scan(&st.periodStart, &st.used)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("limits: load quota %s/%s: %w", q.Plan, q.KeyID, err)
	}
	qs.m[k] = st
	return st, nil
}

// flush writes every changed quota counter and day of usage to SQLite.
func (e *Embedded) flush() error {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	rows := e.retry
	e.retry = nil
	for i := range e.quotas {
		qs := &e.quotas[i]
		qs.mu.Lock()
		rows = append(rows, qs.pending...)
		qs.pending = nil
		for _, st := range qs.m {
			if st.dirty {
				rows = append(rows, flushRow{plan: st.q.Plan, key: st.q.KeyID, q: st.q, periodStart: st.periodStart, used: st.used})
				st.dirty = false
			}
			if st.dayDirty {
				rows = append(rows, st.dayRow())
				st.dayDelta, st.dayDirty = 0, false
			}
		}
		qs.mu.Unlock()
	}
	if len(rows) == 0 {
		return nil
	}
	if err := e.write(rows); err != nil {
		e.retry = rows
		return fmt.Errorf("limits: write quota usage: %w", err)
	}
	return nil
}

func (e *Embedded) write(rows []flushRow) (err error) {
	tx, err := e.db.Begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	for _, r := range rows {
		if r.day == "" {
			_, err = tx.Exec(`INSERT INTO quota (plan, key_id, period, quota_limit, quota_offset, created, period_start, used)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (plan, key_id) DO UPDATE SET period = excluded.period, quota_limit = excluded.quota_limit,
				quota_offset = excluded.quota_offset, created = excluded.created,
				period_start = excluded.period_start, used = excluded.used`,
				r.plan, r.key, r.q.Period, r.q.Limit, r.q.Offset, createdUnix(r.q.Created), r.periodStart, r.used)
		} else {
			_, err = tx.Exec(`INSERT INTO usage (plan, key_id, day, used, remaining) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (plan, key_id, day) DO UPDATE SET used = used + excluded.used, remaining = excluded.remaining`,
				r.plan, r.key, r.day, r.delta, r.remaining)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

func createdUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// Usage implements Store. It first writes pending counts, so it sees every admitted request.
func (e *Embedded) Usage(ctx context.Context, plan, keyID string, from, to time.Time) (map[string][][2]int64, error) {
	days, err := usageDays(from, to)
	if err != nil {
		return nil, err
	}
	if err := e.flush(); err != nil {
		return nil, err
	}
	keys := []string{keyID}
	if keyID == "" {
		if keys, err = e.planKeys(ctx, plan); err != nil {
			return nil, err
		}
	}
	lo, hi := dayKey(days[0].AddDate(0, 0, -lookback)), dayKey(days[len(days)-1])
	items := make(map[string][][2]int64, len(keys))
	for _, k := range keys {
		stored, err := e.storedDays(ctx, plan, k, lo, hi)
		if err != nil {
			return nil, err
		}
		q, err := e.storedQuota(ctx, plan, k)
		if err != nil {
			return nil, err
		}
		items[k] = buildReport(days, stored, q)
	}
	return items, nil
}

func (e *Embedded) planKeys(ctx context.Context, plan string) ([]string, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT key_id FROM usage WHERE plan = ? UNION SELECT key_id FROM quota WHERE plan = ? ORDER BY 1`, plan, plan)
	if err != nil {
		return nil, fmt.Errorf("limits: list keys of plan %s: %w", plan, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("limits: list keys of plan %s: %w", plan, err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("limits: list keys of plan %s: %w", plan, err)
	}
	return keys, nil
}

func (e *Embedded) storedDays(ctx context.Context, plan, key, lo, hi string) (map[string]dayUsage, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT day, used, remaining FROM usage WHERE plan = ? AND key_id = ? AND day BETWEEN ? AND ?`, plan, key, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("limits: read usage %s/%s: %w", plan, key, err)
	}
	defer rows.Close()
	out := make(map[string]dayUsage)
	for rows.Next() {
		var day string
		var u dayUsage
		if err := rows.Scan(&day, &u.used, &u.remaining); err != nil {
			return nil, fmt.Errorf("limits: read usage %s/%s: %w", plan, key, err)
		}
		out[day] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("limits: read usage %s/%s: %w", plan, key, err)
	}
	return out, nil
}

func (e *Embedded) storedQuota(ctx context.Context, plan, key string) (*Quota, error) {
	q := &Quota{Plan: plan, KeyID: key}
	var created int64
	err := e.db.QueryRowContext(ctx, `SELECT period, quota_limit, quota_offset, created FROM quota WHERE plan = ? AND key_id = ?`, plan, key).
		Scan(&q.Period, &q.Limit, &q.Offset, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("limits: read quota %s/%s: %w", plan, key, err)
	}
	if created != 0 {
		q.Created = time.Unix(created, 0).UTC()
	}
	return q, nil
}

// Close stops the background writer, writes the last counts and closes the database.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		close(e.done)
		<-e.exited
		err := e.flush()
		e.closeErr = errors.Join(err, e.db.Close())
	})
	return e.closeErr
}
