// This file holds what the server records about the calls it receives: Call,
// the bounded call log (a ring of the last MaxCalls calls), the overlap,
// in-flight and connection counters, and their reset.

package collectssltest

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/collectssl/collectssl"
)

// MaxCalls is how many calls Server.Calls keeps: the most recent ones.
// Server.CallCount counts every call. Recording a call costs the same
// whether it is the first or the millionth.
const MaxCalls = 1 << 14

// Call is one recorded call to the CollectSSL path (or to another path
// outside the control API: those get HTTP 404 and are recorded too). It is
// recorded before its answer is written, so a client that has its answer
// finds it in Server.Calls.
type Call struct {
	// Time is when the call arrived; Duration how long the server took
	// before it started to answer (reading the request, faults, latency,
	// checks and rendering).
	Time     time.Time
	Duration time.Duration
	Method   string
	// Path is the request's path.
	Path string
	// UserAgent and ContentType are the request's headers of those names.
	UserAgent   string
	ContentType string
	// Form is the form the checks read: the body's parameters and the query
	// string's (see the package documentation for which wins), with names
	// as sent and the value of every parameter whose name may carry the
	// password replaced by "[REDACTED]" (see redact). For a method other
	// than POST it is the query string. It is nil when it was not read
	// (another path, a body that could not be read or was too large).
	Form url.Values
	// Overlapped reports that the call started while another was in flight.
	Overlapped bool
	// Fault is the injected fault (Fault.String), or "".
	Fault string
	// HTTPStatus is the HTTP status sent, 0 when the connection was closed
	// without an answer.
	HTTPStatus int
	// Status is the CollectSSL status code answered; meaningful only when
	// HTTPStatus is 200 and Fault is "", a Delay or a Hold.
	Status collectssl.StatusCode
}

// callLog is a ring of the last MaxCalls calls. Its zero value is empty;
// Server.mu guards it.
type callLog struct {
	ring  []Call // len(ring) <= MaxCalls; once full, next is the oldest
	next  int
	count int
}

// add records c in O(1): it overwrites the oldest entry once the ring is
// full.
func (l *callLog) add(c Call) {
	l.count++
	if len(l.ring) < MaxCalls {
		if len(l.ring) == cap(l.ring) { // grow by doubling, never past MaxCalls
			ring := make([]Call, len(l.ring), min(max(2*cap(l.ring), 64), MaxCalls))
			copy(ring, l.ring)
			l.ring = ring
		}
		l.ring = append(l.ring, c)
		return
	}
	l.ring[l.next] = c
	l.next = (l.next + 1) % MaxCalls
}

// snapshot returns a copy of the kept calls, oldest first, that shares
// nothing with the log.
func (l *callLog) snapshot() []Call {
	out := make([]Call, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	out = append(out, l.ring[:l.next]...)
	for i := range out {
		out[i].Form = cloneValues(out[i].Form)
	}
	return out
}

// counters are the meters of the server, updated without its lock.
type counters struct {
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	overlaps    atomic.Int64
	conns       atomic.Int64
	connGen     atomic.Int64 // bumped by ResetCalls, so that connections count again
}

// enter counts a call coming in and reports whether it overlapped another.
func (c *counters) enter() bool {
	n := c.inFlight.Add(1)
	for m := c.maxInFlight.Load(); n > m && !c.maxInFlight.CompareAndSwap(m, n); m = c.maxInFlight.Load() {
	}
	if n > 1 {
		c.overlaps.Add(1)
		return true
	}
	return false
}

// connMark is the state of one connection for ConnCount. It lives in the
// connection's context (see connContext).
type connMark struct {
	// gen is the generation (connGen+1) in which the connection was last
	// counted; 0 when it is not counted (a control API connection).
	gen atomic.Int64
	// called is set once the connection carries a call.
	called atomic.Bool
}

type connMarkKey struct{}

// connContext counts a connection as it is accepted (before its TLS
// handshake) and gives it its mark; it is the http.Server's ConnContext.
func (c *counters) connContext(ctx context.Context, _ net.Conn) context.Context {
	m := new(connMark)
	m.gen.Store(c.connGen.Load() + 1)
	c.conns.Add(1)
	return context.WithValue(ctx, connMarkKey{}, m)
}

// callOnConn notes that the connection of ctx carries a call, and counts it
// again if it was last counted before a reset (or not at all).
func (c *counters) callOnConn(ctx context.Context) {
	m, ok := ctx.Value(connMarkKey{}).(*connMark)
	if !ok {
		return
	}
	m.called.Store(true)
	if g := c.connGen.Load() + 1; m.gen.Swap(g) != g {
		c.conns.Add(1)
	}
}

// controlOnConn uncounts the connection of ctx when it has carried no call:
// a connection that only carries control API requests is not counted.
func (c *counters) controlOnConn(ctx context.Context) {
	m, ok := ctx.Value(connMarkKey{}).(*connMark)
	if !ok || m.called.Load() {
		return
	}
	if m.gen.CompareAndSwap(c.connGen.Load()+1, 0) {
		c.conns.Add(-1)
	}
}

// Calls returns the recorded calls, oldest first: at most the last MaxCalls.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.snapshot()
}

// CallCount returns how many calls the server has received (since the last
// ResetCalls), including those no longer in Calls.
func (s *Server) CallCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.count
}

// Overlap returns how many calls started while another call was in flight.
// The API asks for one call at a time per account: a correct client scores 0.
func (s *Server) Overlap() int { return int(s.meters.overlaps.Load()) }

// MaxInFlight returns the largest number of calls that were in flight at the
// same time (1 for a correct client that made any call).
func (s *Server) MaxInFlight() int { return int(s.meters.maxInFlight.Load()) }

// InFlight returns how many calls are in the server right now. A call
// leaves it when its answer starts.
func (s *Server) InFlight() int { return int(s.meters.inFlight.Load()) }

// ConnCount returns how many connections the server has accepted (counted
// before the TLS handshake, so a handshake that fails counts), not counting
// those that carried only control API requests. After ResetCalls, a
// connection accepted before counts again when it carries a call.
func (s *Server) ConnCount() int { return max(0, int(s.meters.conns.Load())) }

// ResetCalls empties the call log and sets CallCount, Overlap, MaxInFlight
// and ConnCount to zero (MaxInFlight to the calls in flight, if any); a
// connection counts again when it carries its next call. Orders, queued faults and calls in flight are left alone; a call
// in flight is recorded when it answers.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = callLog{}
	s.meters.overlaps.Store(0)
	s.meters.maxInFlight.Store(s.meters.inFlight.Load())
	s.meters.connGen.Add(1)
	s.meters.conns.Store(0)
}

// record adds c to the log and hands it to Options.OnCall.
func (s *Server) record(c Call) {
	s.mu.Lock()
	s.log.add(c)
	s.mu.Unlock()
	if s.onCall != nil {
		s.onCall(c)
	}
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// redact returns a copy of form with every value whose name may be the
// password replaced: loginPassword by any spelling the checks accept (they
// fold case with strings.ToLower, which maps 'İ' to 'i'), and any other name
// that looks like a password (a client's typo still carries the secret).
func redact(form url.Values) url.Values {
	out := cloneValues(form)
	for k, vs := range out {
		if lk := strings.ToLower(k); strings.Contains(lk, "pass") || strings.Contains(lk, "pwd") {
			for i := range vs {
				vs[i] = "[REDACTED]"
			}
		}
	}
	return out
}
