//go:build race

package main

// raceEnabled: the tests run with -race, so TestMain builds the binary with -race too and a
// data race inside a served request ends the subprocess with exit status 66.
const raceEnabled = true
