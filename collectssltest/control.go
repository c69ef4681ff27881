// This file holds the control API: the Go API of Server (orders, states,
// faults, the call log and the counters) as JSON over HTTP, for test suites
// in other languages, and the one mapping between its JSON and the Go types.

package collectssltest

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
)

// ControlPath is the path prefix of the control API: Options.ControlToken
// mounts ControlHandler there, beside the CollectSSL path.
const ControlPath = "/control/"

// Limits of the control API.
const (
	// maxControlBody bounds a control API request body.
	maxControlBody = 64 << 10
	// maxControlCount bounds the count of one fault request.
	maxControlCount = 1000
	// maxControlDelay bounds a delay fault's delayMs.
	maxControlDelay = 10 * time.Minute
	// maxControlSize bounds an oversized body fault's size.
	maxControlSize = 1 << 30
)

// ControlHandler returns the control API of s: an http.Handler for the
// paths under ControlPath, to mount there (Options.ControlToken does). Every
// request must come from a loopback address (else 403) and carry
// "Authorization: Bearer " + token (else 401): the server's collection
// credentials are not enough. It panics if token is "".
//
// Each operation is a method of Server; bodies and answers are JSON
// (request bodies at most 64 KiB, unknown fields refused); a failure
// answers 4xx with {"error": "..."}.
//
//	GET    /control/orders                   {"orders": [order...]}          Orders
//	POST   /control/orders                   order in, order out             AddOrder
//	GET    /control/orders/{orderNumber}     order                           Order
//	POST   /control/orders/{orderNumber}/state  {"state": "issued"} → order  SetState
//	POST   /control/faults                   fault in, {"queued": n}         FailNext
//	GET    /control/faults                   {"queued": n}                   QueuedFaults
//	DELETE /control/faults                   {"queued": 0}                   ClearFaults
//	POST   /control/release                  {"queued": n}  releases every hold and stalled body queued or waiting
//	GET    /control/calls[?last=N]           {"callCount": n, "calls": [call...]}  Calls, CallCount
//	GET    /control/counters                 counters                        CallCount, Overlap, MaxInFlight, InFlight, ConnCount
//	POST   /control/reset                    counters (zero)                 ResetCalls
//
// An order in: {"orderNumber", "certificateID", "baseOrderNumber" (strings,
// generated when absent), "domains" (strings), "fqdn", "state", "issueAfterPolls"
// (int), "shape", "keyType", "expiredCross", "sha1Root" (bools), "certOrder",
// "renews" (an order number), "notBefore", "notAfter" (RFC 3339),
// "certificateStatus", "validationStatus", "caaStatus", "replay" (a capture
// file, see Order.Replay)}; every field is
// optional, as in Order. Out, also "polls" (int) and "certificatePEM" (the
// leaf), "caCertificatesPEM" (root first) and "keyPEM" (the leaf's PKCS #8
// key). Enumerations are spelt as their String methods print them: state
// "issued", "processing", "rejected", "revoked", "awaiting payment",
// "unknown error"; shape "TestMode", "Pre2025", "Shape2025"; keyType
// "ECDSA", "RSA"; certOrder "default", "root-first", "leaf-first" (case is
// ignored).
//
// A fault: {"kind", "count" (default 1, at most 1000), and per kind:}
// "httpError" {"status", and optionally "contentType" and "body"},
// "tooManyRequests" {"retryAfterSeconds"}, "redirect" {"status" (default
// 302), "location"}, "closeConnection", "truncatedBody", "stalledBody",
// "emptyBody", "htmlPage", "oversizedBody" {"size"}, "delay" {"delayMs"},
// "hold", "rawResponse" {"contentType", "body"}. A "hold" or "stalledBody"
// waits until POST /control/release (or the client goes away, or the server
// closes).
//
// A call: {"time" (RFC 3339), "durationMs" (float), "method", "path",
// "userAgent", "contentType", "form" ({"name": ["value"]}, password
// redacted), "overlapped", "fault", "httpStatus", "status"}. The counters:
// {"callCount", "overlap", "maxInFlight", "inFlight", "connCount",
// "queuedFaults"}. Control API requests are neither calls nor counted.
func (s *Server) ControlHandler(token string) http.Handler {
	if token == "" {
		panic("collectssltest: ControlHandler needs a token")
	}
	c := &control{s: s}
	mux := http.NewServeMux()
	p := strings.TrimSuffix(ControlPath, "/")
	mux.HandleFunc("GET "+p+"/orders", c.listOrders)
	mux.HandleFunc("POST "+p+"/orders", c.addOrder)
	mux.HandleFunc("GET "+p+"/orders/{number}", c.getOrder)
	mux.HandleFunc("POST "+p+"/orders/{number}/state", c.setState)
	mux.HandleFunc("GET "+p+"/faults", c.queued)
	mux.HandleFunc("POST "+p+"/faults", c.addFault)
	mux.HandleFunc("DELETE "+p+"/faults", c.clearFaults)
	mux.HandleFunc("POST "+p+"/release", c.release)
	mux.HandleFunc("GET "+p+"/calls", c.calls)
	mux.HandleFunc("GET "+p+"/counters", c.counters)
	mux.HandleFunc("POST "+p+"/reset", c.reset)
	mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such control operation: "+r.Method+" "+r.URL.Path)
	})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			writeError(w, http.StatusForbidden, "the control API answers loopback clients only")
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="collectssltest control"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong control token (Authorization: Bearer TOKEN)")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// control serves the control API of one server.
type control struct{ s *Server }

// orderJSON is an order in the control API (see ControlHandler).
type orderJSON struct {
	OrderNumber       string    `json:"orderNumber"`
	CertificateID     string    `json:"certificateID"`
	BaseOrderNumber   string    `json:"baseOrderNumber"`
	Domains           []string  `json:"domains,omitempty"`
	FQDN              string    `json:"fqdn,omitempty"`
	State             string    `json:"state,omitempty"`
	IssueAfterPolls   int       `json:"issueAfterPolls,omitempty"`
	Shape             string    `json:"shape,omitempty"`
	KeyType           string    `json:"keyType,omitempty"`
	ExpiredCross      bool      `json:"expiredCross,omitempty"`
	SHA1Root          bool      `json:"sha1Root,omitempty"`
	CertOrder         string    `json:"certOrder,omitempty"`
	Renews            string    `json:"renews,omitempty"`
	NotBefore         time.Time `json:"notBefore,omitzero"`
	NotAfter          time.Time `json:"notAfter,omitzero"`
	CertificateStatus string    `json:"certificateStatus,omitempty"`
	ValidationStatus  string    `json:"validationStatus,omitempty"`
	CAAStatus         string    `json:"caaStatus,omitempty"`
	// Replay is a capture file (see collectssl.Capture.MarshalText) that
	// the order answers with (Order.Replay).
	Replay string `json:"replay,omitempty"`

	// Outputs only.
	Polls             int    `json:"polls"`
	CertificatePEM    string `json:"certificatePEM,omitempty"`
	CACertificatesPEM string `json:"caCertificatesPEM,omitempty"`
	KeyPEM            string `json:"keyPEM,omitempty"`
}

// order maps j to an Order.
func (j *orderJSON) order() (Order, error) {
	o := Order{
		OrderNumber: j.OrderNumber, CertificateID: j.CertificateID, BaseOrderNumber: j.BaseOrderNumber,
		Domains: j.Domains, FQDN: j.FQDN, IssueAfterPolls: j.IssueAfterPolls,
		ExpiredCross: j.ExpiredCross, SHA1Root: j.SHA1Root, Renews: j.Renews,
		NotBefore: j.NotBefore, NotAfter: j.NotAfter,
		CertificateStatus: j.CertificateStatus, ValidationStatus: j.ValidationStatus, CAAStatus: j.CAAStatus,
	}
	var err error
	if o.State, err = parseEnum("state", j.State, allStates); err != nil {
		return o, err
	}
	if o.Shape, err = parseEnum("shape", j.Shape, []Shape{ShapeTestMode, ShapePre2025, Shape2025}); err != nil {
		return o, err
	}
	if o.KeyType, err = parseEnum("keyType", j.KeyType, []KeyType{KeyECDSA, KeyRSA}); err != nil {
		return o, err
	}
	if o.CertOrder, err = parseEnum("certOrder", j.CertOrder, []CertOrder{CertOrderDefault, CertOrderRootFirst, CertOrderLeafFirst}); err != nil {
		return o, err
	}
	if j.IssueAfterPolls < 0 {
		return o, fmt.Errorf("issueAfterPolls %d is negative", j.IssueAfterPolls)
	}
	if j.Replay != "" {
		if o.Replay, err = collectssl.ReadCapture([]byte(j.Replay)); err != nil {
			return o, fmt.Errorf("replay: %v", err)
		}
	}
	return o, nil
}

// allStates are the order states, for parsing.
var allStates = []State{StateIssued, StateProcessing, StateRejected, StateRevoked, StateAwaitingPayment, StateUnknownError}

// orderView maps o to its JSON.
func orderView(o Order) orderJSON {
	j := orderJSON{
		OrderNumber: o.OrderNumber, CertificateID: o.CertificateID, BaseOrderNumber: o.BaseOrderNumber,
		Domains: o.Domains, FQDN: o.FQDN, State: o.State.String(), IssueAfterPolls: o.IssueAfterPolls,
		Shape: o.Shape.String(), KeyType: o.KeyType.String(), ExpiredCross: o.ExpiredCross, SHA1Root: o.SHA1Root,
		CertOrder: o.CertOrder.String(), Renews: o.Renews, NotBefore: o.NotBefore, NotAfter: o.NotAfter,
		CertificateStatus: o.CertificateStatus, ValidationStatus: o.ValidationStatus, CAAStatus: o.CAAStatus,
		Polls: o.Polls,
	}
	if o.Replay != nil {
		if b, err := o.Replay.MarshalText(); err == nil {
			j.Replay = string(b)
		}
	}
	if o.Leaf != nil {
		j.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: o.Leaf.Raw}))
	}
	var cas []byte
	for _, c := range o.CACertificates {
		cas = append(cas, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	j.CACertificatesPEM = string(cas)
	if o.LeafKey != nil {
		if der, err := x509.MarshalPKCS8PrivateKey(o.LeafKey); err == nil {
			j.KeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		}
	}
	return j
}

// parseEnum returns the value of all whose String is v (case ignored), or
// the zero value for "".
func parseEnum[T interface {
	comparable
	String() string
}](name, v string, all []T) (T, error) {
	var zero T
	if v == "" {
		return zero, nil
	}
	names := make([]string, len(all))
	for i, e := range all {
		if strings.EqualFold(e.String(), v) {
			return e, nil
		}
		names[i] = strconv.Quote(e.String())
	}
	return zero, fmt.Errorf("%s %q is none of %s", name, v, strings.Join(names, ", "))
}

func (c *control) listOrders(w http.ResponseWriter, _ *http.Request) {
	orders := c.s.Orders()
	out := struct {
		Orders []orderJSON `json:"orders"`
	}{Orders: make([]orderJSON, len(orders))}
	for i, o := range orders {
		out.Orders[i] = orderView(o)
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *control) addOrder(w http.ResponseWriter, r *http.Request) {
	var j orderJSON
	if !readJSON(w, r, &j) {
		return
	}
	if j.Polls != 0 || j.CertificatePEM != "" || j.CACertificatesPEM != "" || j.KeyPEM != "" {
		writeError(w, http.StatusBadRequest, "polls, certificatePEM, caCertificatesPEM and keyPEM are outputs")
		return
	}
	o, err := j.order()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	o, err = c.s.addOrder(o)
	if err != nil {
		code := http.StatusBadRequest
		if !errors.Is(err, errOrder) {
			code = http.StatusInternalServerError
		}
		writeError(w, code, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, orderView(o))
}

func (c *control) getOrder(w http.ResponseWriter, r *http.Request) {
	o, ok := c.s.Order(r.PathValue("number"))
	if !ok {
		writeError(w, http.StatusNotFound, "no order number "+strconv.Quote(r.PathValue("number")))
		return
	}
	writeJSON(w, http.StatusOK, orderView(o))
}

func (c *control) setState(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State string `json:"state"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.State == "" {
		writeError(w, http.StatusBadRequest, `"state" is missing`)
		return
	}
	st, err := parseEnum("state", in.State, allStates)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	o, ok := c.s.SetState(r.PathValue("number"), st)
	if !ok {
		writeError(w, http.StatusNotFound, "no order number "+strconv.Quote(r.PathValue("number")))
		return
	}
	writeJSON(w, http.StatusOK, orderView(o))
}

// faultJSON is a fault in the control API (see ControlHandler).
type faultJSON struct {
	Kind              string  `json:"kind"`
	Count             *int    `json:"count"`
	Status            int     `json:"status"`
	ContentType       string  `json:"contentType"`
	Body              *string `json:"body"`
	RetryAfterSeconds int     `json:"retryAfterSeconds"`
	Location          string  `json:"location"`
	Size              int64   `json:"size"`
	DelayMs           int64   `json:"delayMs"`
}

// fault maps j to a Fault; holds and stalls wait for release.
func (j *faultJSON) fault(release <-chan struct{}) (Fault, error) {
	switch j.Kind {
	case "httpError":
		if j.Status < 400 || j.Status > 599 {
			return Fault{}, fmt.Errorf("httpError: status %d is not 400 to 599", j.Status)
		}
		if j.Body != nil || j.ContentType != "" {
			body := ""
			if j.Body != nil {
				body = *j.Body
			}
			return HTTPErrorPage(j.Status, j.ContentType, []byte(body)), nil
		}
		return HTTPError(j.Status), nil
	case "tooManyRequests":
		if j.RetryAfterSeconds < 0 || j.RetryAfterSeconds > 86400 {
			return Fault{}, fmt.Errorf("tooManyRequests: retryAfterSeconds %d is not 0 to 86400", j.RetryAfterSeconds)
		}
		return TooManyRequests(time.Duration(j.RetryAfterSeconds) * time.Second), nil
	case "redirect":
		code := j.Status
		if code == 0 {
			code = http.StatusFound
		}
		if code < 300 || code > 399 || j.Location == "" {
			return Fault{}, fmt.Errorf("redirect: want a status of 300 to 399 (got %d) and a location", code)
		}
		return Redirect(code, j.Location), nil
	case "closeConnection":
		return CloseConnection(), nil
	case "truncatedBody":
		return TruncatedBody(), nil
	case "stalledBody":
		return StalledBody(release), nil
	case "emptyBody":
		return EmptyBody(), nil
	case "htmlPage":
		return HTMLPage(), nil
	case "oversizedBody":
		if j.Size <= 0 || j.Size > maxControlSize {
			return Fault{}, fmt.Errorf("oversizedBody: size %d is not 1 to %d", j.Size, maxControlSize)
		}
		return OversizedBody(j.Size), nil
	case "delay":
		d := time.Duration(j.DelayMs) * time.Millisecond
		if j.DelayMs < 0 || d > maxControlDelay {
			return Fault{}, fmt.Errorf("delay: delayMs %d is not 0 to %d", j.DelayMs, maxControlDelay.Milliseconds())
		}
		return Delay(d), nil
	case "hold":
		return Hold(release), nil
	case "rawResponse":
		body := ""
		if j.Body != nil {
			body = *j.Body
		}
		return RawResponse(j.ContentType, []byte(body)), nil
	}
	return Fault{}, fmt.Errorf("unknown fault kind %q (httpError, tooManyRequests, redirect, closeConnection, truncatedBody, stalledBody, emptyBody, htmlPage, oversizedBody, delay, hold, rawResponse)", j.Kind)
}

func (c *control) addFault(w http.ResponseWriter, r *http.Request) {
	var j faultJSON
	if !readJSON(w, r, &j) {
		return
	}
	n := 1
	if j.Count != nil {
		n = *j.Count
	}
	if n < 1 || n > maxControlCount {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("count %d is not 1 to %d", n, maxControlCount))
		return
	}
	c.s.mu.Lock()
	release := c.s.release
	c.s.mu.Unlock()
	f, err := j.fault(release)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c.s.FailNext(n, f)
	c.queued(w, r)
}

func (c *control) queued(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"queued": c.s.QueuedFaults()})
}

func (c *control) clearFaults(w http.ResponseWriter, r *http.Request) {
	c.s.ClearFaults()
	c.queued(w, r)
}

func (c *control) release(w http.ResponseWriter, r *http.Request) {
	c.s.mu.Lock()
	close(c.s.release)
	c.s.release = make(chan struct{})
	c.s.mu.Unlock()
	c.queued(w, r)
}

// callJSON is a call in the control API (see ControlHandler).
type callJSON struct {
	Time        time.Time           `json:"time"`
	DurationMs  float64             `json:"durationMs"`
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	UserAgent   string              `json:"userAgent"`
	ContentType string              `json:"contentType"`
	Form        map[string][]string `json:"form"`
	Overlapped  bool                `json:"overlapped"`
	Fault       string              `json:"fault"`
	HTTPStatus  int                 `json:"httpStatus"`
	Status      int                 `json:"status"`
}

func (c *control) calls(w http.ResponseWriter, r *http.Request) {
	calls := c.s.Calls()
	count := c.s.CallCount()
	if v := r.URL.Query().Get("last"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "last: want a count, got "+strconv.Quote(v))
			return
		}
		calls = calls[max(0, len(calls)-n):]
	}
	out := struct {
		CallCount int        `json:"callCount"`
		Calls     []callJSON `json:"calls"`
	}{CallCount: count, Calls: make([]callJSON, len(calls))}
	for i, cl := range calls {
		out.Calls[i] = callJSON{
			Time: cl.Time, DurationMs: float64(cl.Duration) / float64(time.Millisecond),
			Method: cl.Method, Path: cl.Path, UserAgent: cl.UserAgent, ContentType: cl.ContentType,
			Form: cl.Form, Overlapped: cl.Overlapped, Fault: cl.Fault, HTTPStatus: cl.HTTPStatus, Status: int(cl.Status),
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// countersJSON are the counters in the control API.
type countersJSON struct {
	CallCount    int `json:"callCount"`
	Overlap      int `json:"overlap"`
	MaxInFlight  int `json:"maxInFlight"`
	InFlight     int `json:"inFlight"`
	ConnCount    int `json:"connCount"`
	QueuedFaults int `json:"queuedFaults"`
}

func (c *control) counters(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, countersJSON{
		CallCount: c.s.CallCount(), Overlap: c.s.Overlap(), MaxInFlight: c.s.MaxInFlight(),
		InFlight: c.s.InFlight(), ConnCount: c.s.ConnCount(), QueuedFaults: c.s.QueuedFaults(),
	})
}

func (c *control) reset(w http.ResponseWriter, r *http.Request) {
	c.s.ResetCalls()
	c.counters(w, r)
}

// readJSON decodes the body (at most maxControlBody bytes, one JSON value,
// no unknown fields) into v, or answers the error and returns false. An
// empty body decodes as {}.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return false
	}
	if len(raw) > maxControlBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body over "+strconv.Itoa(maxControlBody)+" bytes")
		return false
	}
	if strings.TrimSpace(string(raw)) == "" {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not the expected JSON: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "the body holds more than one JSON value")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": "collectssltest: control: " + msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
