// This file holds raceEnabled for builds without the race detector.

//go:build !race

package main

const raceEnabled = false
