// This file holds Fault, the failures Server.FailNext injects for testing a
// client's retries, timeouts and limits, and how each is served.

package collectssltest

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure the server serves instead of (or before) an answer; see
// Server.FailNext. Make one with the functions below; the zero Fault answers
// normally.
type Fault struct {
	kind        faultKind
	code        int             // faultHTTPStatus
	delay       time.Duration   // faultDelay
	release     <-chan struct{} // faultHold
	size        int64           // faultOversized
	contentType string          // faultRaw
	body        []byte          // faultRaw
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
)

// HTTPError answers with the HTTP status code (500, 503, ...) and a short
// text body, as a failing load balancer does.
func HTTPError(code int) Fault { return Fault{kind: faultHTTPStatus, code: code} }

// CloseConnection closes the connection without answering.
func CloseConnection() Fault { return Fault{kind: faultClose} }

// TruncatedBody answers 200 with a Content-Length of a whole status-0 body,
// sends half of it and closes the connection.
func TruncatedBody() Fault { return Fault{kind: faultTruncate} }

// EmptyBody answers 200 with no body.
func EmptyBody() Fault { return Fault{kind: faultEmpty} }

// HTMLPage answers 200 with an HTML page, as a proxy's or a captive portal's
// error page does.
func HTMLPage() Fault { return Fault{kind: faultHTML} }

// OversizedBody answers 200 with a text body of n bytes that starts like a
// status-2 answer, streamed without a Content-Length (so that only a bounded
// read stops it).
func OversizedBody(n int64) Fault { return Fault{kind: faultOversized, size: n} }

// Delay waits d (or until the client goes away) and then answers normally.
func Delay(d time.Duration) Fault { return Fault{kind: faultDelay, delay: d} }

// Hold keeps the call in the server until release is closed (or the client
// goes away) and then answers normally: a deterministic way to have a call
// in flight (see Server.InFlight) while a test does something else.
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
		return "HTTPError(" + strconv.Itoa(f.code) + ")"
	case faultClose:
		return "CloseConnection"
	case faultTruncate:
		return "TruncatedBody"
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

// serveFault serves f and reports the HTTP status sent and whether the call
// is done (false for a delay or a hold, after which the normal answer
// follows). The faults that close the connection panic with
// http.ErrAbortHandler, which net/http recovers.
func serveFault(w http.ResponseWriter, r *http.Request, f Fault) (httpStatus int, done bool) {
	switch f.kind {
	case faultHTTPStatus:
		http.Error(w, http.StatusText(f.code), f.code)
		return f.code, true
	case faultClose:
		// net/http closes the connection (HTTP/1) or resets the stream
		// (HTTP/2) without a response, after the handler's deferred
		// bookkeeping has run: so the client cannot retry before the call
		// has left the in-flight count.
		panic(http.ErrAbortHandler)
	case faultTruncate:
		body := []byte("0\nAwaiting Validation\nAwaiting Legal Documents\n")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Abort: net/http closes the connection with the body short.
		panic(http.ErrAbortHandler)
	case faultEmpty:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, true
	case faultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Gateway notice</title></head><body><p>Please try again later.</p></body></html>\n"))
		return http.StatusOK, true
	case faultOversized:
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
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		return 0, false
	case faultHold:
		select {
		case <-f.release:
		case <-r.Context().Done():
		}
		return 0, false
	case faultRaw:
		w.Header().Set("Content-Type", f.contentType)
		w.WriteHeader(http.StatusOK)
		w.Write(f.body)
		return http.StatusOK, true
	}
	return 0, false
}
