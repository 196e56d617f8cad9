package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portcullis/portcullis/internal/decision"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// SQLite defaults.
const (
	DefaultMaxRecords    = 100000
	DefaultMaxAge        = 7 * 24 * time.Hour
	DefaultBatchSize     = 256
	DefaultFlushInterval = 100 * time.Millisecond
	DefaultQueueSize     = 8192
	DefaultPruneInterval = time.Minute
)

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 1

// ErrClosed is returned by operations on a closed SQLite store.
var ErrClosed = errors.New("decision store is closed")

// SQLiteOptions configures OpenSQLite. Zero values take the defaults above; a negative
// MaxRecords or MaxAge disables that pruning rule.
type SQLiteOptions struct {
	// MaxRecords is the number of decisions kept (newest first); default 100000.
	MaxRecords int
	// MaxAge is how long a decision is kept, measured from its Time; default 7 days.
	MaxAge time.Duration
	// BatchSize is the most decisions written in one transaction; default 256.
	BatchSize int
	// FlushInterval is how long a partial batch may wait before it is written; default 100ms.
	FlushInterval time.Duration
	// QueueSize bounds the decisions waiting to be written; when it is full Put drops the
	// decision and counts it (Dropped). Default 8192.
	QueueSize int
	// PruneInterval is how often MaxRecords and MaxAge are enforced; default 1 minute.
	// Pruning also runs at open.
	PruneInterval time.Duration
	// Now is the clock used for MaxAge; default time.Now.
	Now func() time.Time
}

func (o SQLiteOptions) withDefaults() SQLiteOptions {
	if o.MaxRecords == 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = DefaultPruneInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// SQLite stores decisions in an SQLite database file (WAL mode, via the pure-Go
// modernc.org/sqlite driver), so that they survive a restart of the gateway. Put only enqueues;
// a single writer goroutine inserts in batched transactions and prunes old records. Get and List
// read the file directly, so they see a decision once its batch has been written (see Flush).
type SQLite struct {
	db      *sql.DB
	opts    SQLiteOptions
	queue   chan item
	done    chan struct{} // closed by Close
	exited  chan struct{} // closed when the writer goroutine returns
	dropped atomic.Uint64

	closeOnce sync.Once
	closeErr  error

	errMu    sync.Mutex
	writeErr error // first write error since the last Flush
}

// item is one unit of work for the writer goroutine: a decision to insert, or a request to
// write everything queued so far (and prune, when prune is set) and report on reply.
type item struct {
	d     *decision.Decision
	prune bool
	reply chan error
}

const schema = `
CREATE TABLE IF NOT EXISTS decisions (
	request_id TEXT PRIMARY KEY,
	time       INTEGER NOT NULL,
	status     INTEGER NOT NULL,
	cause      TEXT NOT NULL,
	api_id     TEXT NOT NULL,
	stage      TEXT NOT NULL,
	json       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions(time);
CREATE INDEX IF NOT EXISTS decisions_status_time ON decisions(status, time);
CREATE INDEX IF NOT EXISTS decisions_cause_time ON decisions(cause, time);
CREATE INDEX IF NOT EXISTS decisions_api_stage_time ON decisions(api_id, stage, time);
`

// OpenSQLite opens (creating if needed) the decision database at path, prunes it and starts
// the writer goroutine. Close must be called to flush pending writes.
func OpenSQLite(path string, opts SQLiteOptions) (*SQLite, error) {
	s, err := openSQLite(path, opts)
	if err != nil {
		return nil, err
	}
	go s.writer()
	return s, nil
}

// openSQLite opens the database without starting the writer goroutine.
func openSQLite(path string, opts SQLiteOptions) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open decision store: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open decision store %s: path must not contain '?'", path)
	}
	opts = opts.withDefaults()
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open decision store %s: %w", path, err)
	}
	s := &SQLite{
		db:     db,
		opts:   opts,
		queue:  make(chan item, opts.QueueSize),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open decision store %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLite) init() error {
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	var version int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > schemaVersion {
		return fmt.Errorf("schema version %d was written by a newer portcullis (this one knows %d)", version, schemaVersion)
	}
	if _, err := s.db.Exec(schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	return s.prune()
}

// Put enqueues d for writing. It never waits: when the queue is full, or the store is closed,
// d is dropped and counted in Dropped.
func (s *SQLite) Put(d *decision.Decision) {
	if d == nil {
		return
	}
	select {
	case <-s.done:
		s.dropped.Add(1)
		return
	default:
	}
	select {
	case s.queue <- item{d: d}:
	default:
		s.dropped.Add(1)
	}
}

// Dropped returns the number of decisions not stored: queue full, store closed, or a failed
// write.
func (s *SQLite) Dropped() uint64 { return s.dropped.Load() }

// Flush waits until every decision enqueued before the call is written and returns the first
// write error since the previous Flush.
func (s *SQLite) Flush() error { return s.request(false) }

// Prune writes pending decisions, then deletes decisions older than MaxAge and all but the
// newest MaxRecords.
func (s *SQLite) Prune() error { return s.request(true) }

func (s *SQLite) request(prune bool) error {
	reply := make(chan error, 1)
	select {
	case s.queue <- item{prune: prune, reply: reply}:
	case <-s.done:
		return ErrClosed
	}
	select {
	case err := <-reply:
		return err
	case <-s.exited:
		select {
		case err := <-reply:
			return err
		default:
			return ErrClosed
		}
	}
}

// writer is the only goroutine that writes to the database.
func (s *SQLite) writer() {
	defer close(s.exited)
	flush := time.NewTicker(s.opts.FlushInterval)
	defer flush.Stop()
	prune := time.NewTicker(s.opts.PruneInterval)
	defer prune.Stop()
	batch := make([]*decision.Decision, 0, s.opts.BatchSize)
	write := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.insert(batch); err != nil {
			s.dropped.Add(uint64(len(batch)))
			s.noteErr(err)
		}
		clear(batch)
		batch = batch[:0]
	}
	handle := func(it item) {
		if it.reply == nil {
			batch = append(batch, it.d)
			if len(batch) >= s.opts.BatchSize {
				write()
			}
			return
		}
		write()
		if it.prune {
			s.noteErr(s.prune())
		}
		it.reply <- s.takeErr()
	}
	for {
		select {
		case it := <-s.queue:
			handle(it)
		case <-flush.C:
			write()
		case <-prune.C:
			write()
			s.noteErr(s.prune())
		case <-s.done:
			for {
				select {
				case it := <-s.queue:
					handle(it)
				default:
					write()
					return
				}
			}
		}
	}
}

func (s *SQLite) noteErr(err error) {
	if err == nil {
		return
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.writeErr == nil {
		s.writeErr = err
	}
}

func (s *SQLite) takeErr() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	err := s.writeErr
	s.writeErr = nil
	return err
}

// insert writes batch in one transaction. A decision that cannot be encoded is dropped and
// counted; the rest are still written.
func (s *SQLite) insert(batch []*decision.Decision) (err error) {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("write decisions: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	stmt, err := tx.Prepare(`INSERT OR REPLACE INTO decisions (request_id, time, status, cause, api_id, stage, json) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("write decisions: %w", err)
	}
	defer stmt.Close()
	for _, d := range batch {
		js, err := json.Marshal(d)
		if err != nil {
			s.dropped.Add(1)
			s.noteErr(fmt.Errorf("encode decision %s: %w", d.RequestID, err))
			continue
		}
		if _, err := stmt.Exec(d.RequestID, nanos(d.Time), d.Status, d.Cause, d.API.RestAPIID, d.API.Stage, js); err != nil {
			return fmt.Errorf("write decision %s: %w", d.RequestID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write decisions: %w", err)
	}
	return nil
}

func (s *SQLite) prune() error {
	if s.opts.MaxAge > 0 {
		cutoff := nanos(s.opts.Now().Add(-s.opts.MaxAge))
		if _, err := s.db.Exec(`DELETE FROM decisions WHERE time < ?`, cutoff); err != nil {
			return fmt.Errorf("prune decisions by age: %w", err)
		}
	}
	if s.opts.MaxRecords > 0 {
		if _, err := s.db.Exec(`DELETE FROM decisions WHERE rowid IN (
			SELECT rowid FROM decisions ORDER BY time DESC, rowid DESC LIMIT -1 OFFSET ?)`, s.opts.MaxRecords); err != nil {
			return fmt.Errorf("prune decisions by count: %w", err)
		}
	}
	return nil
}

// Get returns the decision recorded for requestID once it has been written.
func (s *SQLite) Get(requestID string) (*decision.Decision, bool) {
	var js []byte
	err := s.db.QueryRow(`SELECT json FROM decisions WHERE request_id = ?`, requestID).Scan(&js)
	if err != nil {
		return nil, false
	}
	d := new(decision.Decision)
	if err := json.Unmarshal(js, d); err != nil {
		return nil, false
	}
	return d, true
}

// List returns the written decisions matching q, newest (by Time) first. Read errors yield
// an empty result; use ListContext to see them.
func (s *SQLite) List(q Query) []*decision.Decision {
	out, _ := s.ListContext(context.Background(), q)
	return out
}

// ListContext is List with a context and an error.
func (s *SQLite) ListContext(ctx context.Context, q Query) ([]*decision.Decision, error) {
	q = q.Normalized()
	var where []string
	var args []any
	if q.Status != 0 {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.Cause != "" {
		where, args = append(where, "cause = ?"), append(args, q.Cause)
	}
	if q.APIID != "" {
		where, args = append(where, "api_id = ?"), append(args, q.APIID)
	}
	if q.Stage != "" {
		where, args = append(where, "stage = ?"), append(args, q.Stage)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, nanos(q.Since))
	}
	query := "SELECT json FROM decisions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY time DESC, rowid DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	defer rows.Close()
	out := make([]*decision.Decision, 0, min(q.Limit, 64))
	for rows.Next() {
		var js []byte
		if err := rows.Scan(&js); err != nil {
			return out, fmt.Errorf("list decisions: %w", err)
		}
		d := new(decision.Decision)
		if err := json.Unmarshal(js, d); err != nil {
			return out, fmt.Errorf("list decisions: decode: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("list decisions: %w", err)
	}
	return out, nil
}

// Count returns the number of decisions written.
func (s *SQLite) Count() (int, error) {
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM decisions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count decisions: %w", err)
	}
	return n, nil
}

// Close writes every queued decision, stops the writer and closes the database. It returns
// the first write error not yet reported by Flush. Calling Close again returns the same result.
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		<-s.exited
		s.closeErr = errors.Join(s.takeErr(), s.db.Close())
	})
	return s.closeErr
}

// nanos maps t to an orderable integer: Unix nanoseconds, clamped for times outside the
// int64 nanosecond range (years 1678–2262), such as the zero Time.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}
