//go:build !race

package main

// raceEnabled: see race_e2e_test.go.
const raceEnabled = false
