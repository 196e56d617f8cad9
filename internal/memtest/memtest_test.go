package memtest

import "testing"

var sink []byte

// TestPeakHeap: a 64 MiB allocation kept alive during f shows in the peak.
func TestPeakHeap(t *testing.T) {
	p := PeakHeap(func() { sink = make([]byte, 64<<20); sink[len(sink)-1] = 1 })
	if p < 64<<20 {
		t.Fatalf("peak %d < 64 MiB", p)
	}
	sink = nil
}
