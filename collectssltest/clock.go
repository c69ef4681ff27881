// This file holds the server's clock: the waits of Options.Latency and of
// Delay faults end at their deadlines, not on Go's millisecond grid.

package collectssltest

import (
	"sync"
	"time"
)

// clock ends waits at their deadlines. Go's own timers are coarse on Linux:
// the netpoller waits for them with epoll_wait, whose timeout is in whole
// milliseconds (what is left of a wait is truncated, and then a last
// millisecond is waited whole), so a 20 ms time.Timer fires up to a
// millisecond late, and the timers due within one millisecond fire together.
// A server whose every answer is late by that much is slower than its
// Latency says, and pollers that start together stay bunched round after
// round. Where the platform has an alarm the netpoller itself waits for
// (Linux's timerfd), clock keeps its waits in deadline order and sets the
// alarm for the first: a wait ends never before its deadline and, while the
// runtime has a core to spare, tens of microseconds after it (66 µs on
// average for a wait of 2 ms, BenchmarkClockLateness). With every core
// busy it can be later than a time.Timer: the runtime looks at the
// netpoller only when it has nothing else to run, or every 10 ms.
// Elsewhere, or when the alarm fails, each wait is a time.AfterFunc. A wait
// whose caller gives up stays queued until its deadline (or close): the
// server's waits are bounded by Latency and the Delay faults queued.
//
// Its zero value is ready to use: the alarm and the goroutine that waits
// for it start with the first wait.
type clock struct {
	// newAlarm, when not nil, replaces platformAlarm (the tests' failing
	// alarms).
	newAlarm func() (alarm, error)

	mu      sync.Mutex
	started bool
	closed  bool
	alarm   alarm                         // nil: time.AfterFunc
	waits   []timedWait                   // by deadline; only with an alarm
	timers  map[chan struct{}]*time.Timer // the waits on time.AfterFunc
	done    chan struct{}
}

// alarm is a timer of the platform that a goroutine waits for through the
// netpoller.
type alarm interface {
	// set makes the alarm go off d from now (d > 0), in place of what it
	// was set to.
	set(d time.Duration) error
	// wait blocks until the alarm goes off, or fails once it is closed.
	wait() error
	close() error
}

// timedWait is one wait: ch is closed at the deadline at.
type timedWait struct {
	at time.Time
	ch chan struct{}
}

// after returns a channel that is closed d from now (at once if d <= 0 or
// once the clock is closed).
func (c *clock) after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	if d <= 0 {
		close(ch)
		return ch
	}
	at := time.Now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		close(ch)
		return ch
	case !c.started:
		c.startLocked()
	}
	if c.alarm == nil {
		c.afterFuncLocked(timedWait{at: at, ch: ch})
		return ch
	}
	i := len(c.waits) // waits mostly come in deadline order: look from the end
	for i > 0 && c.waits[i-1].at.After(at) {
		i--
	}
	c.waits = append(c.waits, timedWait{})
	copy(c.waits[i+1:], c.waits[i:])
	c.waits[i] = timedWait{at: at, ch: ch}
	if i == 0 {
		if err := c.alarm.set(time.Until(at)); err != nil {
			c.abandonLocked()
		}
	}
	return ch
}

// startLocked makes the alarm and starts the goroutine that waits for it,
// or leaves the clock to time.AfterFunc if there is no alarm.
func (c *clock) startLocked() {
	c.started = true
	newAlarm := c.newAlarm
	if newAlarm == nil {
		newAlarm = platformAlarm
	}
	a, err := newAlarm()
	if err != nil {
		return
	}
	c.alarm = a
	c.done = make(chan struct{})
	go c.run(a)
}

// run ends the waits that are due each time the alarm goes off, until the
// alarm fails or is closed.
func (c *clock) run(a alarm) {
	defer close(c.done)
	for a.wait() == nil {
		c.fire()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.alarm == a { // it failed: not closed by abandonLocked
		c.abandonLocked()
	}
}

// fire ends the waits that are due and sets the alarm for the next.
func (c *clock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.alarm == nil {
		return
	}
	now := time.Now()
	n := 0
	for n < len(c.waits) && !c.waits[n].at.After(now) {
		close(c.waits[n].ch)
		n++
	}
	rest := copy(c.waits, c.waits[n:])
	clear(c.waits[rest:])
	c.waits = c.waits[:rest]
	if rest > 0 {
		if err := c.alarm.set(c.waits[0].at.Sub(now)); err != nil {
			c.abandonLocked()
		}
	}
}

// abandonLocked closes the alarm and hands its waits to time.AfterFunc;
// later waits use time.AfterFunc. Once the clock is closed, it ends every
// wait instead.
func (c *clock) abandonLocked() {
	if c.alarm != nil {
		c.alarm.close()
		c.alarm = nil
	}
	for _, w := range c.waits {
		c.afterFuncLocked(w)
	}
	c.waits = nil
	if c.closed {
		for ch, t := range c.timers {
			t.Stop()
			close(ch)
		}
		clear(c.timers)
	}
}

// afterFuncLocked ends w on a time.AfterFunc, unless the clock closes
// first.
func (c *clock) afterFuncLocked(w timedWait) {
	if c.timers == nil {
		c.timers = map[chan struct{}]*time.Timer{}
	}
	c.timers[w.ch] = time.AfterFunc(time.Until(w.at), func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.timers[w.ch]; ok { // not ended by close
			delete(c.timers, w.ch)
			close(w.ch)
		}
	})
}

// close ends every wait, present and to come, and returns once the
// goroutine that waited for the alarm has.
func (c *clock) close() {
	c.mu.Lock()
	c.closed = true
	c.abandonLocked()
	done := c.done
	c.mu.Unlock()
	if done != nil {
		<-done
	}
}
