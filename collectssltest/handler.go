// This file holds the HTTP side of the fake server: ServeHTTP (the call
// log entry, the overlap meter, injected faults and latency), reading the
// request (path, method, body size, form, TLS) and writing the answer.

package collectssltest

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/wire"
)

// ServeHTTP answers one CollectSSL call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := Call{Time: time.Now(), Method: r.Method}
	n := s.inFlight.Add(1)
	if n > 1 {
		call.Overlapped = true
		s.overlaps.Add(1)
	}
	for m := s.maxInFlight.Load(); n > m && !s.maxInFlight.CompareAndSwap(m, n); m = s.maxInFlight.Load() {
	}
	defer func() {
		call.Duration = time.Since(call.Time)
		s.record(call)
		s.inFlight.Add(-1)
	}()

	if r.URL.Path != Path {
		http.NotFound(w, r)
		call.HTTPStatus = http.StatusNotFound
		return
	}
	if f, ok := s.nextFault(); ok {
		call.Fault = f.String()
		if st, done := serveFault(w, r, f); done {
			call.HTTPStatus = st
			return
		}
	}
	if s.latency > 0 {
		serveFault(w, r, Delay(s.latency))
	}

	var a answer
	call.Form, a = s.handle(r)
	call.HTTPStatus, call.Status = a.write(w)
}

// answer is what the server sends: a rendered body, or an HTTP error.
type answer struct {
	httpStatus  int // 0 means 200
	status      collectssl.StatusCode
	contentType string
	body        []byte
}

func (a answer) write(w http.ResponseWriter) (int, collectssl.StatusCode) {
	code := a.httpStatus
	if code == 0 {
		code = http.StatusOK
	}
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(code)
	w.Write(a.body)
	return code, a.status
}

func httpError(code int, msg string) answer {
	return answer{httpStatus: code, contentType: "text/plain; charset=utf-8", body: []byte(msg + "\n")}
}

// handle checks the request and returns the form as received (redacted) and
// the answer.
func (s *Server) handle(r *http.Request) (url.Values, answer) {
	if r.Method != http.MethodPost {
		// The form of a GET is in the query: use its responseFormat if any.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		return redact(q), failure(collectssl.StatusGETNotPOST, msgGET, formatOf(q))
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, httpError(http.StatusBadRequest, "collectssltest: reading the request body: "+err.Error())
	}
	if len(raw) > maxRequestBytes {
		return nil, httpError(http.StatusRequestEntityTooLarge, "collectssltest: request body over "+strconv.Itoa(maxRequestBytes)+" bytes")
	}
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		form, err = url.ParseQuery(string(raw))
		if err != nil {
			return redact(form), failure(collectssl.StatusUnknownError, msgUnknownError, formatOf(form))
		}
	}
	if r.TLS == nil {
		return redact(form), failure(collectssl.StatusNotHTTPS, msgNotHTTPS, formatOf(form))
	}
	return redact(form), s.check(form)
}

// formatOf returns the responseFormat the form asks for, when it can be
// read; format 0 otherwise.
func formatOf(form url.Values) collectssl.ResponseFormat {
	for k, vs := range form {
		if strings.EqualFold(k, pResponseFormat) && len(vs) == 1 && vs[0] == "1" {
			return collectssl.FormatURLEncoded
		}
	}
	return collectssl.FormatLines
}

// failure renders a negative status in format.
func failure(code collectssl.StatusCode, msg string, format collectssl.ResponseFormat) answer {
	ct, body, err := wire.Render(&collectssl.Request{ResponseFormat: format}, wire.State{Status: code, ErrorMessage: msg})
	if err != nil {
		return httpError(http.StatusInternalServerError, "collectssltest: rendering: "+err.Error())
	}
	return answer{status: code, contentType: ct, body: body}
}
