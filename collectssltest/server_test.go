// This file tests what the server records and injects: the overlap counter
// (0 for the Client, counted for overlapping raw calls), the connection
// counter over 1000 sequential calls, the call log and its redaction, the
// faults with the Client's retries and limits, and AddOrder's numbering.

package collectssltest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
)

func TestClientNeverOverlaps(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	client := srv.Client()
	const goroutines, calls = 50, 4
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*calls)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual}
				if _, err := client.Collect(context.Background(), req); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := [3]int{srv.CallCount(), srv.Overlap(), srv.MaxInFlight()}
	if want := [3]int{goroutines * calls, 0, 1}; got != want {
		t.Errorf("CallCount, Overlap, MaxInFlight = %v, want %v", got, want)
	}
}

// waitInFlight waits until n calls are inside the server (no timing: it
// yields until the condition holds; the test's deadline bounds it).
func waitInFlight(srv *collectssltest.Server, n int) {
	for srv.InFlight() != n {
		runtime.Gosched()
	}
}

func TestOverlapCounts(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	release := make(chan struct{})
	srv.FailNext(1, collectssltest.Hold(release))
	body := validForm(srv, o.OrderNumber).Encode()

	// Raw HTTP, no per-account lock: the second call starts while the first
	// is held in the server.
	hc := srv.HTTPServer().Client()
	done := make(chan []byte, 1)
	go func() {
		resp, err := hc.Post(srv.URL(), formType, strings.NewReader(body))
		if err != nil {
			done <- []byte(err.Error())
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			b = []byte(err.Error())
		}
		done <- b
	}()
	waitInFlight(srv, 1)
	_, _, second := post(t, hc, srv.URL(), http.MethodPost, formType, body)
	close(release)
	first := <-done

	if !strings.HasPrefix(string(first), "2\n") || !strings.HasPrefix(string(second), "2\n") {
		t.Errorf("answers %.20q, %.20q; want status 2 for both", first, second)
	}
	got := [2]int{srv.Overlap(), srv.MaxInFlight()}
	if want := [2]int{1, 2}; got != want {
		t.Errorf("Overlap, MaxInFlight = %v, want %v", got, want)
	}
	var overlapped []bool
	for _, c := range srv.Calls() {
		overlapped = append(overlapped, c.Overlapped)
	}
	// The log is in order of completion: the second call finished first.
	if diff := cmp.Diff([]bool{true, false}, overlapped); diff != "" {
		t.Errorf("Call.Overlapped (-want +got):\n%s", diff)
	}
}

// TestClientQueuesBehindAHeldCall: while one call of the Client is held in
// the server, a second call of the same account does not reach it.
func TestClientQueuesBehindAHeldCall(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	release := make(chan struct{})
	srv.FailNext(1, collectssltest.Hold(release))
	req := &collectssl.Request{OrderNumber: o.OrderNumber}
	errs := make(chan error, 2)
	go func() { _, err := srv.Client().Collect(context.Background(), req); errs <- err }()
	waitInFlight(srv, 1)
	go func() { _, err := srv.Client().Collect(context.Background(), req); errs <- err }()
	// Whatever the scheduling, the second call cannot be in the server yet.
	for range 100 {
		runtime.Gosched()
		if n := srv.InFlight(); n != 1 {
			t.Fatalf("InFlight = %d while the first call is held, want 1", n)
		}
	}
	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := [2]int{srv.CallCount(), srv.Overlap()}; got != [2]int{2, 0} {
		t.Errorf("CallCount, Overlap = %v, want [2 0]", got)
	}
}

func TestOneConnectionForSequentialCalls(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{Shape: collectssltest.Shape2025})
	client := srv.Client()
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual}
	const calls = 1000
	for i := range calls {
		if _, err := client.Collect(context.Background(), req); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	got := [3]int{srv.CallCount(), srv.ConnCount(), srv.Overlap()}
	if want := [3]int{calls, 1, 0}; got != want {
		t.Errorf("CallCount, ConnCount, Overlap = %v, want %v", got, want)
	}
}

func TestCallLogRedactsThePassword(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	password := srv.Credentials().LoginPassword
	if _, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, ShowFQDN: true}); err != nil {
		t.Fatal(err)
	}
	// A raw call that spells the name differently.
	form := validForm(srv, o.OrderNumber)
	form.Del("loginPassword")
	form.Set("LOGINPASSWORD", password)
	post(t, srv.HTTPServer().Client(), srv.URL(), http.MethodPost, formType, form.Encode())

	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls logged, want 2", len(calls))
	}
	for i, c := range calls {
		if s := fmt.Sprintf("%+v %#v", c, c); strings.Contains(s, password) {
			t.Errorf("call %d: the password appears in %%+v or %%#v of the call", i)
		}
		if c.HTTPStatus != http.StatusOK || c.Status != collectssl.StatusAvailable && c.Status != collectssl.StatusAttached {
			t.Errorf("call %d: HTTP %d, status %v; want 200 and a positive status", i, c.HTTPStatus, c.Status)
		}
	}
	want := map[string][]string{
		"loginName": {srv.Credentials().LoginName}, "loginPassword": {"[REDACTED]"}, "orderNumber": {o.OrderNumber},
		"queryType": {"0"}, "responseType": {"3"}, "responseEncoding": {"0"}, "responseFormat": {"0"}, "showFQDN": {"Y"},
	}
	if diff := cmp.Diff(want, map[string][]string(calls[0].Form)); diff != "" {
		t.Errorf("Form of the Client's call (-want +got):\n%s", diff)
	}
	if got := calls[1].Form.Get("LOGINPASSWORD"); got != "[REDACTED]" {
		t.Errorf("LOGINPASSWORD logged as %q, want [REDACTED]", got)
	}
	// The log is a copy.
	calls[0].Form.Set("orderNumber", "changed")
	if got := srv.Calls()[0].Form.Get("orderNumber"); got != o.OrderNumber {
		t.Errorf("Calls() shares its forms: orderNumber now %q", got)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault collectssltest.Fault
		n     int
		// wantErr is nil when the Client's retries get through.
		wantErr   error
		wantHTTP  []int // HTTP status of each logged call
		wantFault string
	}{
		{"HTTP 500 retried", collectssltest.HTTPError(500), 2, nil, []int{500, 500, 200}, "HTTPError(500)"},
		{"HTTP 503 retried to the end", collectssltest.HTTPError(503), 3, collectssl.ErrHTTPStatus, []int{503, 503, 503}, "HTTPError(503)"},
		{"HTTP 404 not retried", collectssltest.HTTPError(404), 1, collectssl.ErrHTTPStatus, []int{404}, "HTTPError(404)"},
		{"connection closed", collectssltest.CloseConnection(), 1, nil, []int{0, 200}, "CloseConnection"},
		{"truncated body", collectssltest.TruncatedBody(), 1, nil, []int{200, 200}, "TruncatedBody"},
		{"empty body", collectssltest.EmptyBody(), 1, nil, []int{200, 200}, "EmptyBody"},
		{"HTML page", collectssltest.HTMLPage(), 1, collectssl.ErrNotCollectSSL, []int{200}, "HTMLPage"},
		{"oversized body", collectssltest.OversizedBody(collectssl.DefaultMaxResponseBytes + 1), 1, collectssl.ErrTooLarge, []int{200}, "OversizedBody(4194305)"},
		{"unknown status code", collectssltest.RawResponse("text/plain", []byte("-26\nThe certificate is being issued!\n")), 1, &collectssl.StatusError{Code: -26}, []int{200}, "RawResponse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectssltest.NewServer()
			defer srv.Close()
			o := srv.AddOrder(collectssltest.Order{})
			srv.FailNext(tt.n, tt.fault)
			res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil || res.Status != collectssl.StatusAvailable {
					t.Errorf("got %v, %v; want status 1 after retries", res, err)
				}
			case *collectssl.StatusError:
				var se *collectssl.StatusError
				if !errors.As(err, &se) || se.Code != want.Code {
					t.Errorf("got %v, want a *StatusError %d", err, want.Code)
				}
			default:
				if !errors.Is(err, want) {
					t.Errorf("got %v, want %v", err, want)
				}
			}
			var gotHTTP []int
			for i, c := range srv.Calls() {
				gotHTTP = append(gotHTTP, c.HTTPStatus)
				if wantFault := tt.wantFault; i >= tt.n {
					wantFault = ""
					if c.Fault != wantFault {
						t.Errorf("call %d: Fault %q, want none", i, c.Fault)
					}
				} else if c.Fault != wantFault {
					t.Errorf("call %d: Fault %q, want %q", i, c.Fault, wantFault)
				}
			}
			if diff := cmp.Diff(tt.wantHTTP, gotHTTP); diff != "" {
				t.Errorf("HTTP statuses of the calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHoldAndCancel(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	release := make(chan struct{})
	defer close(release)
	srv.FailNext(1, collectssltest.Hold(release))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := srv.Client().Collect(ctx, &collectssl.Request{OrderNumber: o.OrderNumber})
		errc <- err
	}()
	waitInFlight(srv, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestAddOrderNumbers(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	a := srv.AddOrder(collectssltest.Order{})
	b := srv.AddOrder(collectssltest.Order{OrderNumber: "ORD-7", CertificateID: "77"})
	seen := map[string]bool{}
	for _, v := range []string{a.OrderNumber, a.CertificateID, a.BaseOrderNumber, b.BaseOrderNumber} {
		if v == "" || seen[v] || strings.Trim(v, "0123456789") != "" {
			t.Errorf("generated identifier %q: empty, repeated or not digits (%v)", v, seen)
		}
		seen[v] = true
	}
	if b.OrderNumber != "ORD-7" || b.CertificateID != "77" {
		t.Errorf("given identifiers changed: %q %q", b.OrderNumber, b.CertificateID)
	}
	got, ok := srv.Order("ORD-7")
	if !ok || got.CertificateID != "77" || got.Polls != 0 || !got.Leaf.Equal(b.Leaf) {
		t.Errorf("Order(ORD-7) = %+v, %v", got.CertificateID, ok)
	}
	if _, ok := srv.Order("nope"); ok {
		t.Error("Order(nope) found an order")
	}
	for name, o := range map[string]collectssltest.Order{
		"taken orderNumber":   {OrderNumber: "ORD-7"},
		"taken certificateID": {CertificateID: "77"},
		"bad certificateID":   {CertificateID: "7a"},
		"bad baseOrderNumber": {BaseOrderNumber: "x"},
		"unknown shape":       {Shape: 9},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.HasPrefix(s, "collectssltest: AddOrder: ") {
					t.Errorf("%s: recovered %v, want an AddOrder panic", name, r)
				}
			}()
			srv.AddOrder(o)
		}()
	}
}

// TestChainsAreCachedPerServer: orders of one shape and key type share their
// CA certificates; another server has its own.
func TestChainsAreCachedPerServer(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	a := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	b := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, Domains: []string{"other.example.test"}})
	c := srv.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025, ExpiredCross: true})
	other := collectssltest.NewServer()
	defer other.Close()
	d := other.AddOrder(collectssltest.Order{Shape: collectssltest.ShapePre2025})
	if !a.Chain[0].Equal(b.Chain[0]) || !a.Chain[2].Equal(b.Chain[2]) || a.Leaf.Equal(b.Leaf) {
		t.Error("two orders of one shape: want the same CAs and different leaves")
	}
	if a.Chain[1].Equal(c.Chain[1]) || a.Chain[0].Equal(d.Chain[0]) {
		t.Error("an expired-cross order or another server shares the CAs")
	}
	if got := b.Leaf.DNSNames; len(got) != 1 || got[0] != "other.example.test" || b.FQDN != "other.example.test" {
		t.Errorf("leaf DNS names %v, FQDN %q; want other.example.test", got, b.FQDN)
	}
}

func TestOptions(t *testing.T) {
	day := time.Date(2024, 2, 29, 15, 4, 5, 0, time.UTC)
	srv := collectssltest.NewServerWith(collectssltest.Options{
		Now:     func() time.Time { return day },
		Latency: time.Millisecond,
	})
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	wantNB := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	wantNA := time.Date(2025, 3, 1, 23, 59, 59, 0, time.UTC) // a year after 29 February
	res, err := srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber, ShowValidityPeriod: true})
	if err != nil {
		t.Fatal(err)
	}
	got := [4]time.Time{o.NotBefore, o.NotAfter, res.NotBefore, res.NotAfter}
	if want := [4]time.Time{wantNB, wantNA, wantNB, wantNA}; got != want {
		t.Errorf("order and answered validity = %v, want %v", got, want)
	}
	if !o.Chain[0].NotBefore.Before(day) || !o.Chain[0].NotAfter.After(day) {
		t.Errorf("root valid %v to %v, want around %v", o.Chain[0].NotBefore, o.Chain[0].NotAfter, day)
	}

	// Explicit validity.
	nb, na := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 12, 31, 23, 59, 59, 0, time.UTC)
	e := srv.AddOrder(collectssltest.Order{NotBefore: nb, NotAfter: na, EmptyFQDN: true})
	res, err = srv.Client().Collect(context.Background(), &collectssl.Request{OrderNumber: e.OrderNumber, ShowValidityPeriod: true, ShowFQDN: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NotBefore.Equal(nb) || !res.NotAfter.Equal(na) || !e.Leaf.NotAfter.Equal(na) || res.FQDN != "" || e.FQDN != "" {
		t.Errorf("explicit validity: got %v to %v, FQDN %q", res.NotBefore, res.NotAfter, res.FQDN)
	}
}

// TestWaitsAreNeverShorter: every answer waits at least Latency, and a
// Delay fault at least its own wait besides: the server waits on its
// clock for both. (Call.Duration also counts reading the request, so this
// cannot see a wait that ends a little early; TestClock* do.)
func TestWaitsAreNeverShorter(t *testing.T) {
	const latency, delay = 15 * time.Millisecond, 10 * time.Millisecond
	srv := collectssltest.NewServerWith(collectssltest.Options{Latency: latency})
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	srv.FailNext(1, collectssltest.Delay(delay))
	c := srv.Client()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c := *c
			c.Credentials.LoginName += "-" + strconv.Itoa(i) // an account each (no queue in the client), answered -16
			_, err := c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
			if se := (*collectssl.StatusError)(nil); !errors.As(err, &se) || se.Code != collectssl.StatusPermissionDenied {
				t.Errorf("Collect: %v, want status -16", err)
			}
		})
	}
	wg.Wait()
	calls := srv.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls recorded, want 4", len(calls))
	}
	delayed := 0
	for _, call := range calls {
		want := latency
		if call.Fault != "" {
			want += delay
			delayed++
		}
		if call.Duration < want {
			t.Errorf("a call (fault %q) took %v in the server, want at least %v", call.Fault, call.Duration, want)
		}
	}
	if delayed != 1 {
		t.Errorf("%d calls delayed by the fault, want 1", delayed)
	}
}
