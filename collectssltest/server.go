// Package collectssltest provides an in-process fake CollectSSL server for
// tests: of this module, and of programs that use it.
//
// A Server is an httptest TLS server on the loopback interface that answers
// the CollectSSL call like the real service: every parameter, rule, status
// code and response format of the v1.18 specification, with the orders the
// test adds and certificate chains generated for each server (never real
// ones, so they never expire under the test). Server.Client returns a
// collectssl.Client wired to it.
//
//	srv := collectssltest.NewServer()
//	defer srv.Close()
//	order := srv.AddOrder(collectssltest.Order{Domains: []string{"www.example.test"}})
//	res, err := srv.Client().Collect(ctx, &collectssl.Request{
//		OrderNumber:  order.OrderNumber,
//		QueryType:    collectssl.QueryCertificateAndChain,
//		ResponseType: collectssl.ResponseIndividual,
//	})
//
// Besides answering, the server records what tests assert on: every call
// (with the password redacted), how many calls overlapped in time (the API
// asks for one call in flight per account, so a correct client makes 0), and
// how many connections carried calls. Each call is recorded before its
// answer is written, so all of it is exact when the client returns.
// FailNext injects transport failures; SetState moves an order.
//
// The server's TLS certificate is issued by a CA of its own
// (Server.CACertificate) for 127.0.0.1, ::1 and localhost.
//
// # Where the parameters are read
//
// Like the real service, the server reads the parameters of a POST from its
// body whatever its Content-Type (application/x-www-form-urlencoded,
// text/plain, none at all: the body is read as a URL-encoded form; .NET's
// WebClient.UploadString sends no Content-Type) and from the query string
// of the URL (a Python client sends every parameter there, with an empty
// body), and from both together. When both name the same parameter
// (names compared without case), the body wins and the query string's
// value is ignored. A name repeated within the body, or within the query
// string, is still -4.
//
// # Request checks
//
// The server checks a request in this order, and answers the first failure
// in the requested responseFormat when that parameter could be read (format 0
// otherwise):
//
//   - a path other than the CollectSSL path (and the control API's, when
//     enabled): HTTP 404;
//   - a method other than POST: -17;
//   - a body over 64 KiB: HTTP 413; a body or a query string that is not a
//     URL-encoded form (bad escapes): -14;
//   - not over TLS (only when the Server is mounted on a plain-HTTP server):
//     -1;
//   - parameter names are case-insensitive; an unknown one: -2
//     ("Unrecognised argument!"), a repeated one: -4;
//   - loginName or loginPassword missing (an empty value counts as missing):
//     -3; longer than 64 or 128 characters: -4; not the server's credentials:
//     -16 ("Permission denied!");
//   - none of orderNumber, certificateID, baseOrderNumber: -3 naming
//     orderNumber;
//   - an invalid value: -4 naming the parameter: orderNumber over 128
//     characters, certificateID not 1 to 16 digits, baseOrderNumber not 1 to
//     20 digits, an enum outside its range (exactly one digit), a flag other
//     than Y or N, responseType 0, 1 or 2 without queryType 1,
//     responseEncoding 1 without queryType 1 and responseType 0 or 2,
//     collectionCode or responseMimeType over 256 characters, a
//     responseMimeType that is not a media type;
//   - an identifier that names no order, or identifiers that name different
//     orders: -4 naming that identifier (the fake's choice: the real service
//     may answer -16 for an order of another account);
//   - the order's state: -20, -21, -22 or -14, else status 0, 1 or 2.
//
// queryType, responseType, responseEncoding and responseFormat default to 0,
// 3, 0 and 0 when omitted or empty; flags default to N. The messages are the
// specification's, with the parameter name (as the specification spells it)
// where it prints 'xxxx'. Parameters lists every parameter with its values.
//
// # Control API
//
// ControlHandler serves the same operations as the Go API (orders, states,
// faults, the call log and the counters) as JSON over HTTP, for test suites
// in other languages; `collectssl serve` mounts it under ControlPath. See
// ControlHandler for its paths and shapes.
//
// # Limits
//
// A request body is read up to 64 KiB (HTTP 413 beyond); a control API body
// up to 64 KiB too. Server.Calls keeps the last MaxCalls calls;
// Server.CallCount counts them all. FailNext queues at most MaxFaults faults.
package collectssltest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
)

// Path is the path of the CollectSSL endpoint, as on the real service.
const Path = "/products/download/CollectSSL"

// DefaultCredentials are the credentials a Server accepts unless told
// otherwise.
var DefaultCredentials = collectssl.Credentials{LoginName: "collectssltest", LoginPassword: "test-password"}

// Limits of the fake server.
const (
	// maxRequestBytes bounds the request body: the longest valid form is
	// under 2 KiB.
	maxRequestBytes = 64 << 10
	// maxFreeText bounds collectionCode and responseMimeType, which the
	// specification does not describe.
	maxFreeText = 256
	// readHeaderTimeout bounds how long a connection may take to send its
	// request headers.
	readHeaderTimeout = 10 * time.Second
)

// MaxFaults is how many faults FailNext keeps queued; more are dropped.
const MaxFaults = 1 << 16

// Options configure NewServerWith and NewUnstartedServer. The zero value is
// what NewServer uses.
type Options struct {
	// Credentials are the account the server accepts; the zero value means
	// DefaultCredentials.
	Credentials collectssl.Credentials
	// Now is the server's clock: chains are generated around it, and default
	// validity periods start on its day. Nil means time.Now.
	Now func() time.Time
	// Latency delays every answer (after the request has been read), for a
	// slow server. It is never shorter. On Linux it ends tens of
	// microseconds after Latency while the process has a core to spare (a
	// timerfd, not Go's timers, which wake up to a millisecond late there);
	// elsewhere it is a time.Timer's.
	Latency time.Duration
	// CertOrder is the order of the certificates inside the containers of
	// orders whose own CertOrder is CertOrderDefault; the zero value is
	// root first, as CollectSSL sends its text formats.
	CertOrder CertOrder
	// Listener, when not nil, is where the server accepts connections
	// instead of a new listener on 127.0.0.1 (the server closes it). Make
	// it a loopback one: the server has a test password.
	Listener net.Listener
	// OnCall, when not nil, is called with each recorded call, before its
	// answer is written (the password already redacted). It must be quick
	// and safe for concurrent use; `collectssl serve -v` logs with it.
	OnCall func(Call)
	// ControlToken, when not "", mounts ControlHandler(ControlToken) under
	// ControlPath on the server itself (see ControlURL).
	ControlToken string
}

// Server is a fake CollectSSL server. Its methods are safe for concurrent
// use. Server is also an http.Handler, so it can be mounted on another
// server (a plain-HTTP one answers -1).
type Server struct {
	ts        *httptest.Server
	ca        *x509.Certificate
	now       func() time.Time
	latency   time.Duration
	certOrder CertOrder
	onCall    func(Call)
	control   http.Handler // nil unless Options.ControlToken

	closing   chan struct{} // closed by Close: releases held calls
	clock     clock         // ends the waits of Latency and Delay
	closeOnce sync.Once

	clientOnce sync.Once
	hc         *http.Client // Client's HTTP client, built once

	meters counters

	mu         sync.Mutex
	creds      collectssl.Credentials
	orders     []*Order // in the order added
	byNumber   map[string]*Order
	byCertID   map[string]*Order
	byBase     map[string]*Order
	nextNumber int64
	chains     map[chainKey]*certgen.Chain
	faults     []Fault
	log        callLog
	release    chan struct{} // what the control API's holds and stalls wait for
}

type chainKey struct {
	shape                  Shape
	keyType                KeyType
	expiredCross, sha1Root bool
}

// NewServer starts a fake CollectSSL server on a loopback port with TLS and
// DefaultCredentials. Close it when done.
func NewServer() *Server { return NewServerWith(Options{}) }

// NewServerWith starts a fake CollectSSL server configured by o.
func NewServerWith(o Options) *Server {
	s := NewUnstartedServer(o)
	s.Start()
	return s
}

// NewUnstartedServer returns a server that does not accept connections yet:
// add its orders, then call Start (or Close). Its URL is already known.
func NewUnstartedServer(o Options) *Server {
	s := &Server{
		now:        o.Now,
		latency:    o.Latency,
		certOrder:  o.CertOrder,
		onCall:     o.OnCall,
		creds:      o.Credentials,
		closing:    make(chan struct{}),
		byNumber:   map[string]*Order{},
		byCertID:   map[string]*Order{},
		byBase:     map[string]*Order{},
		chains:     map[chainKey]*certgen.Chain{},
		nextNumber: 1,
		release:    make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.creds == (collectssl.Credentials{}) {
		s.creds = DefaultCredentials
	}
	if o.ControlToken != "" {
		s.control = s.ControlHandler(o.ControlToken)
	}
	// The TLS certificate follows the real clock, not Options.Now: clients
	// verify it against theirs.
	ca, cert, err := serverCert(time.Now())
	if err != nil {
		panic("collectssltest: the server's TLS certificate: " + err.Error())
	}
	s.ca = ca
	s.ts = httptest.NewUnstartedServer(s)
	if o.Listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = o.Listener
	}
	s.ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.ts.Config.ConnContext = s.meters.connContext
	s.ts.Config.ReadHeaderTimeout = readHeaderTimeout
	return s
}

// Start starts accepting connections (TLS). It panics if called twice.
func (s *Server) Start() { s.ts.StartTLS() }

// Close releases every call held by a Hold or StalledBody fault or delayed,
// shuts the server down, blocks until every call has finished, and closes
// the connections of Client's HTTP client.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.ts.Close()
	s.clock.close()
	if s.hc != nil {
		s.hc.CloseIdleConnections()
	}
}

// URL returns the CollectSSL endpoint: https://127.0.0.1:port/products/download/CollectSSL.
func (s *Server) URL() string { return "https://" + s.ts.Listener.Addr().String() + Path }

// ControlURL returns the base URL of the control API
// (https://127.0.0.1:port/control/), or "" unless Options.ControlToken was
// set.
func (s *Server) ControlURL() string {
	if s.control == nil {
		return ""
	}
	return "https://" + s.ts.Listener.Addr().String() + ControlPath
}

// HTTPServer returns the underlying httptest server (for its http.Client,
// which trusts the server's TLS certificate).
func (s *Server) HTTPServer() *httptest.Server { return s.ts }

// CACertificate returns the CA that issued the server's TLS certificate:
// what a client must trust.
func (s *Server) CACertificate() *x509.Certificate { return s.ca }

// Client returns a collectssl.Client for this server: its endpoint, its
// credentials and an HTTP client that trusts its TLS certificate. Each call
// returns a new Client (a test may change its fields), but they all share
// one HTTP client, built on the first call, whose connections Close
// releases. Retries wait at most 5ms, to keep tests of them fast; change
// Retry to taste.
func (s *Server) Client() *collectssl.Client {
	s.clientOnce.Do(func() {
		pool := x509.NewCertPool()
		pool.AddCert(s.ca)
		// The library's own transport (timeouts, keep-alive, no
		// redirects), trusting this server's CA.
		s.hc = collectssl.NewHTTPClient(&tls.Config{RootCAs: pool})
	})
	return &collectssl.Client{
		Credentials: s.Credentials(),
		Endpoint:    s.URL(),
		HTTPClient:  s.hc,
		Retry:       collectssl.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
}

// Credentials returns the credentials the server accepts.
func (s *Server) Credentials() collectssl.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds
}

// SetCredentials changes the credentials the server accepts from the next
// call on (Clients made before keep the old ones, and get -16).
func (s *Server) SetCredentials(c collectssl.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = c
}

// AddOrder adds an order and returns it with every empty identifier
// generated, its FQDN, validity and chain filled in (see Order). It panics
// if an identifier is invalid, if the order number or the certificate ID is
// already taken (a base order number may be shared), if Renews names no
// order, or if the chain cannot be generated: those are mistakes in the
// test. (The control API reports them as errors instead.)
func (s *Server) AddOrder(o Order) Order {
	o, err := s.addOrder(o)
	if err != nil {
		panic(err.Error())
	}
	return o
}

// errOrder is wrapped by the errors of addOrder that are mistakes in the
// order (not failures to generate its chain).
var errOrder = errors.New("collectssltest: AddOrder")

// addOrder is AddOrder, with its mistakes as errors (wrapping errOrder, or
// a chain generation failure).
func (s *Server) addOrder(o Order) (Order, error) {
	o = o.clone()
	o.Chain, o.CACertificates, o.Leaf, o.LeafKey, o.Polls = nil, nil, nil, nil, 0
	var renewed Order
	if o.Renews != "" {
		var ok bool
		if renewed, ok = s.Order(o.Renews); !ok {
			return Order{}, fmt.Errorf("%w: renews %q: no such order number", errOrder, o.Renews)
		}
		if len(o.Domains) == 0 {
			o.Domains = append([]string(nil), renewed.Domains...)
		}
		if o.BaseOrderNumber == "" {
			o.BaseOrderNumber = renewed.BaseOrderNumber
		}
		if o.NotBefore.IsZero() {
			// Sectigo's style (today 00:00 UTC), but always after the
			// renewed order's.
			o.NotBefore = s.now().UTC().Truncate(24 * time.Hour)
			if !o.NotBefore.After(renewed.NotBefore) {
				o.NotBefore = renewed.NotBefore.Add(time.Hour)
			}
		}
	}
	if len(o.Domains) == 0 {
		o.Domains = []string{"www.example.test"}
	}
	if o.FQDN == "" && !o.EmptyFQDN {
		o.FQDN = o.Domains[0]
	}
	if o.EmptyFQDN {
		o.FQDN = ""
	}
	if o.CertificateID != "" && !isDigits(o.CertificateID, maxCertificateIDDigits) {
		return Order{}, fmt.Errorf("%w: certificateID %q is not 1 to %d digits", errOrder, o.CertificateID, maxCertificateIDDigits)
	}
	if o.BaseOrderNumber != "" && !isDigits(o.BaseOrderNumber, maxBaseOrderDigits) {
		return Order{}, fmt.Errorf("%w: baseOrderNumber %q is not 1 to %d digits", errOrder, o.BaseOrderNumber, maxBaseOrderDigits)
	}
	if n := len([]rune(o.OrderNumber)); n > maxOrderNumber {
		return Order{}, fmt.Errorf("%w: orderNumber of %d characters, more than %d", errOrder, n, maxOrderNumber)
	}
	if !o.NotAfter.IsZero() && !o.NotAfter.After(o.NotBefore) {
		return Order{}, fmt.Errorf("%w: notAfter %v is not after notBefore %v", errOrder, o.NotAfter, o.NotBefore)
	}

	chain, err := s.chain(chainKey{o.Shape, o.KeyType, o.ExpiredCross, o.SHA1Root})
	if err != nil {
		return Order{}, fmt.Errorf("collectssltest: AddOrder: %w", err)
	}
	leaf, key, err := chain.IssueLeaf(certgen.LeafOptions{
		Domains: o.Domains, Now: s.now(), LeafNotBefore: o.NotBefore, LeafNotAfter: o.NotAfter,
		FreshKey: o.Renews != "",
	})
	if err != nil {
		return Order{}, fmt.Errorf("collectssltest: AddOrder: %w", err)
	}
	served := chain.Served()
	o.CACertificates = append([]*x509.Certificate(nil), served[:len(served)-1]...)
	o.Chain = append(append([]*x509.Certificate(nil), o.CACertificates...), leaf)
	o.Leaf, o.LeafKey = leaf, key
	o.NotBefore, o.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	if o.OrderNumber != "" && s.byNumber[o.OrderNumber] != nil {
		return Order{}, fmt.Errorf("%w: orderNumber %q is taken", errOrder, o.OrderNumber)
	}
	if o.CertificateID != "" && s.byCertID[o.CertificateID] != nil {
		return Order{}, fmt.Errorf("%w: certificateID %q is taken", errOrder, o.CertificateID)
	}
	o.OrderNumber = s.fillLocked(o.OrderNumber, s.byNumber, 1_000_000)
	o.CertificateID = s.fillLocked(o.CertificateID, s.byCertID, 9_000_000)
	o.BaseOrderNumber = s.fillLocked(o.BaseOrderNumber, s.byBase, 2_000_000)
	stored := o.clone()
	s.orders = append(s.orders, &stored)
	s.byNumber[o.OrderNumber] = &stored
	s.byCertID[o.CertificateID] = &stored
	s.byBase[o.BaseOrderNumber] = &stored
	return o, nil
}

// fillLocked returns v, or when v is "" a number not yet in m.
func (s *Server) fillLocked(v string, m map[string]*Order, base int64) string {
	for v == "" {
		v = strconv.FormatInt(base+s.nextNumber, 10)
		s.nextNumber++
		if m[v] != nil {
			v = ""
		}
	}
	return v
}

// Order returns the current state of the order with this order number:
// Polls counts the calls that named it, and State shows StateIssued once
// IssueAfterPolls has moved it.
func (s *Server) Order(orderNumber string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.byNumber[orderNumber]
	if o == nil {
		return Order{}, false
	}
	return o.clone(), true
}

// Orders returns every order, in the order they were added, as Order
// returns them.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, len(s.orders))
	for i, o := range s.orders {
		out[i] = o.clone()
	}
	return out
}

// SetState moves the order with this order number to st from the next call
// on, and clears its IssueAfterPolls (the state then stays until changed
// again). It returns the order as changed, or false if there is no such
// order.
func (s *Server) SetState(orderNumber string, st State) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.byNumber[orderNumber]
	if o == nil {
		return Order{}, false
	}
	o.State, o.IssueAfterPolls = st, 0
	return o.clone(), true
}

// chain returns the server's chain for k, generating it on first use.
func (s *Server) chain(k chainKey) (*certgen.Chain, error) {
	s.mu.Lock()
	c := s.chains[k]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := certgen.New(certgen.Options{
		Shape: k.shape.certgen(), KeyType: k.keyType.certgen(), Now: s.now(),
		ExpiredCross: k.expiredCross, SHA1Root: k.sha1Root,
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.chains[k]; prev != nil {
		return prev, nil // another AddOrder made it meanwhile: keep one CA set
	}
	s.chains[k] = c
	return c, nil
}

// FailNext makes the next n calls to Path fail with f, before any check of
// the request but its path (a call to another path gets HTTP 404 and leaves
// the faults queued). Faults queue: FailNext(1, a) then FailNext(2, b)
// serves a, b, b. At most MaxFaults stay queued; the rest are dropped.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range min(n, MaxFaults-len(s.faults)) {
		s.faults = append(s.faults, f)
	}
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// QueuedFaults returns how many faults are queued.
func (s *Server) QueuedFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults[0] = Fault{}
	s.faults = s.faults[1:]
	return f, true
}
