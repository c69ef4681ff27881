// This file tests the server's clock from inside the package: waits end in
// deadline order and never early, with the platform's alarm, without one,
// and when the alarm fails; a wait earlier than the others sets the alarm;
// closing ends every wait. BenchmarkClockLateness measures how late a wait
// ends, beside a time.Timer.

package collectssltest

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// noAlarm leaves a clock to time.AfterFunc.
func noAlarm() (alarm, error) { return nil, errors.New("no alarm") }

// brokenAlarm fails the way its fields say; a wait that does not fail
// blocks until close.
type brokenAlarm struct {
	setErr, waitErr error
	closed          chan struct{}
	once            sync.Once
}

func (a *brokenAlarm) set(time.Duration) error { return a.setErr }
func (a *brokenAlarm) wait() error {
	if a.waitErr != nil {
		return a.waitErr
	}
	<-a.closed
	return errors.New("closed")
}
func (a *brokenAlarm) close() error { a.once.Do(func() { close(a.closed) }); return nil }

// testClock is one way a clock can run, for the tests.
type testClock struct {
	name     string
	newAlarm func() (alarm, error)
	// alarmed: the waits end on the alarm, in deadline order, where the
	// platform has one (on time.AfterFunc, each timer's function runs in a
	// goroutine of its own, which the scheduler may start in any order).
	alarmed bool
}

func clocks() []testClock {
	broken := func(setErr, waitErr error) func() (alarm, error) {
		return func() (alarm, error) {
			return &brokenAlarm{setErr: setErr, waitErr: waitErr, closed: make(chan struct{})}, nil
		}
	}
	return []testClock{
		{"platform", nil, runtime.GOOS == "linux"},
		{"no alarm", noAlarm, false},
		{"alarm that cannot be set", broken(errors.New("set"), nil), false},
		{"alarm that cannot be waited for", broken(nil, errors.New("wait")), false},
	}
}

// TestClockWaitsEndInDeadlineOrder: every wait ends, none before its
// deadline, and on the alarm none before a wait due earlier: when a wait's
// channel is seen closed, those of every earlier deadline already are
// (which does not depend on when the receivers run).
func TestClockWaitsEndInDeadlineOrder(t *testing.T) {
	for _, tc := range clocks() {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{newAlarm: tc.newAlarm}
			defer c.close()
			// Deadlines 10 ms apart, and two 1 ms after others, to see a
			// wait that ends early.
			ms := time.Millisecond
			delays := []time.Duration{40 * ms, 10 * ms, 30 * ms, 0, 20 * ms, -time.Second, 21 * ms, 11 * ms}
			chans := make([]<-chan struct{}, len(delays))
			start := time.Now()
			for i, d := range delays {
				chans[i] = c.after(d)
			}
			var wg sync.WaitGroup
			for i, d := range delays {
				wg.Go(func() {
					select {
					case <-chans[i]:
					case <-time.After(10 * time.Second):
						t.Errorf("a wait of %v has not ended after 10 s", d)
						return
					}
					if took := time.Since(start); took < d {
						t.Errorf("a wait of %v ended after %v", d, took)
					}
					if !tc.alarmed {
						return
					}
					for j, e := range delays {
						if max(e, 0) >= max(d, 0) {
							continue
						}
						select {
						case <-chans[j]:
						default:
							t.Errorf("the wait of %v ended before that of %v", d, e)
						}
					}
				})
			}
			wg.Wait()
			c.mu.Lock()
			defer c.mu.Unlock()
			if tc.alarmed && c.alarm == nil {
				t.Error("on Linux the clock went without its timerfd")
			}
		})
	}
}

// TestClockEarlierWaitSetsTheAlarm: a wait due before those already
// waiting moves the alarm forward.
func TestClockEarlierWaitSetsTheAlarm(t *testing.T) {
	for _, tc := range clocks() {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{newAlarm: tc.newAlarm}
			defer c.close()
			late := c.after(time.Hour)
			select {
			case <-c.after(time.Millisecond):
			case <-time.After(10 * time.Second):
				t.Fatal("a 1 ms wait behind a 1 h one has not ended after 10 s")
			}
			select {
			case <-late:
				t.Fatal("the 1 h wait ended with the 1 ms one")
			default:
			}
		})
	}
}

// TestClockClose: closing ends the waits at once, the waits after it too,
// and the goroutine that waited for the alarm.
func TestClockClose(t *testing.T) {
	for _, tc := range clocks() {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{newAlarm: tc.newAlarm}
			before := c.after(time.Hour)
			c.close()
			after := c.after(time.Hour)
			for name, ch := range map[string]<-chan struct{}{"before": before, "after": after} {
				select {
				case <-ch:
				default:
					t.Errorf("a wait of an hour begun %s close has not ended", name)
				}
			}
			if c.done != nil {
				select {
				case <-c.done:
				default:
					t.Error("close returned before the alarm's goroutine")
				}
			}
		})
	}
}

// BenchmarkClockLateness: how long after its deadline a wait of 2 ms ends,
// on the clock and on a time.Timer, alternately (metric late-us/wait).
//
//	go test -run '^$' -bench ClockLateness -benchtime 500x -count 4 ./collectssltest
func BenchmarkClockLateness(b *testing.B) {
	const d = 2 * time.Millisecond
	var c clock
	defer c.close()
	var late [2]time.Duration
	for it := 0; b.Loop(); it++ {
		for k := range 2 {
			side := (k + it) % 2
			start := time.Now()
			if side == 0 {
				<-c.after(d)
			} else {
				<-time.After(d)
			}
			late[side] += time.Since(start) - d
		}
	}
	b.ReportMetric(float64(late[0].Microseconds())/float64(b.N), "late-us/wait")
	b.ReportMetric(float64(late[1].Microseconds())/float64(b.N), "timer-late-us/wait")
}
