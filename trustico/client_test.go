// This file holds the Client's tests against the fake server of trusticotest:
// the token's life, the retry after a 401, the error key's spellings and
// every documented code, the TEST-mode marker, the typed methods' bodies,
// transport rules (POST only, bounded reads, https, no redirects) and the
// secret and tokens kept out of every error, log line and fmt verb.

package trustico_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collectssl/collectssl/trustico"
	"github.com/collectssl/collectssl/trusticotest"
)

// clock is a settable time shared by a Client and the fake server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newServer(t *testing.T) (*trusticotest.Server, *trustico.Client) {
	t.Helper()
	s := trusticotest.NewServer()
	t.Cleanup(s.Close)
	return s, s.Client()
}

func TestTokenFetchedOnceAndRenewedBeforeExpiry(t *testing.T) {
	s, c := newServer(t)
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s.SetClock(clk.now)
	trustico.SetClock(c, clk.now)
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetBalance(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := s.TokensIssued(); got != 1 {
		t.Fatalf("tokens issued for 20 concurrent calls = %d, want 1", got)
	}

	// An hour's token is renewed a minute (a tenth of its lifetime, at
	// most a minute) before it expires, with no 401 on the way.
	clk.advance(58 * time.Minute)
	if _, err := c.GetBalance(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.TokensIssued(); got != 1 {
		t.Fatalf("tokens issued 58 minutes in = %d, want 1", got)
	}
	clk.advance(90 * time.Second)
	if _, err := c.GetBalance(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.TokensIssued(); got != 2 {
		t.Fatalf("tokens issued 59.5 minutes in = %d, want 2 (renewed before expiry)", got)
	}
	for _, call := range s.Calls() {
		if call.Method != "token" && !call.Authorized {
			t.Errorf("call %+v was refused: the token should have been renewed before it expired", call)
		}
	}
}

func TestTokenWithoutExpiryUsedUntilRefused(t *testing.T) {
	s, c := newServer(t)
	s.SetTokenLifetime(0)
	ctx := context.Background()
	for range 5 {
		if _, err := c.GetBalance(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s.RevokeTokens()
	if _, err := c.GetBalance(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.TokensIssued(); got != 2 {
		t.Errorf("tokens issued = %d, want 2", got)
	}
}

func TestUnauthorizedGivesOneNewTokenAndOneRetry(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	if _, err := c.GetBalance(ctx); err != nil {
		t.Fatal(err)
	}
	s.RevokeTokens()
	b, err := c.GetBalance(ctx)
	if err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	if b.CurrentBalance != "$1,000.00" {
		t.Errorf("CurrentBalance = %q", b.CurrentBalance)
	}
	var got []string
	for _, call := range s.Calls() {
		got = append(got, fmt.Sprintf("%s/%v", call.Method, call.Authorized))
	}
	want := "token/false GetBalance/true GetBalance/false token/false GetBalance/true"
	if strings.Join(got, " ") != want {
		t.Errorf("calls = %v, want %s", got, want)
	}

	// Refused twice: one retry only, then an *HTTPError 401.
	s.Fail("GetBalance", trusticotest.Fault{HTTPStatus: http.StatusUnauthorized})
	s.Fail("GetBalance", trusticotest.Fault{HTTPStatus: http.StatusUnauthorized})
	before := len(s.Methods())
	_, err = c.GetBalance(ctx)
	var he *trustico.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized || !errors.Is(err, trustico.ErrHTTPStatus) {
		t.Fatalf("refused twice: err = %v, want an *HTTPError 401", err)
	}
	if n := len(s.Methods()) - before; n != 2 {
		t.Errorf("calls sent when refused twice = %d, want 2", n)
	}
	if got := s.TokensIssued(); got != 3 {
		t.Errorf("tokens issued = %d, want 3", got)
	}
}

func TestTokenRefused(t *testing.T) {
	s, c := newServer(t)
	c.ClientSecret = "wrong"
	_, err := c.GetBalance(context.Background())
	var he *trustico.HTTPError
	if !errors.As(err, &he) || he.Op != "token" || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want an *HTTPError from the token request, 401", err)
	}
	if len(s.Methods()) != 0 {
		t.Errorf("methods called without a token: %v", s.Methods())
	}
	if _, err := (&trustico.Client{Endpoint: s.URL(), TokenURL: s.TokenURL()}).GetBalance(context.Background()); !errors.Is(err, trustico.ErrInvalidRequest) {
		t.Errorf("no credentials: err = %v, want ErrInvalidRequest", err)
	}
}

func TestErrorKeySpellings(t *testing.T) {
	s, c := newServer(t)
	ref := s.AddOrder(trusticotest.Order{}).Reference
	for _, key := range []string{"Errormsg", "ErrorMsg", "ErrorMSG", "errormsg"} {
		s.SetErrorKey(key)
		_, err := c.GetOrderDetails(context.Background(), ref+1000)
		var e *trustico.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: err = %v, want an *Error", key, err)
		}
		if e.Code != 1003 || !errors.Is(err, trustico.ErrNotFound) || len(e.Messages) != 1 || e.Messages[0] != "1003: Not found. i.e. Order not found" {
			t.Errorf("%s: %+v, want code 1003 and its message", key, e)
		}
	}
}

func TestEveryDocumentedCode(t *testing.T) {
	s, c := newServer(t)
	if len(trustico.ErrorCodes) != 13 {
		t.Fatalf("%d documented codes, want 13", len(trustico.ErrorCodes))
	}
	for _, ec := range trustico.ErrorCodes {
		s.Fail("GetBalance", trusticotest.Fault{Code: ec.Code})
		_, err := c.GetBalance(context.Background())
		var e *trustico.Error
		if !errors.As(err, &e) || e.Code != ec.Code || e.Method != "GetBalance" {
			t.Errorf("code %d: err = %v", ec.Code, err)
			continue
		}
		for _, other := range trustico.ErrorCodes {
			if got := errors.Is(err, other.Err); got != (other.Code == ec.Code) {
				t.Errorf("code %d: errors.Is(err, sentinel of %d) = %v", ec.Code, other.Code, got)
			}
		}
		if want := fmt.Sprintf("trustico: GetBalance: error %d: ", ec.Code); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("code %d: %q, want the prefix %q", ec.Code, err, want)
		}
	}
	// Messages with no documented code: Code 0, no sentinel.
	for _, msgs := range [][]string{{"Something failed"}, {"1013 is undocumented", "order 12345"}, {}} {
		s.Fail("GetBalance", trusticotest.Fault{Code: 1, Messages: msgs})
		_, err := c.GetBalance(context.Background())
		var e *trustico.Error
		if !errors.As(err, &e) || e.Code != 0 || len(e.Messages) != len(msgs) {
			t.Errorf("messages %q: err = %#v, want an *Error with Code 0", msgs, err)
		}
		for _, ec := range trustico.ErrorCodes {
			if errors.Is(err, ec.Err) {
				t.Errorf("messages %q match the sentinel of %d", msgs, ec.Code)
			}
		}
	}
	// The code in the second message, in other wordings.
	s.Fail("GetBalance", trusticotest.Fault{Code: 1, Messages: []string{"Request failed", "Error [1005] limit"}})
	if _, err := c.GetBalance(context.Background()); !errors.Is(err, trustico.ErrRequestLimit) {
		t.Errorf("code in the second message: err = %v, want ErrRequestLimit", err)
	}
}

func TestTestMode(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	ref := s.AddOrder(trusticotest.Order{}).Reference

	b, err := c.GetBalance(ctx)
	if err != nil || b.TestMode {
		t.Fatalf("LIVE: %+v, %v; want TestMode false", b, err)
	}
	s.SetTestMode(true)
	for _, key := range []string{"Message", "Notice", "SuccessMessage"} {
		s.SetMarkerKey(key)
		b, err = c.GetBalance(ctx)
		if err != nil || !b.TestMode {
			t.Errorf("marker under %q: TestMode = %v, %v; want true", key, b != nil && b.TestMode, err)
		}
	}
	st, err := c.GetOrderStatus(ctx, trustico.OrderStatusRequest{OrderReference: ref})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := st.Status(); got != trustico.StatusUnpaid || !ok || !st.TestMode {
		t.Errorf("TEST mode order status = %q, %v (TestMode %v); want Unpaid", got, ok, st.TestMode)
	}
	// The LIVE-only methods answer 1006; the marker rides in the error
	// strings, and with no marker key too.
	s.SetMarkerKey("")
	_, err = c.ResendEmail(ctx, ref, trustico.EmailFulfillment)
	var e *trustico.Error
	if !errors.As(err, &e) || !errors.Is(err, trustico.ErrNotAllowedInTestMode) || !e.TestMode {
		t.Errorf("ResendEmail in TEST mode: %v, want 1006 with TestMode", err)
	}
	if _, err := c.Reissue(ctx, trustico.ReissueRequest{OrderReference: ref}); !errors.Is(err, trustico.ErrNotAllowedInTestMode) {
		t.Errorf("Reissue in TEST mode: %v, want 1006", err)
	}
	if err := c.Call(ctx, "CancelOrder", map[string]any{"OrderReference": ref}, nil); !errors.Is(err, trustico.ErrNotAllowedInTestMode) {
		t.Errorf("CancelOrder in TEST mode: %v, want 1006", err)
	}
	var hello struct{ trustico.Envelope }
	s.SetMarkerKey("Message")
	if err := c.Call(ctx, "Hello", nil, &hello); err != nil || !hello.TestMode || hello.SuccessCode != 1 {
		t.Errorf("Hello in TEST mode: %+v, %v", hello, err)
	}
}

func TestTypedMethodsSendTheDocumentedBodies(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	ord := s.AddOrder(trusticotest.Order{Status: trustico.StatusProcessing})

	if _, err := c.ResendEmail(ctx, ord.Reference, trustico.EmailApprover); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetProductPrice(ctx, trustico.ProductPriceRequest{ProductCode: 1023, ValidityPeriod: 12, Attribute: trustico.AttributeNew})
	if err != nil || p.ProductPrice != "$143.00" || p.SANIndividualPrice != "$25.00" {
		t.Errorf("GetProductPrice = %+v, %v", p, err)
	}
	ua, err := c.GetUserAgreement(ctx, 1042)
	if err != nil || !strings.Contains(ua.Agreement, "Trustico Single Site") {
		t.Errorf("GetUserAgreement = %+v, %v", ua, err)
	}
	po, err := c.PlaceOrder(ctx, trustico.PlaceOrderRequest{
		ProductCode: "1042", Attribute: trustico.AttributeNew, ValidityPeriod: 12, ServerCount: 1,
		AdminFirstName: "Ada", AdminLastName: "Lovelace", AdminEmail: "ada@example.test",
		Extra: map[string]any{"AdminPostCode": "AB1 2CD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	newRef, ok := po.OrderReference()
	if !ok {
		t.Fatalf("PlaceOrder answer %v has no OrderReference", po.Fields)
	}
	if st, err := c.GetOrderStatus(ctx, trustico.OrderStatusRequest{OrderReference: newRef}); err != nil {
		t.Error(err)
	} else if got, _ := st.Status(); got != trustico.StatusUnpaid {
		t.Errorf("new order's status = %q, want Unpaid", got)
	}
	if _, err := c.PlaceOrder(ctx, trustico.PlaceOrderRequest{Extra: map[string]any{"AdminEmail": "x"}}); !errors.Is(err, trustico.ErrInvalidRequest) {
		t.Errorf("a field typed and in Extra: %v, want ErrInvalidRequest", err)
	}

	want := []string{
		`{"OrderReference":` + fmt.Sprint(ord.Reference) + `,"EmailType":"Approver"}`,
		`{"ProductCode":1023,"ValidityPeriod":12,"Attribute":"N","Country":""}`,
		`{"ProductCode":1042}`,
	}
	var got []string
	for _, call := range s.Calls() {
		if call.Method != "token" {
			got = append(got, string(call.Body))
		}
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("body %d = %s, want %s", i, got[i], w)
		}
	}
	var po4 map[string]any
	if err := json.Unmarshal([]byte(got[3]), &po4); err != nil || po4["AdminLAstName"] != "Lovelace" || po4["AdminPostCode"] != "AB1 2CD" || po4["ProductCode"] != "1042" {
		t.Errorf("PlaceOrder body = %s", got[3])
	}
	if _, present := po4["AdminTaxID"]; present {
		t.Errorf("PlaceOrder body %s sends an optional field that is not set", got[3])
	}
	for _, call := range s.Calls() {
		if !strings.HasPrefix(call.Path, "/order/") && call.Path != "/oauth2/token" {
			t.Errorf("unexpected path %s", call.Path)
		}
	}
}

func TestCallUsesThePathConvention(t *testing.T) {
	s, c := newServer(t)
	var out struct {
		trustico.Envelope
		Request map[string]string
	}
	if err := c.Call(context.Background(), "GetApproverList", map[string]string{"Domain": "example.test"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Request["Domain"] != "example.test" || out.SuccessCode != 1 || out.Fields["Request"] == nil {
		t.Errorf("Call = %+v", out)
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; last.Path != "/order/getapproverlist" {
		t.Errorf("path = %s, want /order/getapproverlist", last.Path)
	}
	for _, bad := range []string{"", "../token", "Get Order", "x/y"} {
		if err := c.Call(context.Background(), bad, nil, nil); !errors.Is(err, trustico.ErrInvalidRequest) {
			t.Errorf("Call(%q) = %v, want ErrInvalidRequest", bad, err)
		}
	}
	if err := c.Call(context.Background(), "Hello", []int{1}, nil); !errors.Is(err, trustico.ErrInvalidRequest) {
		t.Errorf("an array request: %v, want ErrInvalidRequest", err)
	}
	if got := trustico.MethodPath("Reissue"); got != "/order/reissueorder" {
		t.Errorf("MethodPath(Reissue) = %s", got)
	}
}

func TestOnlyPOSTIsSent(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	ref := s.AddOrder(trusticotest.Order{}).Reference
	c.GetOrderDetails(ctx, ref)
	c.GetBalance(ctx)
	c.GetOrderStatus(ctx, trustico.OrderStatusRequest{OrderReference: ref})
	c.Call(ctx, "GetCA", nil, nil)
	s.RevokeTokens()
	c.GetUserAgreement(ctx, 1020)
	if got := s.HTTPMethods(); len(got) != 1 || got[0] != http.MethodPost {
		t.Errorf("HTTP methods sent = %v, want only POST", got)
	}
	if len(s.Calls()) < 7 {
		t.Errorf("only %d calls logged", len(s.Calls()))
	}

	// And the fake answers a GET as the overview says: error 1007.
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/order/getbalance", nil)
	req.Header.Set("Authorization", "Bearer "+s.Calls()[len(s.Calls())-1].Bearer)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err := trustico.DecodeResponse("GetBalance", body.Bytes(), nil); !errors.Is(err, trustico.ErrGETNotSupported) {
		t.Errorf("a GET: %v (%s), want 1007", err, body.Bytes())
	}
}

func TestOversizedBodyRefused(t *testing.T) {
	s, c := newServer(t)
	s.Fail("GetBalance", trusticotest.Fault{Oversize: 2 << 20})
	if _, err := c.GetBalance(context.Background()); !errors.Is(err, trustico.ErrTooLarge) {
		t.Errorf("a 2 MiB answer: %v, want ErrTooLarge", err)
	}
	c.MaxResponseBytes = 1000
	s.Fail("GetBalance", trusticotest.Fault{Oversize: 2000})
	_, err := c.GetBalance(context.Background())
	var re *trustico.ResponseError
	if !errors.Is(err, trustico.ErrTooLarge) || !errors.As(err, &re) {
		t.Errorf("a 2000-byte answer with MaxResponseBytes 1000: %v, want ErrTooLarge", err)
	}
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Errorf("a small answer under the same limit: %v", err)
	}
	if err := trustico.DecodeResponse("X", bytes.Repeat([]byte(" "), trustico.DefaultMaxResponseBytes+1), nil); !errors.Is(err, trustico.ErrTooLarge) {
		t.Errorf("DecodeResponse over the limit: %v", err)
	}
}

func TestTransportRules(t *testing.T) {
	s, c := newServer(t)
	ctx := context.Background()
	for _, tc := range []struct{ endpoint, tokenURL string }{
		{"http://api.example.test", ""},
		{"", "http://api.example.test/oauth2/token"},
		{"ftp://127.0.0.1", ""},
		{"https://", ""},
	} {
		cc := s.Client()
		if tc.endpoint != "" {
			cc.Endpoint = tc.endpoint
		}
		if tc.tokenURL != "" {
			cc.TokenURL = tc.tokenURL
		}
		if _, err := cc.GetBalance(ctx); !errors.Is(err, trustico.ErrInvalidEndpoint) {
			t.Errorf("%+v: %v, want ErrInvalidEndpoint", tc, err)
		}
	}
	if len(s.Calls()) != 0 {
		t.Errorf("calls sent to an invalid endpoint: %v", s.Calls())
	}

	// No redirect is followed.
	s.Fail("GetBalance", trusticotest.Fault{HTTPStatus: http.StatusFound, Body: []byte("{}")})
	_, err := c.GetBalance(ctx)
	var he *trustico.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusFound {
		t.Errorf("a redirect: %v, want an *HTTPError 302", err)
	}
	// A 500 with no envelope is an *HTTPError; a body that is not the
	// envelope a *ResponseError.
	s.Fail("GetBalance", trusticotest.Fault{HTTPStatus: http.StatusInternalServerError, Body: []byte("<html>oops</html>")})
	if _, err := c.GetBalance(ctx); !errors.As(err, &he) || he.StatusCode != 500 {
		t.Errorf("a 500: %v", err)
	}
	s.Fail("GetBalance", trusticotest.Fault{Body: []byte(`{"Balance":"$1"}`)})
	if _, err := c.GetBalance(ctx); !errors.Is(err, trustico.ErrMalformedResponse) {
		t.Errorf("no SuccessCode: %v, want ErrMalformedResponse", err)
	}
	// A context that ends gives ctx.Err() itself.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.GetBalance(cctx); err != context.Canceled {
		t.Errorf("a cancelled context: %v, want context.Canceled itself", err)
	}
}

func TestSecretAndTokenNeverShown(t *testing.T) {
	s := trusticotest.NewServer()
	defer s.Close()
	const secret = "S3cr3t+/=&é value"
	s.SetCredentials("reseller-7", secret)
	var logs bytes.Buffer
	c := s.Client()
	c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	if _, err := c.GetBalance(ctx); err != nil {
		t.Fatal(err)
	}
	token := s.Calls()[len(s.Calls())-1].Bearer
	if token == "" {
		t.Fatal("no token seen")
	}
	echo := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), "Bearer " + token, token}

	var errs []error
	s.Fail("GetBalance", trusticotest.Fault{Code: 1001, Messages: append([]string{"1001: bad value"}, echo...)})
	s.Fail("GetBalance", trusticotest.Fault{HTTPStatus: 400, Body: []byte(`{"SuccessCode":0,"ErrorMsg":["` + token + `"]}`)})
	s.Fail("GetBalance", trusticotest.Fault{Body: []byte(`{"SuccessCode":"` + token + `"}`)})
	for range 3 {
		_, err := c.GetBalance(ctx)
		if err == nil {
			t.Fatal("no error")
		}
		errs = append(errs, err)
	}
	// The token endpoint echoes the secret in its error.
	s.RevokeTokens()
	s.Fail("token", trusticotest.Fault{HTTPStatus: 400, Body: []byte(`{"error":"invalid_client","error_description":"` + secret + `"}`)})
	_, err := c.GetBalance(ctx)
	var he *trustico.HTTPError
	if !errors.As(err, &he) || he.Op != "token" {
		t.Fatalf("token echo: %v, want a token *HTTPError", err)
	}
	errs = append(errs, err)

	var printed []string
	for _, err := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			printed = append(printed, fmt.Sprintf(verb, err))
		}
		var e *trustico.Error
		if errors.As(err, &e) {
			printed = append(printed, strings.Join(e.Messages, "\n"), fmt.Sprintf("%#v", *e))
		}
	}
	for _, v := range []any{c, *c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			printed = append(printed, fmt.Sprintf(verb, v))
		}
		j, _ := json.Marshal(v)
		printed = append(printed, string(j))
	}
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("client", "client", c, "value", *c)
	printed = append(printed, text.String(), logs.String())

	for _, p := range printed {
		for _, hidden := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), token, fmt.Sprintf("%x", secret)} {
			if strings.Contains(p, hidden) {
				t.Errorf("printed %q shows a secret (%q)", p, hidden)
			}
		}
	}
	if !strings.Contains(logs.String(), `"msg":"trustico call"`) || !strings.Contains(logs.String(), `"msg":"trustico token"`) {
		t.Errorf("expected call and token log lines, got %s", logs.String())
	}
	if !strings.Contains(fmt.Sprint(c), "reseller-7") || !strings.Contains(fmt.Sprint(c), "[REDACTED]") {
		t.Errorf("fmt of the Client = %s, want the ClientID and [REDACTED]", fmt.Sprint(c))
	}
	if e := errs[0].(*trustico.Error); !errors.Is(e, trustico.ErrInvalidValue) || !strings.Contains(e.Messages[1], "[REDACTED]") {
		t.Errorf("scrubbed error %#v lost its code or its redaction mark", e)
	}
}
