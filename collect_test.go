package collectssl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/google/go-cmp/cmp"
)

// testServer is an httptest TLS server that counts connections and calls in
// flight, checks the form every call sends, and answers with handle.
type testServer struct {
	*httptest.Server
	t        testing.TB
	conns    atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	calls    atomic.Int64

	mu     sync.Mutex
	handle func(w http.ResponseWriter, r *http.Request, call int64)
}

func newTestServer(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, call int64)) *testServer {
	ts := &testServer{t: t, handle: handle}
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(ts.serve))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) serve(w http.ResponseWriter, r *http.Request) {
	n := ts.inFlight.Add(1)
	defer ts.inFlight.Add(-1)
	for {
		m := ts.maxIn.Load()
		if n <= m || ts.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	call := ts.calls.Add(1)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		ts.t.Errorf("call %d: %s with Content-Type %q, want a form POST", call, r.Method, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		ts.t.Errorf("call %d: ParseForm: %v", call, err)
	}
	ts.mu.Lock()
	h := ts.handle
	ts.mu.Unlock()
	h(w, r, call)
}

// client returns a Client for ts using the library's default HTTP client,
// trusting ts's certificate.
func (ts *testServer) client() *collectssl.Client {
	return &collectssl.Client{
		Credentials: testCreds,
		Endpoint:    ts.URL + "/products/download/CollectSSL",
		HTTPClient:  collectssl.NewHTTPClient(ts.Client().Transport.(*http.Transport).TLSClientConfig),
		Retry:       collectssl.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond},
	}
}

func answer(body string) func(http.ResponseWriter, *http.Request, int64) {
	return func(w http.ResponseWriter, _ *http.Request, _ int64) { io.WriteString(w, body) }
}

var statusReq = &collectssl.Request{OrderNumber: "1234567"}

func TestCollectSendsTheForm(t *testing.T) {
	var got url.Values
	var ua string
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		got, ua = r.PostForm, r.UserAgent()
		io.WriteString(w, "0\n")
	})
	c := ts.client()
	c.UserAgent = "panel/2.1"
	req := &collectssl.Request{CertificateID: "42", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ShowFQDN: true}
	res, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != collectssl.StatusProcessing {
		t.Errorf("Status = %v, want processing", res.Status)
	}
	want, _ := req.Form(testCreds)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("form sent (-want +got):\n%s", diff)
	}
	if wantUA := "panel/2.1 collectssl-go/" + collectssl.LibraryVersion(); ua != wantUA {
		t.Errorf("User-Agent = %q, want %q", ua, wantUA)
	}
}

func TestCollectRefusesBeforeSending(t *testing.T) {
	ts := newTestServer(t, answer("0\n"))
	tests := []struct {
		name   string
		client func() *collectssl.Client
		req    *collectssl.Request
		want   error
	}{
		{"invalid request", ts.client, &collectssl.Request{CertificateID: "abc"}, collectssl.ErrInvalidRequest},
		{"no credentials", func() *collectssl.Client { c := ts.client(); c.Credentials = collectssl.Credentials{}; return c }, statusReq, collectssl.ErrInvalidRequest},
		{"plain http to a public host", func() *collectssl.Client { c := ts.client(); c.Endpoint = "http://example.com/x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"ftp", func() *collectssl.Client { c := ts.client(); c.Endpoint = "ftp://127.0.0.1/x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"no host", func() *collectssl.Client { c := ts.client(); c.Endpoint = "https:///x"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
		{"not a URL", func() *collectssl.Client { c := ts.client(); c.Endpoint = "https://[::1"; return c }, statusReq, collectssl.ErrInvalidEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client().Collect(context.Background(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Collect() = %v, want %v", err, tt.want)
			}
		})
	}
	if n := ts.calls.Load(); n != 0 {
		t.Errorf("server saw %d calls, want 0", n)
	}
}

func TestCollectStatusError(t *testing.T) {
	ts := newTestServer(t, answer("-20\nThe certificate request has been rejected!\n"))
	res, err := ts.client().Collect(context.Background(), statusReq)
	var se *collectssl.StatusError
	if res != nil || !errors.As(err, &se) || se.Code != collectssl.StatusRejected || !errors.Is(err, collectssl.ErrRejected) {
		t.Fatalf("Collect() = %v, %v; want a -20 *StatusError", res, err)
	}
	if n := ts.calls.Load(); n != 1 {
		t.Errorf("server saw %d calls, want 1 (a status is never retried)", n)
	}
}

func TestCollectTransportErrors(t *testing.T) {
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name      string
		handle    func(http.ResponseWriter, *http.Request, int64)
		endpoint  string // overrides the server's
		want      error  // matched with errors.Is; nil: only the type is checked
		wantHTTP  int
		wantCalls int64 // attempts that reached the server (default policy: 3 attempts)
	}{
		{
			name:     "connection refused",
			endpoint: closedURL + "/x",
		},
		{
			name: "503 with an HTML page",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "<html><body>Service Unavailable</body></html>")
			},
			want: collectssl.ErrHTTPStatus, wantHTTP: 503, wantCalls: 3,
		},
		{
			name: "404 is not retried",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				http.NotFound(w, nil)
			},
			want: collectssl.ErrHTTPStatus, wantHTTP: 404, wantCalls: 1,
		},
		{
			name: "redirect is not followed",
			handle: func(w http.ResponseWriter, r *http.Request, _ int64) {
				http.Redirect(w, r, "https://example.com/steal", http.StatusTemporaryRedirect)
			},
			want: collectssl.ErrHTTPStatus, wantHTTP: 307, wantCalls: 1,
		},
		{
			name: "200 with a captive portal page",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				io.WriteString(w, "\n  <!DOCTYPE html><html>Sign in to the Wi-Fi</html>")
			},
			want: collectssl.ErrNotCollectSSL, wantHTTP: 200, wantCalls: 1,
		},
		{
			name:   "empty body",
			handle: func(http.ResponseWriter, *http.Request, int64) {},
			want:   collectssl.ErrEmptyBody, wantHTTP: 200, wantCalls: 3,
		},
		{
			name: "truncated body",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int64) {
				w.Header().Set("Content-Length", "100")
				io.WriteString(w, "2\n-----BEGIN CERT")
				w.(http.Flusher).Flush()    // the header and part of the body go out
				panic(http.ErrAbortHandler) // closes the connection mid-body
			},
			want: collectssl.ErrTruncatedBody, wantHTTP: 200, wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handle := tt.handle
			if handle == nil {
				handle = answer("0\n")
			}
			ts := newTestServer(t, handle)
			c := ts.client()
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
			if got := ts.calls.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if wantAttempts := max(int(tt.wantCalls), 1); tt.endpoint == "" && te.Attempts != wantAttempts {
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
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, call int64) {
		if call <= 2 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		io.WriteString(w, "1\n")
	})
	res, err := ts.client().Collect(context.Background(), statusReq)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Collect() = %v, %v; want status 1 after two failures", res, err)
	}
	if n := ts.calls.Load(); n != 3 {
		t.Errorf("server saw %d calls, want 3", n)
	}

	// With retries turned off the first failure is the answer.
	ts.calls.Store(0)
	c := ts.client()
	c.Retry.MaxAttempts = 1
	_, err = c.Collect(context.Background(), statusReq)
	var te *collectssl.TransportError
	if !errors.As(err, &te) || te.StatusCode != http.StatusBadGateway || te.Attempts != 1 {
		t.Fatalf("Collect() without retries = %v, want the 502 after 1 attempt", err)
	}
}

func TestCollectTooLarge(t *testing.T) {
	const tenMiB = 10 << 20
	t.Run("declared length", func(t *testing.T) {
		var written atomic.Int64
		ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Length", fmt.Sprint(tenMiB))
			w.Write([]byte("2\n"))
			for written.Load() < tenMiB {
				n, err := w.Write(make([]byte, 64<<10))
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		_, err := ts.client().Collect(context.Background(), statusReq)
		if !errors.Is(err, collectssl.ErrTooLarge) {
			t.Fatalf("Collect() = %v, want ErrTooLarge", err)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		const total = 64 << 20
		written := make(chan int64, 1)
		ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
			var n int64
			defer func() { written <- n }()
			chunk := bytes.Repeat([]byte("A"), 64<<10)
			for n < total {
				m, err := w.Write(chunk)
				n += int64(m)
				if err != nil {
					return
				}
			}
		})
		c := ts.client()
		c.MaxResponseBytes = 1 << 20
		_, err := c.Collect(context.Background(), statusReq)
		if !errors.Is(err, collectssl.ErrTooLarge) {
			t.Fatalf("Collect() = %v, want ErrTooLarge", err)
		}
		if n := <-written; n >= total {
			t.Errorf("server wrote all %d bytes: the client read past its limit", n)
		}
	})
}

// TestCollectNoOverlap: one Client, and two Clients of one account, never
// have two calls in flight; two accounts may.
func TestCollectNoOverlap(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
		time.Sleep(200 * time.Microsecond)
		io.WriteString(w, "0\n")
	})
	one := ts.client()
	twin := ts.client()
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
	if got := ts.maxIn.Load(); got != 1 {
		t.Errorf("max calls in flight = %d, want 1", got)
	}
	if got := ts.calls.Load(); got != 200 {
		t.Errorf("calls = %d, want 200", got)
	}

	// The counter can count: two accounts overlap.
	ts.maxIn.Store(0)
	release := make(chan struct{})
	ts.mu.Lock()
	ts.handle = func(w http.ResponseWriter, _ *http.Request, _ int64) { <-release; io.WriteString(w, "0\n") }
	ts.mu.Unlock()
	other := ts.client()
	other.Credentials.LoginName = "another-account"
	for _, c := range []*collectssl.Client{one, other} {
		wg.Go(func() { c.Collect(context.Background(), statusReq) })
	}
	for deadline := time.Now().Add(10 * time.Second); ts.inFlight.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			wg.Wait()
			t.Fatalf("two accounts never had calls in flight together (max %d)", ts.maxIn.Load())
		}
	}
	close(release)
	wg.Wait()
	if got := ts.maxIn.Load(); got != 2 {
		t.Errorf("max calls in flight for two accounts = %d, want 2", got)
	}
	if n := collectssl.AccountLocks(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

func TestCollectCancel(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		entered <- struct{}{}
		select {
		case <-release:
			io.WriteString(w, "0\n")
		case <-r.Context().Done():
		}
	})
	c := ts.client()

	t.Run("in flight", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { _, err := c.Collect(ctx, statusReq); done <- err }()
		<-entered
		cancel()
		if err := <-done; err != context.Canceled {
			t.Fatalf("Collect() = %v, want context.Canceled unadorned", err)
		}
	})

	t.Run("queued", func(t *testing.T) {
		first := make(chan error)
		go func() { _, err := c.Collect(context.Background(), statusReq); first <- err }()
		<-entered
		ctx, cancel := context.WithCancel(context.Background())
		queued := make(chan error)
		go func() { _, err := c.Collect(ctx, statusReq); queued <- err }()
		waitForQueued(t, c, 1)
		cancel()
		if err := <-queued; err != context.Canceled {
			t.Fatalf("queued Collect() = %v, want context.Canceled", err)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first Collect() = %v", err)
		}
		if n := ts.calls.Load(); n != 2 {
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
	ts := newTestServer(t, answer("0\n"))
	c := ts.client()
	for i := range 1000 {
		if _, err := c.Collect(context.Background(), statusReq); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := ts.conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections for 1000 sequential calls, want 1", n)
	}
}

func TestWait(t *testing.T) {
	answers := []string{"0\n", "0\n", "0\n", "1\n"}
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, call int64) {
		io.WriteString(w, answers[min(int(call), len(answers))-1])
	})
	c := ts.client()
	c.MaxPollInterval = 4 * time.Millisecond
	res, err := c.Wait(context.Background(), statusReq, time.Millisecond)
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Wait() = %v, %v; want status 1", res, err)
	}
	if n := ts.calls.Load(); n != 4 {
		t.Errorf("server saw %d calls, want 4", n)
	}

	ts.calls.Store(0)
	answers = []string{"0\n", "-22\nStill awaiting payment!\n"}
	if _, err := c.Wait(context.Background(), statusReq, time.Millisecond); !errors.Is(err, collectssl.ErrAwaitingPayment) {
		t.Fatalf("Wait() = %v, want ErrAwaitingPayment", err)
	}

	ts.calls.Store(0)
	answers = []string{"0\n"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx, statusReq, time.Millisecond); err != context.DeadlineExceeded {
		t.Fatalf("Wait() = %v, want context.DeadlineExceeded", err)
	}
}

func TestCollectLogsOneLine(t *testing.T) {
	ts := newTestServer(t, answer("-21\nThe certificate has been revoked!\n"))
	var buf bytes.Buffer
	c := ts.client()
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
	ts := newTestServer(t, answer("0\n"))
	c := ts.client()
	c.Collect(context.Background(), statusReq) // fill the lazily made fields
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
	ts := newTestServer(t, answer("0\n"))
	bad := ts.client()
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
	if _, err := ts.client().Collect(ctx, statusReq); err != nil {
		t.Fatalf("Collect after a panic = %v, want the lock free", err)
	}
	if n := collectssl.AccountLocks(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

// TestCollectHTMLByContent: the Content-Type is whatever responseMimeType
// asked for, text/html included; only an HTML body is refused.
func TestCollectHTMLByContent(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "1\n")
	})
	res, err := ts.client().Collect(context.Background(), &collectssl.Request{OrderNumber: "1", ResponseMIMEType: "text/html"})
	if err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("Collect() = %v, %v; want status 1", res, err)
	}
	if !collectssl.LooksLikeHTML([]byte("\ufeff \r\n<html>")) || collectssl.LooksLikeHTML([]byte("2\n-----BEGIN")) {
		t.Error("looksLikeHTML misjudges a BOM-prefixed page or a status body")
	}
}

// TestCollectReusesConnectionAfterErrors: a retried 5xx keeps the connection.
func TestCollectReusesConnectionAfterErrors(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, call int64) {
		if call%2 == 1 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, strings.Repeat("<p>busy</p>", 100))
			return
		}
		io.WriteString(w, "0\n")
	})
	c := ts.client()
	for range 10 {
		if _, err := c.Collect(context.Background(), statusReq); err != nil {
			t.Fatal(err)
		}
	}
	if got := ts.calls.Load(); got != 20 {
		t.Errorf("calls = %d, want 20 (each call retried once)", got)
	}
	if n := ts.conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
}

// TestCollectUntrustedCertificateNotRetried: no retry mends a certificate
// that fails verification.
func TestCollectUntrustedCertificateNotRetried(t *testing.T) {
	ts := newTestServer(t, answer("0\n"))
	c := ts.client()
	c.HTTPClient = collectssl.NewHTTPClient(nil) // the system roots do not hold httptest's CA
	_, err := c.Collect(context.Background(), statusReq)
	var te *collectssl.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Fatalf("Collect() = %v; want a *TransportError after 1 attempt", err)
	}
	if n := ts.conns.Load(); n != 1 {
		t.Errorf("server saw %d connections, want 1 (no retry)", n)
	}
}

func TestCollectMaxResponseBytesClamped(t *testing.T) {
	ts := newTestServer(t, answer("0\n"))
	c := ts.client()
	c.MaxResponseBytes = math.MaxInt64
	if res, err := c.Collect(context.Background(), statusReq); err != nil || res.Status != collectssl.StatusProcessing {
		t.Fatalf("Collect() with MaxResponseBytes=MaxInt64 = %v, %v; want status 0", res, err)
	}
	if got := c.MaxBytes(); got != collectssl.MaxResponseBytes {
		t.Errorf("MaxBytes() = %d, want %d", got, collectssl.MaxResponseBytes)
	}
}
