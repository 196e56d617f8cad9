// Package store keeps decision records (internal/decision, DESIGN.md §1) so that
// `portcullis explain` and the admin API can answer "why was request X denied?" after the
// response has been sent.
//
// Three implementations share the Decisions interface: Memory (a bounded ring, O(1) Put),
// SQLite (an embedded, pure-Go database that survives restarts; writes are batched by one
// background goroutine so that Put never waits for disk I/O) and Tiered (memory first, then
// SQLite).
//
// Ownership: Put takes ownership of the *decision.Decision. The caller must not modify it
// afterwards, and callers of Get and List must treat what they receive as read-only (the
// memory store hands out the stored pointer).
package store

import (
	"time"

	"github.com/portcullis/portcullis/internal/decision"
)

// Query limits.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Query selects decisions for List. Zero fields match everything.
type Query struct {
	// Status, when non-zero, keeps only decisions with this HTTP status.
	Status int
	// Cause, when set, keeps only decisions with this cause catalogue ID.
	Cause string
	// APIID, when set, keeps only decisions resolved to this REST API id.
	APIID string
	// Stage, when set, keeps only decisions resolved to this stage.
	Stage string
	// Since, when non-zero, keeps only decisions whose Time is not before it.
	Since time.Time
	// Limit is the maximum number of decisions returned: DefaultLimit when zero or negative,
	// at most MaxLimit.
	Limit int
}

// Normalized returns q with Limit clamped to [1, MaxLimit] (DefaultLimit when unset).
func (q Query) Normalized() Query {
	switch {
	case q.Limit <= 0:
		q.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		q.Limit = MaxLimit
	}
	return q
}

// Match reports whether d satisfies every filter of q (Limit is ignored). A nil d never matches.
func (q Query) Match(d *decision.Decision) bool {
	if d == nil {
		return false
	}
	if q.Status != 0 && d.Status != q.Status {
		return false
	}
	if q.Cause != "" && d.Cause != q.Cause {
		return false
	}
	if q.APIID != "" && d.API.RestAPIID != q.APIID {
		return false
	}
	if q.Stage != "" && d.API.Stage != q.Stage {
		return false
	}
	if !q.Since.IsZero() && d.Time.Before(q.Since) {
		return false
	}
	return true
}

// Decisions stores decision records.
type Decisions interface {
	// Put records d. It never blocks the request path for I/O; a store that cannot keep
	// up drops records and counts them (see Dropper).
	Put(d *decision.Decision)
	// Get returns the decision recorded for requestID.
	Get(requestID string) (*decision.Decision, bool)
	// List returns the decisions matching q, newest first, at most q.Normalized().Limit.
	List(q Query) []*decision.Decision
	// Close flushes pending writes and releases resources.
	Close() error
}

// Dropper is implemented by stores that may drop records under load; Dropped is the number
// dropped since the store was opened. Wire it to metrics.Metrics.WatchDropped.
type Dropper interface {
	Dropped() uint64
}
