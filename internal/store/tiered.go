package store

import (
	"cmp"
	"slices"

	"github.com/portcullis/portcullis/internal/decision"
)

// tiered reads memory first, then SQLite, and writes both.
type tiered struct {
	mem *Memory
	db  *SQLite
}

// NewTiered returns a store that writes every decision to mem and db, and reads mem first:
// recent decisions are served without touching the disk (even before their batch is written),
// older ones from db. With a nil db it returns mem. The result implements Dropper.
func NewTiered(mem *Memory, db *SQLite) Decisions {
	if mem == nil {
		mem = NewMemory(0)
	}
	if db == nil {
		return mem
	}
	return &tiered{mem: mem, db: db}
}

func (t *tiered) Put(d *decision.Decision) {
	t.mem.Put(d)
	t.db.Put(d)
}

func (t *tiered) Get(requestID string) (*decision.Decision, bool) {
	if d, ok := t.mem.Get(requestID); ok {
		return d, true
	}
	if d, ok := t.db.Get(requestID); ok {
		return d, true
	}
	// The record may have left the ring while still queued for SQLite: write the queue out and
	// look once more (only misses pay for this).
	if err := t.db.Flush(); err != nil {
		return nil, false
	}
	return t.db.Get(requestID)
}

// List merges both tiers: the union, without duplicates (memory's copy wins), newest Time
// first, at most the limit.
func (t *tiered) List(q Query) []*decision.Decision {
	q = q.Normalized()
	out := t.mem.List(q)
	seen := make(map[string]bool, len(out))
	for _, d := range out {
		seen[d.RequestID] = true
	}
	for _, d := range t.db.List(q) {
		if !seen[d.RequestID] {
			seen[d.RequestID] = true
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b *decision.Decision) int { return cmp.Compare(nanos(b.Time), nanos(a.Time)) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func (t *tiered) Dropped() uint64 { return t.db.Dropped() }

func (t *tiered) Close() error { return t.db.Close() }
