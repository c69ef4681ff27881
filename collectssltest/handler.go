// This file holds the HTTP side of the fake server: ServeHTTP (the call
// log entry, the overlap meter, injected faults and latency), reading the
// request (path, body, the form from the body and the query string, method,
// TLS) and writing the answer.

package collectssltest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/wire"
)

// errBodyTooLarge reports a request body over maxRequestBytes.
var errBodyTooLarge = errors.New("collectssltest: request body over " + strconv.Itoa(maxRequestBytes) + " bytes")

// ServeHTTP answers one CollectSSL call, or a control API request when the
// control API is mounted (Options.ControlToken).
//
// It reads the whole request body before anything else (faults, latency,
// checks), so that net/http watches the connection from then on and the
// request's context ends when the client goes away; the call is recorded,
// and leaves the in-flight count, just before its answer is written.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.control != nil && (r.URL.Path == strings.TrimSuffix(ControlPath, "/") || strings.HasPrefix(r.URL.Path, ControlPath)) {
		s.meters.controlOnConn(r.Context())
		s.control.ServeHTTP(w, r)
		return
	}
	call := Call{
		Time: time.Now(), Method: r.Method, Path: r.URL.Path,
		UserAgent: r.UserAgent(), ContentType: r.Header.Get("Content-Type"),
	}
	call.Overlapped = s.meters.enter()
	s.meters.callOnConn(r.Context())
	answered := false
	// begin records the call and takes it out of the in-flight count: it
	// runs once, before the first byte of the answer (or the abort).
	begin := func() {
		if answered {
			return
		}
		answered = true
		call.Duration = time.Since(call.Time)
		s.record(call)
		s.meters.inFlight.Add(-1)
	}
	defer begin() // a handler that panics for another reason

	if r.URL.Path != Path {
		call.HTTPStatus = http.StatusNotFound
		begin()
		http.NotFound(w, r)
		return
	}
	raw, bodyErr := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if bodyErr == nil && len(raw) > maxRequestBytes {
		bodyErr = errBodyTooLarge
	}
	if f, ok := s.nextFault(); ok {
		call.Fault = f.String()
		call.Form = sentForm(r, raw, bodyErr)
		st, done := s.serveFault(w, r, f, func(st int) { call.HTTPStatus = st; begin() })
		if done {
			call.HTTPStatus = st
			return
		}
	}
	if s.latency > 0 {
		s.serveFault(w, r, Delay(s.latency), nil)
	}

	var a answer
	call.Form, a = s.handle(r, raw, bodyErr)
	call.HTTPStatus, call.Status = a.httpCode(), a.status
	begin()
	a.write(w)
}

// answer is what the server sends: a rendered body, or an HTTP error.
type answer struct {
	httpStatus  int // 0 means 200
	status      collectssl.StatusCode
	contentType string
	body        []byte
}

func (a answer) httpCode() int {
	if a.httpStatus == 0 {
		return http.StatusOK
	}
	return a.httpStatus
}

func (a answer) write(w http.ResponseWriter) {
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.httpCode())
	w.Write(a.body)
}

func httpError(code int, msg string) answer {
	return answer{httpStatus: code, contentType: "text/plain; charset=utf-8", body: []byte(msg + "\n")}
}

// handle checks the request, whose body is raw (or bodyErr), and returns
// the form as received (redacted) and the answer.
func (s *Server) handle(r *http.Request, raw []byte, bodyErr error) (url.Values, answer) {
	if r.Method != http.MethodPost {
		// The form of a GET is in the query: use its responseFormat if any.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		return redact(q), failure(collectssl.StatusGETNotPOST, msgGET, formatOf(q))
	}
	switch {
	case errors.Is(bodyErr, errBodyTooLarge):
		return nil, httpError(http.StatusRequestEntityTooLarge, bodyErr.Error())
	case bodyErr != nil:
		return nil, httpError(http.StatusBadRequest, "collectssltest: reading the request body: "+bodyErr.Error())
	}
	form, err := requestForm(raw, r.URL.RawQuery)
	if err != nil {
		return redact(form), failure(collectssl.StatusUnknownError, msgUnknownError, formatOf(form))
	}
	if r.TLS == nil {
		return redact(form), failure(collectssl.StatusNotHTTPS, msgNotHTTPS, formatOf(form))
	}
	return redact(form), s.check(form)
}

// requestForm returns the parameters of a POST: the body read as a
// URL-encoded form whatever its Content-Type, and the query string's
// parameters whose names (compared without case) the body does not have:
// on a conflict the body wins. An error (bad escapes in either) comes with
// what could be read.
func requestForm(body []byte, rawQuery string) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if rawQuery == "" {
		return form, err
	}
	query, qerr := url.ParseQuery(rawQuery)
	inBody := make(map[string]bool, len(form))
	for k := range form {
		inBody[strings.ToLower(k)] = true
	}
	for k, vs := range query {
		if !inBody[strings.ToLower(k)] {
			form[k] = append(form[k], vs...)
		}
	}
	return form, errors.Join(err, qerr)
}

// sentForm is the form of the request as Call.Form records it (redacted),
// for a call that a fault ends before the checks.
func sentForm(r *http.Request, raw []byte, bodyErr error) url.Values {
	if r.Method != http.MethodPost {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		return redact(q)
	}
	if bodyErr != nil {
		return nil
	}
	form, _ := requestForm(raw, r.URL.RawQuery)
	return redact(form)
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
