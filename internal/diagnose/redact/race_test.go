//go:build race

package redact_test

// largeHARSize: under the race detector every memory access is instrumented, so the
// bounded-memory test streams 40 MB instead of 200 MB; the memory bound is the same.
const largeHARSize = 40 << 20
