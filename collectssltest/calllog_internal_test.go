// This file tests and measures the call log from inside the package: it
// keeps the last MaxCalls calls in order and counts them all, and recording
// costs the same at any count (BenchmarkRecord).

package collectssltest

import (
	"testing"
	"time"
)

func TestCallLogIsBounded(t *testing.T) {
	var l callLog
	const extra = 5
	for i := range MaxCalls + extra {
		l.add(Call{HTTPStatus: i})
	}
	got := l.snapshot()
	if len(got) != MaxCalls || l.count != MaxCalls+extra {
		t.Fatalf("kept %d calls, counted %d; want %d and %d", len(got), l.count, MaxCalls, MaxCalls+extra)
	}
	for i, c := range got {
		if want := i + extra; c.HTTPStatus != want {
			t.Fatalf("call %d is number %d, want %d (oldest first)", i, c.HTTPStatus, want)
		}
	}
	if cap(l.ring) > MaxCalls {
		t.Errorf("the ring grew to %d, want at most %d", cap(l.ring), MaxCalls)
	}
}

// BenchmarkRecord records a call after 1,000 and after 1,000,000 calls: the
// ring costs the same at both (the slice it replaced shifted 16,383 calls
// on every call past the 16,384th).
func BenchmarkRecord(b *testing.B) {
	c := Call{Time: time.Now(), Method: "POST", Path: Path, HTTPStatus: 200}
	for _, at := range []struct {
		name string
		n    int
	}{{"at=1k", 1_000}, {"at=1M", 1_000_000}} {
		b.Run(at.name, func(b *testing.B) {
			var l callLog
			for range at.n {
				l.add(c)
			}
			for b.Loop() {
				l.add(c)
			}
		})
	}
}
