// This file holds Fault, the failures Server.FailNext injects for testing a
// client's retries, timeouts, redirects and limits, and how each is served.

package collectssltest

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure the server serves instead of (or before) an answer; see
// Server.FailNext. Make one with the functions below; the zero Fault answers
// normally.
//
// The faults that wait (Delay, Hold, StalledBody) do so after the server has
// read the request, so they end early when the client goes away, and when
// the server closes.
type Fault struct {
	kind        faultKind
	code        int             // faultHTTPStatus, faultRedirect
	delay       time.Duration   // faultDelay, faultTooMany (Retry-After)
	release     <-chan struct{} // faultHold, faultStall
	size        int64           // faultOversized
	contentType string          // faultRaw, faultHTTPStatus (when body != nil)
	body        []byte          // faultRaw, faultHTTPStatus (when not nil)
	location    string          // faultRedirect
}

type faultKind int

const (
	faultNone faultKind = iota
	faultHTTPStatus
	faultClose
	faultTruncate
	faultEmpty
	faultHTML
	faultOversized
	faultDelay
	faultRaw
	faultHold
	faultTooMany
	faultRedirect
	faultStall
)

// HTTPError answers with the HTTP status code (500, 503, ...) and a short
// text body, as a failing load balancer does.
func HTTPError(code int) Fault { return Fault{kind: faultHTTPStatus, code: code} }

// HTTPErrorPage answers with the HTTP status code and exactly this
// Content-Type and body: a load balancer's HTML 503 page, say.
func HTTPErrorPage(code int, contentType string, body []byte) Fault {
	return Fault{kind: faultHTTPStatus, code: code, contentType: contentType, body: append([]byte{}, body...)}
}

// TooManyRequests answers HTTP 429 with a Retry-After header of
// retryAfter in whole seconds (rounded up; none when retryAfter <= 0).
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{kind: faultTooMany, delay: retryAfter}
}

// Redirect answers with the redirect status code (301, 302, 303, 307, 308)
// and this Location, as a moved endpoint or a captive portal does.
func Redirect(code int, location string) Fault {
	return Fault{kind: faultRedirect, code: code, location: location}
}

// CloseConnection closes the connection without answering.
func CloseConnection() Fault { return Fault{kind: faultClose} }

// TruncatedBody answers 200 with a Content-Length of a whole status-0 body,
// sends half of it and closes the connection.
func TruncatedBody() Fault { return Fault{kind: faultTruncate} }

// StalledBody answers 200 with a Content-Length of a whole status-0 body,
// sends half of it, and then sends nothing until release is closed (nil:
// never), the client goes away or the server closes; then it closes the
// connection with the body short. It tests a client's read timeout.
func StalledBody(release <-chan struct{}) Fault { return Fault{kind: faultStall, release: release} }

// EmptyBody answers 200 with no body.
func EmptyBody() Fault { return Fault{kind: faultEmpty} }

// HTMLPage answers 200 with an HTML page, as a proxy's or a captive portal's
// error page does.
func HTMLPage() Fault { return Fault{kind: faultHTML} }

// OversizedBody answers 200 with a text body of n bytes that starts like a
// status-2 answer, streamed without a Content-Length (so that only a bounded
// read stops it).
func OversizedBody(n int64) Fault { return Fault{kind: faultOversized, size: n} }

// Delay waits d (or until the client goes away, or the server closes) and
// then answers normally. The wait is as precise as Options.Latency's.
func Delay(d time.Duration) Fault { return Fault{kind: faultDelay, delay: d} }

// Hold keeps the call in the server until release is closed (or the client
// goes away, or the server closes) and then answers normally: a
// deterministic way to have a call in flight (see Server.InFlight) while a
// test does something else. A nil release holds until one of the others.
func Hold(release <-chan struct{}) Fault { return Fault{kind: faultHold, release: release} }

// RawResponse answers 200 with exactly this Content-Type and body, for
// testing a parser against a body the fake would not render (an unknown
// status code, a garbled line, ...).
func RawResponse(contentType string, body []byte) Fault {
	return Fault{kind: faultRaw, contentType: contentType, body: append([]byte(nil), body...)}
}

// String names the fault, as it appears in Call.Fault.
func (f Fault) String() string {
	switch f.kind {
	case faultNone:
		return ""
	case faultHTTPStatus:
		if f.body != nil {
			return "HTTPErrorPage(" + strconv.Itoa(f.code) + ")"
		}
		return "HTTPError(" + strconv.Itoa(f.code) + ")"
	case faultTooMany:
		return "TooManyRequests(" + f.delay.String() + ")"
	case faultRedirect:
		return "Redirect(" + strconv.Itoa(f.code) + ")"
	case faultClose:
		return "CloseConnection"
	case faultTruncate:
		return "TruncatedBody"
	case faultStall:
		return "StalledBody"
	case faultEmpty:
		return "EmptyBody"
	case faultHTML:
		return "HTMLPage"
	case faultOversized:
		return "OversizedBody(" + strconv.FormatInt(f.size, 10) + ")"
	case faultDelay:
		return "Delay(" + f.delay.String() + ")"
	case faultRaw:
		return "RawResponse"
	case faultHold:
		return "Hold"
	}
	return "Fault(?)"
}

// oversizedChunk is the size of the writes of an oversized body.
const oversizedChunk = 32 << 10

// halfBody is the whole status-0 body that TruncatedBody and StalledBody
// send half of.
var halfBody = []byte("0\nAwaiting Validation\nAwaiting Legal Documents\n")

// serveFault serves f and reports the HTTP status sent and whether the call
// is done (false for a delay or a hold, after which the normal answer
// follows). begin, when not nil, is called with the HTTP status (0 for
// none) just before the first byte of a fault's answer. A Delay waits on
// s.clock; every wait ends when the server closes. The faults that close
// the connection panic with http.ErrAbortHandler, which net/http recovers.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f Fault, begin func(httpStatus int)) (httpStatus int, done bool) {
	if begin == nil {
		begin = func(int) {}
	}
	switch f.kind {
	case faultHTTPStatus:
		begin(f.code)
		if f.body == nil {
			http.Error(w, http.StatusText(f.code), f.code)
			return f.code, true
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
		w.WriteHeader(f.code)
		w.Write(f.body)
		return f.code, true
	case faultTooMany:
		begin(http.StatusTooManyRequests)
		if f.delay > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(int64((f.delay+time.Second-1)/time.Second), 10))
		}
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return http.StatusTooManyRequests, true
	case faultRedirect:
		begin(f.code)
		w.Header().Set("Location", f.location)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.code)
		w.Write([]byte("<html><body><a href=\"" + html.EscapeString(f.location) + "\">Moved</a></body></html>\n"))
		return f.code, true
	case faultClose:
		// net/http closes the connection (HTTP/1) or resets the stream
		// (HTTP/2) without a response; the call was recorded and left the
		// in-flight count first, so the client cannot retry before that.
		begin(0)
		panic(http.ErrAbortHandler)
	case faultTruncate, faultStall:
		begin(http.StatusOK)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(halfBody)))
		w.WriteHeader(http.StatusOK)
		w.Write(halfBody[:len(halfBody)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		if f.kind == faultStall {
			select {
			case <-f.release:
			case <-r.Context().Done():
			case <-s.closing:
			}
		}
		// Abort: net/http closes the connection with the body short.
		panic(http.ErrAbortHandler)
	case faultEmpty:
		begin(http.StatusOK)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, true
	case faultHTML:
		begin(http.StatusOK)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Gateway notice</title></head><body><p>Please try again later.</p></body></html>\n"))
		return http.StatusOK, true
	case faultOversized:
		begin(http.StatusOK)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte("QUFB"), oversizedChunk/4)
		chunk[0], chunk[1] = '2', '\n'
		for left := f.size; left > 0 && r.Context().Err() == nil; {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				break
			}
			left -= n
			chunk[0], chunk[1] = 'Q', 'U'
		}
		return http.StatusOK, true
	case faultDelay:
		select {
		case <-s.clock.after(f.delay):
		case <-r.Context().Done():
		case <-s.closing:
		}
		return 0, false
	case faultHold:
		select {
		case <-f.release:
		case <-r.Context().Done():
		case <-s.closing:
		}
		return 0, false
	case faultRaw:
		begin(http.StatusOK)
		w.Header().Set("Content-Type", f.contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(f.body)
		return http.StatusOK, true
	}
	return 0, false
}
