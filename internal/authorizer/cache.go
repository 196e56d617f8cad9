package authorizer

import (
	"container/list"
	"sync"
	"time"
)

// cache is the authorizer result cache: bounded (least recently used entries are evicted),
// safe for concurrent use, and single-flight — while one request invokes the authorizer for a
// key, the others with that key wait for its outcome instead of invoking again.
type cache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*entry
	lru     *list.List // of *entry; front = most recently used; only completed entries
}

type entry struct {
	key     string
	done    chan struct{} // closed when the flight completes
	out     Outcome       // valid after done
	expires time.Time
	elem    *list.Element // nil while in flight or once removed
}

func (e *entry) wait() Outcome {
	<-e.done
	return e.out
}

// newCache returns a cache bounded to max entries, or nil when max < 0 (no caching).
func newCache(max int) *cache {
	if max < 0 {
		return nil
	}
	return &cache{max: max, entries: map[string]*entry{}, lru: list.New()}
}

// acquire returns the entry for key. leader is true when the caller must invoke the
// authorizer and then call complete; otherwise the entry is in flight or holds an unexpired
// outcome, and the caller waits on it.
func (c *cache) acquire(key string, now time.Time) (e *entry, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		if e.elem == nil { // in flight
			return e, false
		}
		if now.Before(e.expires) {
			c.lru.MoveToFront(e.elem)
			return e, false
		}
		c.lru.Remove(e.elem)
		delete(c.entries, key)
	}
	e = &entry{key: key, done: make(chan struct{})}
	c.entries[key] = e
	return e, true
}

// complete publishes the leader's outcome to the waiters and, when keep is true, caches it
// until expires.
func (c *cache) complete(key string, e *entry, out Outcome, keep bool, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.out = out.copy()
	e.expires = expires
	close(e.done)
	if c.entries[key] != e {
		return
	}
	if !keep || c.max == 0 {
		delete(c.entries, key)
		return
	}
	e.elem = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*entry)
		delete(c.entries, old.key)
	}
}

// len reports the number of cached (completed) entries.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
