// Package trusticotest is an in-process fake of Trustico's REST reseller API
// for tests: an httptest TLS server on loopback with the OAuth2 token
// endpoint, every method with the confirmed request and response shapes,
// orders and their states, TEST-mode rules, the documented error codes,
// faults on demand and a log of every request.
//
// # Assumptions
//
// The fake is as faithful as the public documentation allows; where it is
// silent, the fake has to pick something. Each pick below is an ASSUMPTION,
// not a fact about the real API, and tests built on it prove the client
// against the pick:
//
//   - Host: the methods are served on the token's host, at the documented
//     paths (/order/getorderdetails, ...; Reissue at /order/reissueorder),
//     the undocumented ones at "/order/" + the name in lower case.
//   - Token: the answer is RFC 6749 JSON {"access_token", "token_type":
//     "Bearer", "expires_in"}; client_id and client_secret are read from the
//     form (CONFIRMED) or from HTTP Basic authentication; bad credentials are
//     HTTP 401 {"error": "invalid_client"}.
//   - Calls carry "Authorization: Bearer <token>"; a missing, unknown or
//     expired token is HTTP 401 with an empty JSON object.
//   - The request body is one JSON object; anything else is error 1001.
//   - Errors are HTTP 200 with SuccessCode 0 and the error strings under the
//     key the method's page spells (Errormsg for GetOrderDetails, ErrorMSG for
//     ResendEmail, ErrorMsg otherwise; SetErrorKey overrides it). The numeric
//     code is written at the start of the string: "1003: Not found. i.e.
//     Order not found".
//   - A GET (any path under /order/) is HTTP 200 with error 1007.
//   - TEST mode adds TestModeMarker under the top-level key "Message"
//     (SetMarkerKey changes the key), and to the error strings of an error
//     answer.
//   - Orders: GetOrderDetails returns the certificate fields only for a
//     Completed order, empty otherwise; GetOrderStatus answers the status
//     under "OrderStatus"; PlaceOrder answers the new reference under
//     "OrderReference".
//   - The methods without documented fields (Hello, ParseCSR, ...) answer
//     SuccessCode 1 and echo the request's fields under "Request".
package trusticotest

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
	"github.com/collectssl/collectssl/trustico"
)

// The credentials NewServer accepts, unless changed with SetCredentials.
const (
	DefaultClientID     = "test-client-id"
	DefaultClientSecret = "test-client-secret-never-printed"
)

// DefaultTokenLifetime is the expires_in of the tokens the server issues,
// unless changed with SetTokenLifetime.
const DefaultTokenLifetime = time.Hour

// maxRequestBytes bounds the request bodies the server reads.
const maxRequestBytes = 1 << 20

// Encoding is how the server writes an order's Certificate and
// IntermediateCAs fields (what the real API writes is not documented).
type Encoding int

// The encodings.
const (
	// PEM: the leaf as one PEM block, the CAs as concatenated PEM blocks.
	PEM Encoding = iota
	// Base64: the leaf's DER in bare base64, the CAs' concatenated DER in
	// bare base64.
	Base64
	// PKCS7: a certs-only PKCS#7 (DER, bare base64) of the leaf, and one of
	// the CAs.
	PKCS7
)

// Order is an order the server knows.
type Order struct {
	Reference int
	// Status is the order's status; "" means Completed for AddOrder.
	Status trustico.OrderStatus
	// CertificateStatus is sent as is; "" means "Active" for a Completed
	// order (an ASSUMED value: the set is not documented).
	CertificateStatus string
	Domains           []string // "" means www.example.test
	Encoding          Encoding
	// Shape is the certgen chain shape: TestMode (a test root that issued
	// the leaf), Pre2025 or Shape2025. The zero value is Shape2025.
	Shape Shape

	// Filled in by AddOrder: the chain the order was issued under.
	Leaf *x509.Certificate
	CAs  []*x509.Certificate // in the order sent: the leaf's issuer first

	// Details overrides the GetOrderDetails answer's certificate fields
	// when not nil (raw Certificate and IntermediateCAs).
	Details *RawDetails
}

// Shape selects the chain AddOrder issues an order under.
type Shape int

// The chain shapes.
const (
	Shape2025 Shape = iota
	Pre2025
	TestRoot
)

// RawDetails are certificate fields sent exactly as given.
type RawDetails struct {
	Certificate, IntermediateCAs                string
	CertificateStartDate, CertificateExpiryDate string
}

// Fault makes the server misbehave on the next call of a method.
type Fault struct {
	// HTTPStatus, if not 0, is sent with Body (or an empty JSON object).
	HTTPStatus int
	// Body, if not nil, is sent as the answer, with HTTP 200 unless
	// HTTPStatus.
	Body []byte
	// Code, if not 0, answers SuccessCode 0 with that documented code's
	// message (or Messages, if given, as they are).
	Code     int
	Messages []string
	// Oversize, if > 0, answers a valid envelope padded to this many
	// bytes.
	Oversize int
}

// Call is one request the server received.
type Call struct {
	HTTPMethod string // GET, POST, ...
	Path       string
	Method     string // the API method for a /order/ path, "token" for the token endpoint
	// Bearer is the token the request carried ("" if none), Authorized
	// whether the server accepted it.
	Bearer     string
	Authorized bool
	// Body is the request body as received, for a method call (never for
	// the token request, which holds the secret).
	Body json.RawMessage
	// HTTPStatus and Code are what the server answered (Code 0 for
	// success).
	HTTPStatus int
	Code       int
}

// Server is a fake Trustico API. Its methods are safe for concurrent use.
type Server struct {
	ts *httptest.Server

	mu            sync.Mutex
	clientID      string
	clientSecret  string
	tokenLifetime time.Duration
	tokens        map[string]time.Time // token -> expiry
	tokensIssued  int
	testMode      bool
	errorKey      string
	markerKey     string
	orders        map[int]*Order
	nextRef       int
	faults        map[string][]Fault
	calls         []Call
	balance       trustico.Balance
	now           func() time.Time
	chains        map[Shape]*certgen.Chain
}

// NewServer starts a fake server (TLS, on loopback) in LIVE mode with the
// default credentials and no orders. Close it when done.
func NewServer() *Server {
	s := &Server{
		clientID:      DefaultClientID,
		clientSecret:  DefaultClientSecret,
		tokenLifetime: DefaultTokenLifetime,
		tokens:        map[string]time.Time{},
		markerKey:     "Message",
		orders:        map[int]*Order{},
		nextRef:       900001,
		faults:        map[string][]Fault{},
		now:           time.Now,
		chains:        map[Shape]*certgen.Chain{},
	}
	s.balance.CurrentBalance, s.balance.DueAmount, s.balance.OverdraftLimit = "$1,000.00", "$0.00", "$500.00"
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2/token", s.token)
	mux.HandleFunc("/order/", s.order)
	s.ts = httptest.NewUnstartedServer(mux)
	// A client that gives up on a connection makes the server log; tests
	// do that on purpose.
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.ts.StartTLS()
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// URL is the base URL of the methods, for Client.Endpoint.
func (s *Server) URL() string { return s.ts.URL }

// TokenURL is the token endpoint, for Client.TokenURL.
func (s *Server) TokenURL() string { return s.ts.URL + "/oauth2/token" }

// HTTPClient returns an HTTP client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Certificate returns the server's TLS certificate, which HTTPClient
// trusts: write it as PEM for a process that must trust the server.
func (s *Server) Certificate() *x509.Certificate { return s.ts.Certificate() }

// Client returns a trustico.Client configured for the server: endpoint,
// token URL, TLS trust and credentials.
func (s *Server) Client() *trustico.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &trustico.Client{
		ClientID:     s.clientID,
		ClientSecret: s.clientSecret,
		Endpoint:     s.URL(),
		TokenURL:     s.TokenURL(),
		HTTPClient:   s.ts.Client(),
	}
}

// SetCredentials changes the client ID and secret the server accepts.
func (s *Server) SetCredentials(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientID, s.clientSecret = id, secret
}

// SetTokenLifetime sets the expires_in of the tokens issued from now on; 0
// issues tokens without expires_in that never expire.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = d
}

// SetClock replaces the server's clock (time.Now), by which tokens expire.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// RevokeTokens makes every token issued so far invalid: the next call with
// one gets HTTP 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokensIssued is how many tokens the server has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// SetTestMode switches the account between TEST (true) and LIVE mode.
func (s *Server) SetTestMode(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.testMode = on
}

// SetErrorKey sets the key of the error strings for every method ("" goes
// back to each method's documented spelling).
func (s *Server) SetErrorKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorKey = key
}

// SetMarkerKey sets the top-level key under which TEST mode adds its marker;
// "" adds it to no key (only to error strings).
func (s *Server) SetMarkerKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.markerKey = key
}

// SetBalance sets GetBalance's answer (the amounts, strings with a currency
// symbol).
func (s *Server) SetBalance(current, due, overdraft string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance.CurrentBalance, s.balance.DueAmount, s.balance.OverdraftLimit = current, due, overdraft
}

// Fail queues f for the next call of method (an API method name such as
// "GetOrderDetails", "token" for the token endpoint, or "" for the next
// call of any method). Faults apply in the order queued.
func (s *Server) Fail(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.faults[key] = append(s.faults[key], f)
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// AddOrder adds an order, issuing its chain when it is Completed (the
// default), and returns it with Reference (a fresh one if 0), Leaf and CAs
// filled in. It panics if the chain cannot be made.
func (s *Server) AddOrder(o Order) Order {
	if o.Status == "" {
		o.Status = trustico.StatusCompleted
	}
	if len(o.Domains) == 0 {
		o.Domains = []string{"www.example.test"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.Reference == 0 {
		o.Reference = s.nextRef
		s.nextRef++
	}
	if o.Status == trustico.StatusCompleted && o.Leaf == nil {
		o.Leaf, o.CAs = s.issue(o.Shape, o.Domains)
		if o.CertificateStatus == "" {
			o.CertificateStatus = "Active"
		}
	}
	cp := o
	s.orders[o.Reference] = &cp
	return o
}

// SetOrderStatus changes an order's status (issuing its chain when it
// becomes Completed). It reports whether the order exists.
func (s *Server) SetOrderStatus(ref int, status trustico.OrderStatus) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return false
	}
	o.Status = status
	if status == trustico.StatusCompleted && o.Leaf == nil {
		o.Leaf, o.CAs = s.issue(o.Shape, o.Domains)
		if o.CertificateStatus == "" {
			o.CertificateStatus = "Active"
		}
	}
	return true
}

// Order returns the order with the given reference.
func (s *Server) Order(ref int) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// issue makes a leaf for domains under the shape's chain (made once per
// server, since CA generation is the slow part). s.mu is held.
func (s *Server) issue(shape Shape, domains []string) (*x509.Certificate, []*x509.Certificate) {
	ch := s.chains[shape]
	if ch == nil {
		o := certgen.Options{Shape: certgen.Shape2025, KeyType: certgen.ECDSA}
		switch shape {
		case Pre2025:
			o.Shape = certgen.Pre2025
		case TestRoot:
			o.Shape = certgen.TestMode
		}
		ch = certgen.MustNew(o)
		s.chains[shape] = ch
	}
	leaf, _, err := ch.IssueLeaf(certgen.LeafOptions{Domains: domains})
	if err != nil {
		panic("trusticotest: issuing a leaf: " + err.Error())
	}
	// Leaf's issuer first, root last: the reverse of CollectSSL's order.
	served := ch.Served()
	var cas []*x509.Certificate
	for i := len(served) - 2; i >= 0; i-- {
		cas = append(cas, served[i])
	}
	return leaf, cas
}

// record appends a call to the log.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// nextFault pops the next fault for method (or for any method). s.mu is
// held.
func (s *Server) nextFault(method string) (Fault, bool) {
	for _, key := range []string{strings.ToLower(method), ""} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}

// token serves the OAuth2 token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	call := Call{HTTPMethod: r.Method, Path: r.URL.Path, Method: "token"}
	defer func() { s.record(call) }()
	s.mu.Lock()
	f, faulty := s.nextFault("token")
	s.mu.Unlock()
	if faulty && (f.HTTPStatus != 0 || f.Body != nil) {
		call.HTTPStatus = writeRaw(w, f)
		return
	}
	if r.Method != http.MethodPost {
		call.HTTPStatus = writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "invalid_request"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if err := r.ParseForm(); err != nil {
		call.HTTPStatus = writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.PostForm.Get("grant_type") != "client_credentials" {
		call.HTTPStatus = writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	if id != s.clientID || secret != s.clientSecret {
		call.HTTPStatus = writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	tok := newToken()
	answer := map[string]any{"access_token": tok, "token_type": "Bearer"}
	if s.tokenLifetime > 0 {
		s.tokens[tok] = s.now().Add(s.tokenLifetime)
		answer["expires_in"] = int64(s.tokenLifetime / time.Second)
	} else {
		s.tokens[tok] = time.Time{}
	}
	s.tokensIssued++
	call.HTTPStatus = writeJSON(w, http.StatusOK, answer)
}

func newToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "tok-" + hex.EncodeToString(b)
}

// order serves every /order/ path.
func (s *Server) order(w http.ResponseWriter, r *http.Request) {
	name := methodName(strings.TrimPrefix(r.URL.Path, "/order/"))
	call := Call{HTTPMethod: r.Method, Path: r.URL.Path, Method: name}
	defer func() { s.record(call) }()
	if name == "" {
		call.HTTPStatus = writeJSON(w, http.StatusNotFound, map[string]any{})
		return
	}
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		call.Bearer = b
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		call.HTTPStatus = writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{})
		return
	}
	call.Body = json.RawMessage(body)

	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[call.Bearer]
	call.Authorized = known && (exp.IsZero() || s.now().Before(exp))
	if !call.Authorized {
		call.HTTPStatus = writeJSON(w, http.StatusUnauthorized, map[string]any{})
		return
	}
	if f, ok := s.nextFault(name); ok {
		switch {
		case f.HTTPStatus != 0 || f.Body != nil:
			call.HTTPStatus = writeRaw(w, f)
			return
		case f.Code != 0 || f.Messages != nil:
			call.Code = f.Code
			msgs := f.Messages
			if msgs == nil {
				msgs = []string{codeMessage(f.Code)}
			}
			call.HTTPStatus = s.writeError(w, name, msgs)
			return
		case f.Oversize > 0:
			answer := s.envelope(map[string]any{"SuccessCode": 1, "Padding": strings.Repeat("x", f.Oversize)})
			call.HTTPStatus = writeJSON(w, http.StatusOK, answer)
			return
		}
	}
	if r.Method != http.MethodPost {
		call.Code = 1007
		call.HTTPStatus = s.writeError(w, name, []string{codeMessage(1007)})
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		call.Code = 1001
		call.HTTPStatus = s.writeError(w, name, []string{"1001: the request body is not a JSON object"})
		return
	}
	answer, code, msg := s.serve(name, req)
	if code != 0 {
		call.Code = code
		call.HTTPStatus = s.writeError(w, name, []string{msg})
		return
	}
	answer["SuccessCode"] = 1
	call.HTTPStatus = writeJSON(w, http.StatusOK, s.envelope(answer))
}

// methodName maps a path's last element to the API method, "" if unknown.
func methodName(p string) string {
	for _, m := range trustico.Methods {
		if strings.TrimPrefix(m.Path, "/order/") == p {
			return m.Name
		}
	}
	return ""
}

// codeMessage is the message of a documented code as the fake writes it
// (ASSUMPTION: the code at the start).
func codeMessage(code int) string {
	for _, c := range trustico.ErrorCodes {
		if c.Code == code {
			return strconv.Itoa(code) + ": " + c.Meaning
		}
	}
	return "Unknown error"
}

// serve answers a well-formed call of a method: the answer's fields, or an
// error code and message. s.mu is held.
func (s *Server) serve(name string, req map[string]json.RawMessage) (map[string]any, int, string) {
	m, _ := trustico.LookupMethod(name)
	if s.testMode && !m.TestMode {
		return nil, 1006, codeMessage(1006)
	}
	intField := func(key string) (int, bool) {
		var n int
		raw, ok := req[key]
		if !ok || json.Unmarshal(raw, &n) != nil {
			return 0, false
		}
		return n, true
	}
	strField := func(key string) (string, bool) {
		var v string
		raw, ok := req[key]
		if !ok || json.Unmarshal(raw, &v) != nil {
			return "", false
		}
		return v, true
	}
	order := func() (*Order, int, string) {
		ref, ok := intField("OrderReference")
		if !ok {
			return nil, 1001, "1001: OrderReference is required and must be an integer"
		}
		o, ok := s.orders[ref]
		if !ok {
			return nil, 1003, codeMessage(1003)
		}
		return o, 0, ""
	}
	switch name {
	case "GetOrderDetails":
		o, code, msg := order()
		if code != 0 {
			return nil, code, msg
		}
		return s.details(o), 0, ""
	case "GetOrderStatus":
		o, code, msg := order()
		if code != 0 {
			return nil, code, msg
		}
		st := o.Status
		if s.testMode {
			st = trustico.StatusUnpaid // CONFIRMED: TEST orders are always Unpaid
		}
		return map[string]any{"OrderStatus": string(st)}, 0, ""
	case "GetBalance":
		if t, ok := intField("Type"); !ok || t != 1 {
			return nil, 1001, "1001: Type must be 1"
		}
		return map[string]any{"CurrentBalance": s.balance.CurrentBalance, "DueAmmount": s.balance.DueAmount, "OverdraftLimit": s.balance.OverdraftLimit}, 0, ""
	case "GetProductPrice":
		code, ok := intField("ProductCode")
		p, known := trustico.LookupProduct(code)
		if !ok || !known {
			return nil, 1001, "1001: unknown ProductCode"
		}
		months, ok := intField("ValidityPeriod")
		if !ok || months < p.MinMonths || months > p.MaxMonths {
			return nil, 1001, "1001: ValidityPeriod not available for this product"
		}
		if a, _ := strField("Attribute"); a != "N" && a != "R" {
			return nil, 1001, "1001: Attribute must be N or R"
		}
		price := fmt.Sprintf("$%d.00", 10*months+code-1000)
		return map[string]any{"ProductPrice": price, "SANPackPrice": "$0.00", "SANIndividualPrice": "$25.00", "SANIndividualWildcardPrice": "$75.00"}, 0, ""
	case "GetUserAgreement":
		code, _ := intField("ProductCode")
		p, ok := trustico.LookupProduct(code)
		if !ok {
			return nil, 1001, "1001: unknown ProductCode"
		}
		return map[string]any{"Agreement": "Subscriber agreement for " + p.Name + " (test)."}, 0, ""
	case "ResendEmail":
		o, code, msg := order()
		if code != 0 {
			return nil, code, msg
		}
		switch t, _ := strField("EmailType"); {
		case t == "Approver" && o.Status != trustico.StatusProcessing:
			return nil, 1010, codeMessage(1010)
		case t == "Fulfillment" && o.Status != trustico.StatusCompleted:
			return nil, 1008, codeMessage(1008)
		case t != "Approver" && t != "Fulfillment":
			return nil, 1001, "1001: EmailType must be Approver or Fulfillment"
		}
		return map[string]any{}, 0, ""
	case "PlaceOrder":
		pc, _ := strField("ProductCode")
		n, err := strconv.Atoi(pc)
		if _, ok := trustico.LookupProduct(n); err != nil || !ok {
			return nil, 1001, "1001: unknown ProductCode"
		}
		for _, k := range []string{"Attribute", "AdminFirstName", "AdminEmail"} {
			if v, _ := strField(k); v == "" {
				return nil, 1001, "1001: " + k + " is required"
			}
		}
		if c, ok := strField("CouponCode"); ok && c != "" {
			return nil, 1016, codeMessage(1016)
		}
		ref := s.nextRef
		s.nextRef++
		s.orders[ref] = &Order{Reference: ref, Status: trustico.StatusUnpaid, Domains: []string{"www.example.test"}}
		return map[string]any{"OrderReference": ref}, 0, ""
	case "Reissue":
		o, code, msg := order()
		if code != 0 {
			return nil, code, msg
		}
		if o.Status != trustico.StatusCompleted {
			return nil, 1010, codeMessage(1010)
		}
		o.Leaf, o.CAs = s.issue(o.Shape, o.Domains)
		return map[string]any{}, 0, ""
	}
	// A method whose fields are not documented: echo the request.
	return map[string]any{"Request": req}, 0, ""
}

// details is GetOrderDetails' answer for o. s.mu is held.
func (s *Server) details(o *Order) map[string]any {
	d := map[string]any{"CertificateStatus": o.CertificateStatus}
	if o.Details != nil {
		d["Certificate"], d["IntermediateCAs"] = o.Details.Certificate, o.Details.IntermediateCAs
		d["CertificateStartDate"], d["CertificateExpiryDate"] = o.Details.CertificateStartDate, o.Details.CertificateExpiryDate
		return d
	}
	if o.Status != trustico.StatusCompleted || o.Leaf == nil || s.testMode {
		return d
	}
	d["Certificate"], d["IntermediateCAs"] = encode(o.Encoding, []*x509.Certificate{o.Leaf}), encode(o.Encoding, o.CAs)
	// ASSUMED format: the API's is not documented.
	d["CertificateStartDate"] = o.Leaf.NotBefore.UTC().Format("2006-01-02 15:04:05")
	d["CertificateExpiryDate"] = o.Leaf.NotAfter.UTC().Format("2006-01-02 15:04:05")
	return d
}

// encode writes certs in the encoding e.
func encode(e Encoding, certs []*x509.Certificate) string {
	var ders [][]byte
	for _, c := range certs {
		ders = append(ders, c.Raw)
	}
	switch e {
	case Base64:
		return base64.StdEncoding.EncodeToString(bytes.Join(ders, nil))
	case PKCS7:
		p7, err := wire.PKCS7(ders)
		if err != nil {
			panic("trusticotest: " + err.Error())
		}
		return base64.StdEncoding.EncodeToString(p7)
	}
	var b bytes.Buffer
	for _, d := range ders {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
	}
	return b.String()
}

// envelope adds the TEST-mode marker to an answer. s.mu is held.
func (s *Server) envelope(answer map[string]any) map[string]any {
	if s.testMode && s.markerKey != "" {
		answer[s.markerKey] = trustico.TestModeMarker
	}
	return answer
}

// writeError writes SuccessCode 0 with msgs under the method's error key.
// s.mu is held.
func (s *Server) writeError(w http.ResponseWriter, method string, msgs []string) int {
	key := s.errorKey
	if key == "" {
		switch method {
		case "GetOrderDetails":
			key = "Errormsg"
		case "ResendEmail":
			key = "ErrorMSG"
		default:
			key = "ErrorMsg"
		}
	}
	if s.testMode {
		msgs = append(append([]string(nil), msgs...), trustico.TestModeMarker)
	}
	return writeJSON(w, http.StatusOK, s.envelope(map[string]any{"SuccessCode": 0, key: msgs}))
}

func writeRaw(w http.ResponseWriter, f Fault) int {
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	body := f.Body
	if body == nil {
		body = []byte("{}")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
	return status
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte("{}")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return status
}

// Methods returns the API methods called so far, in order, without the token
// requests: a small helper for assertions.
func (s *Server) Methods() []string {
	var out []string
	for _, c := range s.Calls() {
		if c.Method != "token" {
			out = append(out, c.Method)
		}
	}
	return out
}

// HTTPMethods returns the distinct HTTP methods received, sorted.
func (s *Server) HTTPMethods() []string {
	seen := map[string]bool{}
	for _, c := range s.Calls() {
		seen[c.HTTPMethod] = true
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
