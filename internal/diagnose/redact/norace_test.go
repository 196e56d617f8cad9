//go:build !race

package redact_test

// largeHARSize is the size of the HAR the bounded-memory test streams (see race_test.go).
const largeHARSize = 200 << 20
