package store

import (
	"sync"

	"github.com/portcullis/portcullis/internal/decision"
)

// DefaultMemoryMax is the capacity NewMemory uses when given zero or less.
const DefaultMemoryMax = 10000

// Memory is a bounded in-memory ring of decisions, indexed by request id. Put is O(1): when the
// ring is full the oldest decision is evicted. It is safe for concurrent use.
type Memory struct {
	mu   sync.RWMutex
	ring []*decision.Decision // slot i holds a decision or nil (evicted by a newer Put of the same id)
	next int                  // slot the next Put writes
	n    int                  // number of slots ever written, capped at len(ring)
	byID map[string]int       // request id → slot
}

// NewMemory returns a ring that keeps the max most recent decisions (DefaultMemoryMax when
// max <= 0).
func NewMemory(max int) *Memory {
	if max <= 0 {
		max = DefaultMemoryMax
	}
	return &Memory{ring: make([]*decision.Decision, max), byID: make(map[string]int, max)}
}

// Put records d, evicting the oldest decision when the ring is full. A second Put with the
// same request id replaces the first. A nil d is ignored.
func (m *Memory) Put(d *decision.Decision) {
	if d == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.ring[m.next]; old != nil {
		if slot, ok := m.byID[old.RequestID]; ok && slot == m.next {
			delete(m.byID, old.RequestID)
		}
	}
	if slot, ok := m.byID[d.RequestID]; ok {
		m.ring[slot] = nil // replaced: the newer copy lives at m.next
	}
	m.ring[m.next] = d
	m.byID[d.RequestID] = m.next
	m.next = (m.next + 1) % len(m.ring)
	if m.n < len(m.ring) {
		m.n++
	}
}

// Get returns the decision recorded for requestID, if it is still in the ring.
func (m *Memory) Get(requestID string) (*decision.Decision, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	slot, ok := m.byID[requestID]
	if !ok {
		return nil, false
	}
	return m.ring[slot], true
}

// List returns the decisions matching q, most recently Put first.
func (m *Memory) List(q Query) []*decision.Decision {
	q = q.Normalized()
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*decision.Decision, 0, min(q.Limit, m.n))
	for i := 1; i <= m.n && len(out) < q.Limit; i++ {
		d := m.ring[(m.next-i+len(m.ring))%len(m.ring)]
		if q.Match(d) {
			out = append(out, d)
		}
	}
	return out
}

// Len returns the number of decisions held.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.byID)
}

// Dropped returns 0: the ring never drops a decision (it evicts the oldest). It makes every
// Decisions returned by this package a Dropper.
func (m *Memory) Dropped() uint64 { return 0 }

// Close does nothing; it exists to satisfy Decisions.
func (m *Memory) Close() error { return nil }
