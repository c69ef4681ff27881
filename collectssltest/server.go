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
// how many TLS connections it accepted. FailNext injects transport failures.
//
// # Request checks
//
// The server checks a request in this order, and answers the first failure
// in the requested responseFormat when that parameter could be read (format 0
// otherwise):
//
//   - a path other than the CollectSSL path: HTTP 404;
//   - a method other than POST: -17;
//   - a body over 64 KiB: HTTP 413; a body that is not a form (bad escapes):
//     -14; a Content-Type other than application/x-www-form-urlencoded reads
//     as an empty form, as a servlet does; the query string is not read;
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
// where it prints 'xxxx'.
//
// # Limits
//
// A request body is read up to 64 KiB (HTTP 413 beyond). Server.Calls keeps
// the last 16384 calls; Server.CallCount counts them all.
package collectssltest

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// maxCallLog is how many calls Calls keeps (the most recent); CallCount
	// counts them all.
	maxCallLog = 1 << 14
	// maxFreeText bounds collectionCode and responseMimeType, which the
	// specification does not describe.
	maxFreeText = 256
)

// Options configure NewServerWith. The zero value is what NewServer uses.
type Options struct {
	// Credentials are the account the server accepts; the zero value means
	// DefaultCredentials.
	Credentials collectssl.Credentials
	// Now is the server's clock: chains are generated around it, and default
	// validity periods start on its day. Nil means time.Now.
	Now func() time.Time
	// Latency delays every answer, for a slow server.
	Latency time.Duration
}

// Server is a fake CollectSSL server. Its methods are safe for concurrent
// use. Server is also an http.Handler, so it can be mounted on another
// server (a plain-HTTP one answers -1).
type Server struct {
	ts      *httptest.Server
	now     func() time.Time
	latency time.Duration

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	overlaps    atomic.Int64
	conns       atomic.Int64

	mu         sync.Mutex
	creds      collectssl.Credentials
	byNumber   map[string]*Order
	byCertID   map[string]*Order
	byBase     map[string]*Order
	nextNumber int64
	chains     map[chainKey]*certgen.Chain
	faults     []Fault
	calls      []Call
	callCount  int
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
	s := &Server{
		now:        o.Now,
		latency:    o.Latency,
		creds:      o.Credentials,
		byNumber:   map[string]*Order{},
		byCertID:   map[string]*Order{},
		byBase:     map[string]*Order{},
		chains:     map[chainKey]*certgen.Chain{},
		nextNumber: 1,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.creds == (collectssl.Credentials{}) {
		s.creds = DefaultCredentials
	}
	s.ts = httptest.NewUnstartedServer(s)
	s.ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.ts.StartTLS()
	return s
}

// Close shuts the server down and blocks until every call has finished.
func (s *Server) Close() { s.ts.Close() }

// URL returns the CollectSSL endpoint: https://127.0.0.1:port/products/download/CollectSSL.
func (s *Server) URL() string { return s.ts.URL + Path }

// HTTPServer returns the underlying httptest server (for its certificate or
// its http.Client).
func (s *Server) HTTPServer() *httptest.Server { return s.ts }

// Client returns a new collectssl.Client for this server: its endpoint, its
// credentials and an HTTP client that trusts its TLS certificate. Retries
// wait at most 5ms, to keep tests of them fast; change Retry to taste.
func (s *Server) Client() *collectssl.Client {
	return &collectssl.Client{
		Credentials: s.Credentials(),
		Endpoint:    s.URL(),
		// The library's own transport (timeouts, keep-alive, no redirects),
		// trusting this server's certificate.
		HTTPClient: collectssl.NewHTTPClient(s.ts.Client().Transport.(*http.Transport).TLSClientConfig),
		Retry:      collectssl.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
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
// already taken (a base order number may be shared), or if the chain cannot
// be generated: those are mistakes in the test.
func (s *Server) AddOrder(o Order) Order {
	o = o.clone()
	o.Chain, o.CACertificates, o.Leaf, o.LeafKey, o.Polls = nil, nil, nil, nil, 0
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
		panic(fmt.Sprintf("collectssltest: AddOrder: certificateID %q is not 1 to %d digits", o.CertificateID, maxCertificateIDDigits))
	}
	if o.BaseOrderNumber != "" && !isDigits(o.BaseOrderNumber, maxBaseOrderDigits) {
		panic(fmt.Sprintf("collectssltest: AddOrder: baseOrderNumber %q is not 1 to %d digits", o.BaseOrderNumber, maxBaseOrderDigits))
	}
	if n := len([]rune(o.OrderNumber)); n > maxOrderNumber {
		panic(fmt.Sprintf("collectssltest: AddOrder: orderNumber of %d characters, more than %d", n, maxOrderNumber))
	}

	chain, err := s.chain(chainKey{o.Shape, o.KeyType, o.ExpiredCross, o.SHA1Root})
	if err != nil {
		panic("collectssltest: AddOrder: " + err.Error())
	}
	leaf, key, err := chain.IssueLeaf(certgen.LeafOptions{
		Domains: o.Domains, Now: s.now(), LeafNotBefore: o.NotBefore, LeafNotAfter: o.NotAfter,
	})
	if err != nil {
		panic("collectssltest: AddOrder: " + err.Error())
	}
	served := chain.Served()
	o.CACertificates = append([]*x509.Certificate(nil), served[:len(served)-1]...)
	o.Chain = append(append([]*x509.Certificate(nil), o.CACertificates...), leaf)
	o.Leaf, o.LeafKey = leaf, key
	o.NotBefore, o.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	if o.OrderNumber != "" && s.byNumber[o.OrderNumber] != nil {
		panic(fmt.Sprintf("collectssltest: AddOrder: orderNumber %q is taken", o.OrderNumber))
	}
	if o.CertificateID != "" && s.byCertID[o.CertificateID] != nil {
		panic(fmt.Sprintf("collectssltest: AddOrder: certificateID %q is taken", o.CertificateID))
	}
	o.OrderNumber = s.fillLocked(o.OrderNumber, s.byNumber, 1_000_000)
	o.CertificateID = s.fillLocked(o.CertificateID, s.byCertID, 9_000_000)
	o.BaseOrderNumber = s.fillLocked(o.BaseOrderNumber, s.byBase, 2_000_000)
	stored := o.clone()
	s.byNumber[o.OrderNumber] = &stored
	s.byCertID[o.CertificateID] = &stored
	s.byBase[o.BaseOrderNumber] = &stored
	return o
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

// Overlap returns how many calls started while another call was in flight.
// The API asks for one call at a time per account: a correct client scores 0.
func (s *Server) Overlap() int { return int(s.overlaps.Load()) }

// MaxInFlight returns the largest number of calls that were in flight at the
// same time (1 for a correct client that made any call).
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// InFlight returns how many calls are in the server right now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// ConnCount returns how many connections the server has accepted.
func (s *Server) ConnCount() int { return int(s.conns.Load()) }

// Call is one recorded call.
type Call struct {
	Time     time.Time
	Duration time.Duration
	Method   string
	// Form is the form as received (parameter names as sent; for a method
	// other than POST, the query string), with the value of every parameter
	// whose name may carry the password replaced by "[REDACTED]" (see
	// redact); nil when it was not read (another path, a fault that ended
	// the call, a body that could not be read or was too large).
	Form url.Values
	// Overlapped reports that the call started while another was in flight.
	Overlapped bool
	// Fault is the injected fault (Fault.String), or "".
	Fault string
	// HTTPStatus is the HTTP status sent, 0 when the connection was closed.
	HTTPStatus int
	// Status is the CollectSSL status code answered; meaningful only when
	// HTTPStatus is 200 and Fault is "", a Delay or a Hold.
	Status collectssl.StatusCode
}

// Calls returns the recorded calls, oldest first: the last 16384.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Form = cloneValues(c.Form)
		out[i] = c
	}
	return out
}

// CallCount returns how many calls the server has received.
func (s *Server) CallCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callCount
}

// FailNext makes the next n calls to Path fail with f, before any check of
// the request but its path (a call to another path gets HTTP 404 and leaves
// the faults queued). Faults queue: FailNext(1, a) then FailNext(2, b)
// serves a, b, b.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callCount++
	if len(s.calls) == maxCallLog {
		copy(s.calls, s.calls[1:])
		s.calls = s.calls[:maxCallLog-1]
	}
	s.calls = append(s.calls, c)
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
