// This file holds raceEnabled for builds with the race detector, so that
// the tests that build the command build it the same way (and reuse the
// packages the test build compiled).

//go:build race

package main

const raceEnabled = true
