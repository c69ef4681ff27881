// This file tests the server's clock from inside the package: waits end in
// deadline order and never early, with the platform's alarm, without one,
// and when the alarm fails; a wait earlier than the others sets the alarm;
// closing ends every wait. BenchmarkClockLateness measures how late a wait
// ends, beside a time.Timer.

package collectssltest

import (
	"errors"
	"runtime"
	"slices"
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

func clocks() []struct {
	name     string
	newAlarm func() (alarm, error)
} {
	broken := func(setErr, waitErr error) func() (alarm, error) {
		return func() (alarm, error) {
			return &brokenAlarm{setErr: setErr, waitErr: waitErr, closed: make(chan struct{})}, nil
		}
	}
	return []struct {
		name     string
		newAlarm func() (alarm, error)
	}{
		{"platform", nil},
		{"no alarm", noAlarm},
		{"alarm that cannot be set", broken(errors.New("set"), nil)},
		{"alarm that cannot be waited for", broken(nil, errors.New("wait"))},
	}
}

func TestClockWaitsEndInDeadlineOrder(t *testing.T) {
	for _, tc := range clocks() {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{newAlarm: tc.newAlarm}
			defer c.close()
			// Deadlines 10 ms apart, to check their order, and two 1 ms
			// after others, to see a wait that ends early.
			ms := time.Millisecond
			delays := []time.Duration{40 * ms, 10 * ms, 30 * ms, 0, 20 * ms, -time.Second, 21 * ms, 11 * ms}
			start := time.Now()
			var (
				mu    sync.Mutex
				order []time.Duration
				wg    sync.WaitGroup
			)
			for _, d := range delays {
				ch := c.after(d)
				wg.Go(func() {
					select {
					case <-ch:
					case <-time.After(10 * time.Second):
						t.Errorf("a wait of %v has not ended after 10 s", d)
						return
					}
					if took := time.Since(start); took < d {
						t.Errorf("a wait of %v ended after %v", d, took)
					}
					mu.Lock()
					order = append(order, max(d, 0)/(10*ms))
					mu.Unlock()
				})
			}
			wg.Wait()
			// Within 10 ms, in either order.
			if !slices.IsSorted(order) || len(order) != len(delays) {
				t.Errorf("waits ended in the order %v (tens of ms), want their deadlines'", order)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if tc.name == "platform" && runtime.GOOS == "linux" && c.alarm == nil {
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
//	go test -run '^$' -bench ClockLateness -benchtime 500x -count 6 ./collectssltest
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
