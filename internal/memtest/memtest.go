// Package memtest measures memory for tests and benchmarks that prove a streaming path stays
// bounded (a 200 MB HAR parsed or redacted without holding it).
package memtest

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// PeakHeap runs f while sampling the heap's object bytes (live plus not yet swept) every
// millisecond, and returns the highest sample. It starts from a collected heap.
func PeakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	sample := func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	})
	f()
	sample()
	close(stop)
	wg.Wait()
	return peak.Load()
}
