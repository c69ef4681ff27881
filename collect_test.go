// This file tests Client.Collect and Wait against the fake server
// (collectssltest): the form sent, the User-Agent, retries and what is not
// retried, bounded reads, no two calls in flight per account, cancellation,
// connection reuse, logging, and redaction of the password.

package collectssl_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
)

// defaultAttempts is how many attempts the default RetryPolicy makes.
const defaultAttempts = 3

// newServer starts a fake CollectSSL server for t that accepts testCreds, so
// that the redaction checks look for the password the client really sends.
func newServer(t testing.TB, o collectssltest.Options) *collectssltest.Server {
	t.Helper()
	o.Credentials = testCreds
	srv := collectssltest.NewServerWith(o)
	t.Cleanup(srv.Close)
	return srv
}

// addOrder adds an order in state st to srv and returns a status query
// (queryType 0) for it.
func addOrder(srv *collectssltest.Server, st collectssltest.State) *collectssl.Request {
	o := srv.AddOrder(collectssltest.Order{State: st})
	return &collectssl.Request{OrderNumber: o.OrderNumber}
}

// settledCalls returns how many calls srv has received, once none is in
// flight: the calls a client is still making (a retry after a failure the
// test provoked) are counted too. The server records a call before it
// answers, so a Collect that returned is always counted.
func settledCalls(t *testing.T, srv *collectssltest.Server) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); srv.InFlight() != 0; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls still in the server after 10s", srv.InFlight())
		}
	}
	return srv.CallCount()
}

// waitInFlight waits until srv holds n calls.
func waitInFlight(t *testing.T, srv *collectssltest.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); srv.InFlight() < n; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %d calls in the server (%d now)", n, srv.InFlight())
		}
	}
}

// observer wraps a Client's transport to see what collectssltest does not
// record: the request's User-Agent, the response's headers, and how much of
// the response body the client read. The client calls RoundTrip and reads
// the body in the goroutine that called Collect: read the fields after
// Collect has returned.
type observer struct {
	next http.RoundTripper

	userAgent     string
	contentType   string
	contentLength int64
	read          int64
}

// observe puts an observer between c and its transport.
func observe(c *collectssl.Client) *observer {
	o := &observer{next: c.HTTPClient.Transport}
	hc := *c.HTTPClient
	hc.Transport = o
	c.HTTPClient = &hc
	return o
}

func (o *observer) RoundTrip(r *http.Request) (*http.Response, error) {
	o.userAgent = r.UserAgent()
	resp, err := o.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	o.contentType, o.contentLength = resp.Header.Get("Content-Type"), resp.ContentLength
	resp.Body = &countingBody{resp.Body, &o.read}
	return resp, nil
}

// countingBody adds the bytes read from it to *n.
type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	*b.n += int64(n)
	return n, err
}

// plainClient returns a Client like srv's for a plain httptest server, used
// where a test needs an answer collectssltest cannot send.
func plainClient(srv *collectssltest.Server, hs *httptest.Server) *collectssl.Client {
	c := srv.Client()
	c.Endpoint = hs.URL + collectssltest.Path
	c.HTTPClient = collectssl.NewHTTPClient(hs.Client().Transport.(*http.Transport).TLSClientConfig)
	return c
}

func TestCollectSendsTheForm(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	srv.AddOrder(collectssltest.Order{CertificateID: "42", State: collectssltest.StateProcessing})
	c := srv.Client()
	c.UserAgent = "panel/2.1"
	obs := observe(c)
	req := &collectssl.Request{CertificateID: "42", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ShowFQDN: true}
	res, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// Status 0 also says the server read a form POST with our credentials
	// (it answers -17 to another method, -3 when the body is not a form, -16
	// to a wrong password): the call log redacts the password.
	if res.Status != collectssl.StatusProcessing {
		t.Errorf("Status = %v, want processing", res.Status)
	}
	if n := settledCalls(t, srv); n != 1 {
		t.Fatalf("server saw %d calls, want 1", n)
	}
	call := srv.Calls()[0]
	if call.Method != http.MethodPost {
		t.Errorf("method = %s, want POST", call.Method)
	}
	want, _ := req.Form(testCreds)
	want.Set("loginPassword", "[REDACTED]")
	if diff := cmp.Diff(want, call.Form); diff != "" {
		t.Errorf("form sent (-want +got):\n%s", diff)
	}
	if wantUA := "panel/2.1 collectssl-go/" + collectssl.LibraryVersion(); obs.userAgent != wantUA {
		t.Errorf("User-Agent = %q, want %q", obs.userAgent, wantUA)
	}
}

func TestCollectRefusesBeforeSending(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	tests := []struct {
		name   string
		client func() *collectssl.Client
		req    *collectssl.Request
		want   error
	}{
		{"invalid request", srv.Client, &collectssl.Request{CertificateID: "abc"}, collectssl.ErrInvalidRequest},
		{"no credentials", func() *collectssl.Client { c := srv.Client(); c.Credentials = collectssl.Credentials{}; return c }, statusReq, collectssl.ErrInvalidRequest},
		{"plain http to a public host", func() *collectssl.Client { c := srv.Client(); c.Endpoint = "http://example.com/x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"ftp", func() *collectssl.Client { c := srv.Client(); c.Endpoint = "ftp://127.0.0.1/x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"no host", func() *collectssl.Client { c := srv.Client(); c.Endpoint = "https:///x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"not a URL", func() *collectssl.Client { c := srv.Client(); c.Endpoint = "https://[::1"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client().Collect(context.Background(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Collect() = %v, want %v", err, tt.want)
			}
		})
	}
	if n := settledCalls(t, srv); n != 0 {
		t.Errorf("server saw %d calls, want 0", n)
	}
	if n := srv.ConnCount(); n != 0 {
		t.Errorf("server accepted %d connections, want 0", n)
	}
}

func TestCollectStatusError(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	res, err := srv.Client().Collect(context.Background(), addOrder(srv, collectssltest.StateRejected))
	var se *collectssl.StatusError
	if res != nil || !errors.As(err, &se) || se.Code != collectssl.StatusRejected || !errors.Is(err, collectssl.ErrRejected) {
		t.Fatalf("Collect() = %v, %v; want a -20 *StatusError", res, err)
	}
	if n := settledCalls(t, srv); n != 1 {
		t.Errorf("server saw %d calls, want 1 (a status is never retried)", n)
	}
}

func TestCollectTransportErrors(t *testing.T) {
	dead := collectssltest.NewServer()
	deadURL := dead.URL()
	dead.Close()

	tests := []struct {
		name string
		// fault is served to every attempt the default policy makes.
		fault collectssltest.Fault
		// plain, when not nil, answers instead on a plain httptest server:
		// for answers collectssltest's faults cannot send.
		plain     http.HandlerFunc
		endpoint  string // overrides the server's
		want      error  // matched with errors.Is; nil: only the type is checked
		wantHTTP  int
		wantCalls int // attempts that reached the server (default policy: 3 attempts)
	}{
		{
			name:     "connection refused",
			endpoint: deadURL,
		},
		{
			name:  "503",
			fault: collectssltest.HTTPError(http.StatusServiceUnavailable),
			want:  collectssl.ErrHTTPStatus, wantHTTP: 503, wantCalls: 3,
		},
		{
			// The HTML is the point: a client that looked for HTML before
			// the status would report ErrNotCollectSSL and not retry.
			// collectssltest's HTTPError sends a text body.
			name: "503 with an HTML page",
			plain: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "<html><body>Service Unavailable</body></html>")
			},
			want: collectssl.ErrHTTPStatus, wantHTTP: 503, wantCalls: 3,
		},
		{
			name:  "404 is not retried",
			fault: collectssltest.HTTPError(http.StatusNotFound),
			want:  collectssl.ErrHTTPStatus, wantHTTP: 404, wantCalls: 1,
		},
		{
			// collectssltest cannot redirect.
			name: "redirect is not followed",
			plain: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://example.com/steal", http.StatusTemporaryRedirect)
			},
			want: collectssl.ErrHTTPStatus, wantHTTP: 307, wantCalls: 1,
		},
		{
			// Labelled text/plain: HTML is recognised by its content.
			name:  "200 with a captive portal page",
			fault: collectssltest.RawResponse("text/plain; charset=utf-8", []byte("\n  <!DOCTYPE html><html>Sign in to the Wi-Fi</html>")),
			want:  collectssl.ErrNotCollectSSL, wantHTTP: 200, wantCalls: 1,
		},
		{
			name:  "200 with the fake's HTML page",
			fault: collectssltest.HTMLPage(),
			want:  collectssl.ErrNotCollectSSL, wantHTTP: 200, wantCalls: 1,
		},
		{
			name:  "empty body",
			fault: collectssltest.EmptyBody(),
			want:  collectssl.ErrEmptyBody, wantHTTP: 200, wantCalls: 3,
		},
		{
			name:  "truncated body",
			fault: collectssltest.TruncatedBody(),
			want:  collectssl.ErrTruncatedBody, wantHTTP: 200, wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, collectssltest.Options{})
			statusReq := addOrder(srv, collectssltest.StateProcessing)
			if tt.fault.String() != "" {
				srv.FailNext(defaultAttempts, tt.fault)
			}
			c := srv.Client()
			calls := func() int { return settledCalls(t, srv) }
			if tt.plain != nil {
				var n atomic.Int64
				hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					tt.plain(w, r)
				}))
				defer hs.Close()
				c = plainClient(srv, hs)
				calls = func() int { return int(n.Load()) + settledCalls(t, srv) }
			}
			if tt.endpoint != "" {
				c.Endpoint = tt.endpoint
			}
			res, err := c.Collect(context.Background(), statusReq)
			var te *collectssl.TransportError
			if res != nil || !errors.As(err, &te) {
				t.Fatalf("Collect() = %v, %v; want a *TransportError", res, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Collect() = %v, want it to match %v", err, tt.want)
			}
			if te.StatusCode != tt.wantHTTP {
				t.Errorf("StatusCode = %d, want %d", te.StatusCode, tt.wantHTTP)
			}
			var se *collectssl.StatusError
			var pe *collectssl.ParseError
			if errors.As(err, &se) || errors.As(err, &pe) || errors.Is(err, collectssl.ErrMalformedResponse) {
				t.Errorf("transport error %v also matches a StatusError or ParseError", err)
			}
			if got := calls(); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if wantAttempts := max(tt.wantCalls, 1); tt.endpoint == "" && te.Attempts != wantAttempts {
				t.Errorf("Attempts = %d, want %d", te.Attempts, wantAttempts)
			}
			if strings.Contains(err.Error(), testPassword) || strings.Contains(fmt.Sprintf("%+v", err), testPassword) {
				t.Errorf("error %q contains the password", err)
			}
			if !strings.HasPrefix(err.Error(), "collectssl: transport: ") {
				t.Errorf("error %q does not start with collectssl: transport:", err)
			}
		})
	}
}

func TestCollectRetriesThenSucceeds(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateIssued)
	srv.FailNext(2, collectssltest.HTTPError(http.StatusBadGateway))
	res, err := srv.Client().Collect(context.Background(), statusReq)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Collect() = %v, %v; want status 1 after two failures", res, err)
	}
	if n := settledCalls(t, srv); n != 3 {
		t.Errorf("server saw %d calls, want 3", n)
	}

	// With retries turned off the first failure is the answer (a retry
	// would succeed).
	srv.FailNext(1, collectssltest.HTTPError(http.StatusBadGateway))
	c := srv.Client()
	c.Retry.MaxAttempts = 1
	_, err = c.Collect(context.Background(), statusReq)
	var te *collectssl.TransportError
	if !errors.As(err, &te) || te.StatusCode != http.StatusBadGateway || te.Attempts != 1 {
		t.Fatalf("Collect() without retries = %v, want the 502 after 1 attempt", err)
	}
	if n := settledCalls(t, srv); n != 4 {
		t.Errorf("server saw %d calls in all, want 4", n)
	}
}

func TestCollectTooLarge(t *testing.T) {
	const tenMiB = 10 << 20
	t.Run("declared length", func(t *testing.T) {
		// An issued order whose binary container is 10 MiB: the answer
		// declares its length, over the default limit.
		srv := newServer(t, collectssltest.Options{})
		o := srv.AddOrder(collectssltest.Order{Container: make([]byte, tenMiB)})
		c := srv.Client()
		obs := observe(c)
		_, err := c.Collect(context.Background(), &collectssl.Request{
			OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain,
			ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary,
		})
		if !errors.Is(err, collectssl.ErrTooLarge) {
			t.Fatalf("Collect() = %v, want ErrTooLarge", err)
		}
		if obs.contentLength != tenMiB {
			t.Fatalf("Content-Length = %d, want %d (the test needs a declared length)", obs.contentLength, tenMiB)
		}
		if n := obs.read; n != 0 {
			t.Errorf("client read %d bytes of a body declared too large, want 0", n)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		const total = 64 << 20
		srv := newServer(t, collectssltest.Options{})
		statusReq := addOrder(srv, collectssltest.StateProcessing)
		srv.FailNext(defaultAttempts, collectssltest.OversizedBody(total))
		c := srv.Client()
		c.MaxResponseBytes = 1 << 20
		obs := observe(c)
		_, err := c.Collect(context.Background(), statusReq)
		if !errors.Is(err, collectssl.ErrTooLarge) {
			t.Fatalf("Collect() = %v, want ErrTooLarge", err)
		}
		if obs.contentLength != -1 {
			t.Fatalf("Content-Length = %d, want none (the test needs a body of unknown length)", obs.contentLength)
		}
		if n := obs.read; n > c.MaxResponseBytes+1 {
			t.Errorf("client read %d bytes of %d: past its limit of %d", n, total, c.MaxResponseBytes)
		}
	})
}

// TestCollectNoOverlap: one Client, and two Clients of one account, never
// have two calls in flight; two accounts may.
// TestCollectOneLockPerServer: Clients of one account that spell the
// endpoint differently (IPv4-mapped addresses, an upper-case scheme) still
// never overlap at the server. (lockKey's test has the other spellings.)
func TestCollectOneLockPerServer(t *testing.T) {
	srv := newServer(t, collectssltest.Options{Latency: 200 * time.Microsecond})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	port, path := u.Port(), u.EscapedPath()
	spellings := []string{
		"https://127.0.0.1:" + port + path,
		"https://[::ffff:127.0.0.1]:" + port + path,
		"HTTPS://127.0.0.1:" + port + path,
		"https://[::ffff:7f00:1]:" + port + path,
		"https://[0:0:0:0:0:ffff:127.0.0.1]:" + port + path,
	}
	var wg sync.WaitGroup
	for g := range 20 {
		c := srv.Client()
		c.Endpoint = spellings[g%len(spellings)]
		wg.Go(func() {
			for range 3 {
				if _, err := c.Collect(context.Background(), statusReq); err != nil {
					t.Errorf("%s: %v", c.Endpoint, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := srv.Overlap(); got != 0 {
		t.Errorf("overlapping calls = %d, want 0", got)
	}
	if got := srv.MaxInFlight(); got != 1 {
		t.Errorf("max calls in flight = %d, want 1", got)
	}
}

func TestCollectNoOverlap(t *testing.T) {
	srv := newServer(t, collectssltest.Options{Latency: 200 * time.Microsecond})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	one := srv.Client()
	twin := srv.Client()
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			c := one
			if g%2 == 1 {
				c = twin
			}
			for range 4 {
				if _, err := c.Collect(context.Background(), statusReq); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := srv.MaxInFlight(); got != 1 {
		t.Errorf("max calls in flight = %d, want 1", got)
	}
	if got := srv.Overlap(); got != 0 {
		t.Errorf("overlapping calls = %d, want 0", got)
	}
	if got := settledCalls(t, srv); got != 200 {
		t.Errorf("calls = %d, want 200", got)
	}

	// The counter can count: two accounts overlap. The server holds both
	// calls (the other account's is then denied: it has one account).
	release := make(chan struct{})
	srv.FailNext(2, collectssltest.Hold(release))
	other := srv.Client()
	other.Credentials.LoginName = "another-account"
	for _, c := range []*collectssl.Client{one, other} {
		wg.Go(func() { c.Collect(context.Background(), statusReq) })
	}
	for deadline := time.Now().Add(10 * time.Second); srv.InFlight() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			wg.Wait()
			t.Fatalf("two accounts never had calls in flight together (max %d)", srv.MaxInFlight())
		}
	}
	close(release)
	wg.Wait()
	if got := srv.MaxInFlight(); got != 2 {
		t.Errorf("max calls in flight for two accounts = %d, want 2", got)
	}
	if got := srv.Overlap(); got != 1 {
		t.Errorf("overlapping calls for two accounts = %d, want 1", got)
	}
	if n := collectssl.AccountLocks(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

func TestCollectCancel(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	// hold has the server hold the next call until the returned func is
	// called, which the end of the (sub)test does at the latest: srv.Close
	// waits for held calls.
	hold := func(t *testing.T) (release func()) {
		ch := make(chan struct{})
		release = sync.OnceFunc(func() { close(ch) })
		t.Cleanup(release)
		srv.FailNext(1, collectssltest.Hold(ch))
		return release
	}

	t.Run("in flight", func(t *testing.T) {
		release := hold(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { _, err := c.Collect(ctx, statusReq); done <- err }()
		waitInFlight(t, srv, 1)
		cancel()
		if err := <-done; err != context.Canceled {
			t.Fatalf("Collect() = %v, want context.Canceled unadorned", err)
		}
		// The fake holds a call before it reads the body, and net/http
		// notices a client leaving only once the body is read: let the
		// held call go before counting.
		release()
		if n := settledCalls(t, srv); n != 1 {
			t.Errorf("server saw %d calls, want 1", n)
		}
	})

	t.Run("queued", func(t *testing.T) {
		release := hold(t)
		first := make(chan error)
		go func() { _, err := c.Collect(context.Background(), statusReq); first <- err }()
		waitInFlight(t, srv, 1)
		ctx, cancel := context.WithCancel(context.Background())
		queued := make(chan error)
		go func() { _, err := c.Collect(ctx, statusReq); queued <- err }()
		waitForQueued(t, c, 1)
		cancel()
		if err := <-queued; err != context.Canceled {
			t.Fatalf("queued Collect() = %v, want context.Canceled", err)
		}
		release()
		if err := <-first; err != nil {
			t.Fatalf("first Collect() = %v", err)
		}
		if n := settledCalls(t, srv); n != 2 {
			t.Errorf("server saw %d calls, want 2 (the cancelled caller never sent)", n)
		}
	})
}

// waitForQueued waits until n callers queue behind the one holding c's
// account lock.
func waitForQueued(t *testing.T, c *collectssl.Client, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		if got, _ := collectssl.QueuedCallers(c); got >= n {
			return
		}
	}
	t.Fatalf("never saw %d callers queued", n)
}

func TestCollectReusesOneConnection(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	for i := range 1000 {
		if _, err := c.Collect(context.Background(), statusReq); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := srv.ConnCount(); n != 1 {
		t.Errorf("server accepted %d connections for 1000 sequential calls, want 1", n)
	}
}

func TestWait(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	c := srv.Client()
	c.MaxPollInterval = 4 * time.Millisecond

	// Status 0 three times, then 1.
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, IssueAfterPolls: 3})
	res, err := c.Wait(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber}, time.Millisecond)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Wait() = %v, %v; want status 1", res, err)
	}
	if n := settledCalls(t, srv); n != 4 {
		t.Errorf("server saw %d calls, want 4", n)
	}

	// Status 0, then -22. The fake moves no order to -22, so the first
	// answer is the fake's status-0 body served as is.
	o = srv.AddOrder(collectssltest.Order{State: collectssltest.StateAwaitingPayment})
	srv.FailNext(1, collectssltest.RawResponse("text/plain", []byte("0\n")))
	if _, err := c.Wait(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber}, time.Millisecond); !errors.Is(err, collectssl.ErrAwaitingPayment) {
		t.Fatalf("Wait() = %v, want ErrAwaitingPayment", err)
	}
	if n := settledCalls(t, srv); n != 6 {
		t.Errorf("server saw %d calls in all, want 6", n)
	}

	// Status 0 for ever.
	o = srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx, &collectssl.Request{OrderNumber: o.OrderNumber}, time.Millisecond); err != context.DeadlineExceeded {
		t.Fatalf("Wait() = %v, want context.DeadlineExceeded", err)
	}
}

func TestCollectLogsOneLine(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	srv.AddOrder(collectssltest.Order{OrderNumber: "7654321", State: collectssltest.StateRevoked})
	var buf bytes.Buffer
	c := srv.Client()
	c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c.Collect(context.Background(), &collectssl.Request{OrderNumber: "7654321"})
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 1 {
		t.Fatalf("logged %d lines, want 1:\n%s", n, out)
	}
	for _, want := range []string{"orderNumber=7654321", "status=-21", "attempts=1", "bytes="} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, testPassword) || strings.Contains(out, testCreds.LoginName) {
		t.Errorf("log line %q contains a credential", out)
	}
}

func TestClientRedaction(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	if _, err := c.Collect(context.Background(), statusReq); err != nil { // fill the lazily made fields
		t.Fatal(err)
	}
	te := &collectssl.TransportError{StatusCode: 502, Attempts: 3, Err: collectssl.ErrHTTPStatus}
	_, requestErr := statusReq.Form(collectssl.Credentials{LoginName: "a", LoginPassword: testPassword + "\n"})
	_, containerErr := collectssl.DecodeCertificates([]byte("not a container"))
	_, bundleErr := collectssl.NewBundle(nil)
	values := map[string]any{
		"*Client": c, "TransportError": te, "StatusError": collectssl.StatusErr(-16, "Permission denied!", ""),
		"RequestError": requestErr, "ParseError": &collectssl.ParseError{Line: 1, Err: collectssl.ErrTooLarge},
		"ContainerError": containerErr, "BundleError": bundleErr,
	}
	for name, v := range values {
		if v == nil {
			t.Fatalf("%s is nil", name)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, testPassword) {
				t.Errorf("%s with %s contains the password: %s", name, verb, got)
			}
		}
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("middleware bug") }

// TestCollectReleasesLockOnPanic: a panicking RoundTripper must not leave the
// account locked for every later call.
func TestCollectReleasesLockOnPanic(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	bad := srv.Client()
	bad.HTTPClient = &http.Client{Transport: panicTransport{}}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Collect did not panic")
			}
		}()
		bad.Collect(context.Background(), statusReq)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srv.Client().Collect(ctx, statusReq); err != nil {
		t.Fatalf("Collect after a panic = %v, want the lock free", err)
	}
	if n := collectssl.AccountLocks(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

// TestCollectHTMLByContent: the Content-Type is whatever responseMimeType
// asked for, text/html included; only an HTML body is refused.
func TestCollectHTMLByContent(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	req := addOrder(srv, collectssltest.StateIssued)
	req.ResponseMIMEType = "text/html"
	c := srv.Client()
	obs := observe(c)
	res, err := c.Collect(context.Background(), req)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Collect() = %v, %v; want status 1", res, err)
	}
	if obs.contentType != "text/html" {
		t.Fatalf("Content-Type = %q, want text/html (the test needs an HTML label)", obs.contentType)
	}
	if !collectssl.LooksLikeHTML([]byte("\ufeff \r\n<html>")) || collectssl.LooksLikeHTML([]byte("2\n-----BEGIN")) {
		t.Error("looksLikeHTML misjudges a BOM-prefixed page or a status body")
	}
}

// TestCollectReusesConnectionAfterErrors: a retried 5xx keeps the connection.
func TestCollectReusesConnectionAfterErrors(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	for range 10 {
		srv.FailNext(1, collectssltest.HTTPError(http.StatusServiceUnavailable))
		if _, err := c.Collect(context.Background(), statusReq); err != nil {
			t.Fatal(err)
		}
	}
	if got := settledCalls(t, srv); got != 20 {
		t.Errorf("calls = %d, want 20 (each call retried once)", got)
	}
	if n := srv.ConnCount(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
}

// TestCollectUntrustedCertificateNotRetried: no retry mends a certificate
// that fails verification.
func TestCollectUntrustedCertificateNotRetried(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	c.HTTPClient = collectssl.NewHTTPClient(nil) // the system roots do not hold httptest's CA
	_, err := c.Collect(context.Background(), statusReq)
	var te *collectssl.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Fatalf("Collect() = %v; want a *TransportError after 1 attempt", err)
	}
	if n := srv.ConnCount(); n != 1 {
		t.Errorf("server saw %d connections, want 1 (no retry)", n)
	}
	if n := settledCalls(t, srv); n != 0 {
		t.Errorf("server answered %d calls over an untrusted connection, want 0", n)
	}
}

func TestCollectMaxResponseBytesClamped(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	statusReq := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	c.MaxResponseBytes = math.MaxInt64
	if res, err := c.Collect(context.Background(), statusReq); err != nil || res.Status != collectssl.StatusProcessing {
		t.Fatalf("Collect() with MaxResponseBytes=MaxInt64 = %v, %v; want status 0", res, err)
	}
	if got := c.MaxBytes(); got != collectssl.MaxResponseBytes {
		t.Errorf("MaxBytes() = %d, want %d", got, collectssl.MaxResponseBytes)
	}
}

// loopbackServer is a plain-HTTP loopback server (which the Client accepts) for
// the client's own behaviour, counting the requests it gets.
func loopbackServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, call int64)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, calls.Add(1)) }))
	t.Cleanup(ts.Close)
	return ts, &calls
}

// loopbackReq is a status query for the loopback servers, which read no form.
var loopbackReq = &collectssl.Request{OrderNumber: "1234567"}

func loopbackClient(ts *httptest.Server) *collectssl.Client {
	return &collectssl.Client{Credentials: testCreds, Endpoint: ts.URL + "/products/download/CollectSSL",
		Retry: collectssl.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}}
}

// TestCollectRetries429: HTTP 429 is retried after its Retry-After, in
// seconds or as an HTTP date; a Retry-After longer than what is left of the
// Client's Timeout ends the call at once, and says how long to wait.
func TestCollectRetries429(t *testing.T) {
	for _, tt := range []struct {
		name    string
		header  func() string
		atLeast time.Duration
	}{
		{"seconds", func() string { return "1" }, time.Second},
		{"HTTP date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts, calls := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, call int64) {
				if call == 1 {
					w.Header().Set("Retry-After", tt.header())
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, "0\n")
			})
			start := time.Now()
			res, err := loopbackClient(ts).Collect(context.Background(), loopbackReq)
			if err != nil || res.Status != collectssl.StatusProcessing {
				t.Fatalf("Collect() = %v, %v; want status 0 after one retry", res, err)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("server saw %d calls, want 2", n)
			}
			if d := time.Since(start); d < tt.atLeast {
				t.Errorf("retried after %v; Retry-After asked for at least %v", d, tt.atLeast)
			}
		})
	}
	t.Run("longer than the timeout", func(t *testing.T) {
		ts, calls := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, call int64) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		c := loopbackClient(ts)
		c.Timeout = 5 * time.Second
		_, err := c.Collect(context.Background(), loopbackReq)
		var te *collectssl.TransportError
		if !errors.As(err, &te) || te.StatusCode != 429 || te.RetryAfter != time.Hour || te.Attempts != 1 {
			t.Fatalf("Collect() = %v; want a TransportError for 429 after 1 attempt with RetryAfter 1h", err)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("server saw %d calls, want 1", n)
		}
	})
}

// TestWaitHonours429: a 429 that Collect gives up on does not end Wait: it
// pauses for the Retry-After and polls again.
func TestWaitHonours429(t *testing.T) {
	ts, calls := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, call int64) {
		switch call {
		case 1:
			io.WriteString(w, "0\n")
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			io.WriteString(w, "1\n")
		}
	})
	c := loopbackClient(ts)
	c.Retry.MaxAttempts = 1
	start := time.Now()
	res, err := c.Wait(context.Background(), loopbackReq, time.Millisecond)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Wait() = %v, %v; want status 1", res, err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("server saw %d calls, want 3", n)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("Wait polled again after %v; Retry-After asked for 1s", d)
	}
}

// TestCollectTimeout: the Client's Timeout bounds the whole call against a
// server that never answers and one that stalls the body, retries
// included; a shorter context still wins.
func TestCollectTimeout(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request, call int64)
	}{
		// Each reads the form first, so that net/http notices the client
		// going away and ends the handler.
		{"no answer", func(w http.ResponseWriter, r *http.Request, _ int64) {
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}},
		{"stalled body", func(w http.ResponseWriter, r *http.Request, _ int64) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "2\n-----BEGIN")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts, _ := loopbackServer(t, tt.handler)
			c := loopbackClient(ts)
			c.Timeout = 300 * time.Millisecond
			done := make(chan error, 1)
			go func() { _, err := c.Collect(context.Background(), loopbackReq); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Collect did not return within 30s; its Timeout is 300ms")
			}
			var te *collectssl.TransportError
			if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout") {
				t.Fatalf("Collect() = %v; want a TransportError matching context.DeadlineExceeded", err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			c.Timeout = time.Hour
			if _, err := c.Collect(ctx, loopbackReq); err != context.DeadlineExceeded {
				t.Errorf("with a shorter context: %v, want context.DeadlineExceeded unadorned", err)
			}
		})
	}
}

// TestCollectTLSVersionMismatchNotRetried: no retry mends a server that
// shares no TLS version with the client.
func TestCollectTLSVersionMismatchNotRetried(t *testing.T) {
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "0\n") }))
	ts.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	tlsConfig := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsConfig.MinVersion = tls.VersionTLS13
	c := &collectssl.Client{Credentials: testCreds, Endpoint: ts.URL + "/x", HTTPClient: collectssl.NewHTTPClient(tlsConfig),
		Retry: collectssl.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}}
	_, err := c.Collect(context.Background(), loopbackReq)
	var te *collectssl.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Fatalf("Collect() = %v; want a TransportError after 1 attempt", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("server saw %d connections, want 1", n)
	}
}

// TestClientsShareOneTransport: a hundred Clients of the default HTTP client
// hold no more connections (and goroutines) than one, and
// CloseIdleConnections lets them go.
func TestClientsShareOneTransport(t *testing.T) {
	ts, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) { io.WriteString(w, "0\n") })
	before := runtime.NumGoroutine()
	// settle waits (up to 5s) for the connections' goroutines to end.
	settle := func() int {
		n := runtime.NumGoroutine()
		for deadline := time.Now().Add(5 * time.Second); n-before > 4 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			n = runtime.NumGoroutine()
		}
		return n
	}
	var clients []*collectssl.Client
	for range 100 {
		c := loopbackClient(ts)
		if _, err := c.Collect(context.Background(), loopbackReq); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if n := runtime.NumGoroutine(); n-before > 20 {
		t.Errorf("100 Clients left %d more goroutines (connections held), want a shared pool of a few", n-before)
	}
	clients[0].CloseIdleConnections()
	if n := settle(); n-before > 4 {
		t.Errorf("after CloseIdleConnections, %d more goroutines than before, want about none", n-before)
	}
}

// echoPassword answers with the password it was sent, in every place a
// server's text can reach: call 1 in a negative status's message, call 2 in
// a body that does not parse, call 3 in the fields of a status answer.
func echoPassword(w http.ResponseWriter, r *http.Request, call int64) {
	r.ParseForm()
	pw := r.PostForm.Get("loginPassword")
	switch call % 3 {
	case 1:
		fmt.Fprintf(w, "-4\nThe value of the 'loginPassword' argument (%s, or %s) is invalid!\n", pw, url.QueryEscape(pw))
	case 2:
		fmt.Fprintf(w, "%s\n", pw)
	default:
		fmt.Fprintf(w, "1\n%s.example.com\nIssued %s\nComplete\n%s\nAuthorized\n", pw, pw, pw)
	}
}

// TestCollectScrubsEchoedPassword: a server that echoes the password puts
// it into no error, no %+v of one, no log line and no Result.
func TestCollectScrubsEchoedPassword(t *testing.T) {
	ts, _ := loopbackServer(t, echoPassword)
	var logged bytes.Buffer
	c := loopbackClient(ts)
	c.Logger = slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	req := &collectssl.Request{OrderNumber: "1", ShowFQDN: true, ShowExtStatus: true}
	leaks := func(what, s string) {
		t.Helper()
		if strings.Contains(s, testPassword) || strings.Contains(s, url.QueryEscape(testPassword)) {
			t.Errorf("%s holds the password: %s", what, s)
		}
	}

	_, err := c.Collect(context.Background(), req)
	var se *collectssl.StatusError
	if !errors.As(err, &se) || se.Code != -4 || !strings.Contains(se.Message, "[REDACTED]") {
		t.Fatalf("echo in a status message: %v; want a StatusError -4 with the password redacted", err)
	}
	leaks("StatusError", fmt.Sprintf("%v %+v %#v %s %s", err, err, se, se.Message, se.Argument))

	_, err = c.Collect(context.Background(), req)
	var pe *collectssl.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, collectssl.ErrMalformedResponse) {
		t.Fatalf("echo as the status line: %v; want a ParseError", err)
	}
	leaks("ParseError", fmt.Sprintf("%v %+v", err, err))
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		leaks("an error it wraps", e.Error())
	}

	res, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Extra[collectssl.ExtraLineKey]; !slices.Contains(got, "[REDACTED].example.com") || !slices.Contains(got, "Issued [REDACTED]") {
		t.Errorf("Result %+v: want the lines that held the password kept, redacted", res)
	}
	leaks("Result", fmt.Sprintf("%+v", res))
	leaks("the log", logged.String())

	// A password the server echoes in its own charset is not in the body
	// as sent: it appears only once the parser decodes the text, in a
	// typed field, and is scrubbed there.
	c.Credentials.LoginPassword = "pässwörd-Ä1"
	enc, err := charmap.ISO8859_1.NewEncoder().String("1\nIssued " + c.Credentials.LoginPassword + "\nComplete\n")
	if err != nil {
		t.Fatal(err)
	}
	ts2, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		io.WriteString(w, enc)
	})
	c2 := loopbackClient(ts2)
	c2.Credentials = c.Credentials
	res, err = c2.Collect(context.Background(), req)
	if err != nil || res.CertificateStatus != "Issued [REDACTED]" {
		t.Errorf("Collect() = %+v, %v; want the password redacted in the certificate status", res, err)
	}
	c.Collect(context.Background(), req)
	c.Collect(context.Background(), req)
	c.Collect(context.Background(), req)
	if n := strings.Count(logged.String(), "collectssl call"); n != 6 {
		t.Errorf("%d log lines, want 6:\n%s", n, logged.String())
	}
}

// TestCollectCapsServerText: a megabyte-long message is in the StatusError,
// but its error string and the log line quote only its start.
func TestCollectCapsServerText(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	ts, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) { io.WriteString(w, "-14\n"+long+"\n") })
	var logged bytes.Buffer
	c := loopbackClient(ts)
	c.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := c.Collect(context.Background(), loopbackReq)
	var se *collectssl.StatusError
	if !errors.As(err, &se) || se.Message != long {
		t.Fatalf("got %T; want a StatusError with the whole message", err)
	}
	if n := len(err.Error()); n > 1024 || !strings.Contains(err.Error(), "1048576 bytes in all") {
		t.Errorf("error string of %d bytes, want at most 1 KiB saying how long the message was", n)
	}
	if n := logged.Len(); n > 2048 {
		t.Errorf("log line of %d bytes, want at most 2 KiB", n)
	}
}

// TestResultBundleWithoutCertificates: Bundle on an answer that carries no
// certificate says so.
func TestResultBundleWithoutCertificates(t *testing.T) {
	res, err := collectssl.ParseLines(nil, []byte("1\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = res.Bundle()
	if !errors.Is(err, collectssl.ErrNoLeaf) || !strings.Contains(err.Error(), "carries no certificates") {
		t.Errorf("Bundle() = %v; want ErrNoLeaf saying the answer carries no certificates", err)
	}
}

// TestCollectScrubsQuotedPassword: an error that quotes the body with %q,
// or cuts it at 40 characters, shows no part of an echoed password.
func TestCollectScrubsQuotedPassword(t *testing.T) {
	const pw = `pa"ss\word-hunter2-secret`
	for _, body := range []string{
		"Bad login " + pw + "\n",                    // quoted: escapes the " and the \
		strings.Repeat("x", 20) + " password=" + pw, // cut at 40 inside the password
	} {
		ts, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) { io.WriteString(w, body) })
		var logged bytes.Buffer
		c := loopbackClient(ts)
		c.Credentials.LoginPassword = pw
		c.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		_, err := c.Collect(context.Background(), loopbackReq)
		if !errors.Is(err, collectssl.ErrMalformedResponse) {
			t.Fatalf("Collect() = %v; want a ParseError", err)
		}
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), logged.String()} {
			for _, part := range []string{"pa\"ss", `pa\"ss`, "hunter2"} {
				if strings.Contains(out, part) {
					t.Errorf("%q holds %q, a part of the password", out, part)
				}
			}
		}
	}
}
