// This file tests the control API in-process: what protects it (loopback,
// the token, bounded bodies, strict JSON) and each operation against the Go
// API it maps to.

package collectssltest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

const testToken = "control-test-token"

// ctl sends a control request and decodes the JSON answer into out (if not
// nil); it returns the HTTP status.
func ctl(t *testing.T, srv *collectssltest.Server, token, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(srv.ControlURL(), "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.HTTPServer().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func TestControlProtection(t *testing.T) {
	srv := collectssltest.NewServerWith(collectssltest.Options{ControlToken: testToken})
	defer srv.Close()
	if got, want := srv.ControlURL(), strings.TrimSuffix(srv.URL(), collectssltest.Path)+"/control/"; got != want {
		t.Errorf("ControlURL() = %q, want %q", got, want)
	}
	creds := srv.Credentials()
	for name, token := range map[string]string{"no token": "", "wrong token": "nope", "the collection password": creds.LoginPassword} {
		var e map[string]string
		if code := ctl(t, srv, token, "GET", "/counters", "", &e); code != http.StatusUnauthorized || e["error"] == "" {
			t.Errorf("%s: HTTP %d %v, want 401 with an error", name, code, e)
		}
	}
	if code := ctl(t, srv, testToken, "POST", "/orders", `{"domains": ["x.test"], "colour": "red"}`, nil); code != http.StatusBadRequest {
		t.Errorf("unknown field: HTTP %d, want 400", code)
	}
	if code := ctl(t, srv, testToken, "POST", "/orders", `{"state": "sleeping"}`, nil); code != http.StatusBadRequest {
		t.Errorf("unknown state: HTTP %d, want 400", code)
	}
	if code := ctl(t, srv, testToken, "POST", "/orders", `{"renews": "424242"}`, nil); code != http.StatusBadRequest {
		t.Errorf("renewing an unknown order: HTTP %d, want 400", code)
	}
	big := `{"domains": ["` + strings.Repeat("a", 64<<10) + `"]}`
	if code := ctl(t, srv, testToken, "POST", "/orders", big, nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 64 KiB body: HTTP %d, want 413", code)
	}
	if code := ctl(t, srv, testToken, "POST", "/faults", `{"kind": "httpError", "status": 503, "count": 1001}`, nil); code != http.StatusBadRequest {
		t.Errorf("count over 1000: HTTP %d, want 400", code)
	}
	if code := ctl(t, srv, testToken, "GET", "/nothing", "", nil); code != http.StatusNotFound {
		t.Errorf("unknown operation: HTTP %d, want 404", code)
	}
	// From another address (httptest.NewRequest's is 192.0.2.1): 403.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/control/counters", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	srv.ControlHandler(testToken).ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("non-loopback client: HTTP %d, want 403", rec.Code)
	}
	// Control requests are no calls, and their connections do not count.
	if n, c := srv.CallCount(), srv.ConnCount(); n != 0 || c != 0 {
		t.Errorf("after control requests only: CallCount %d, ConnCount %d; want 0, 0", n, c)
	}
	// Without a token, the control paths are not served.
	plain := collectssltest.NewServer()
	defer plain.Close()
	resp, err := plain.HTTPServer().Client().Get(strings.TrimSuffix(plain.URL(), collectssltest.Path) + "/control/counters")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if plain.ControlURL() != "" || resp.StatusCode != http.StatusNotFound {
		t.Errorf("no ControlToken: ControlURL %q, HTTP %d; want \"\" and 404", plain.ControlURL(), resp.StatusCode)
	}
}

type ctlOrder struct {
	OrderNumber, BaseOrderNumber, State, Renews, CertificatePEM, KeyPEM, Shape, KeyType string
	Domains                                                                             []string
	Polls                                                                               int
}

type ctlCounters struct {
	CallCount, Overlap, MaxInFlight, InFlight, ConnCount, QueuedFaults int
}

func TestControlOperations(t *testing.T) {
	srv := collectssltest.NewServerWith(collectssltest.Options{ControlToken: testToken})
	defer srv.Close()
	var o ctlOrder
	if code := ctl(t, srv, testToken, "POST", "/orders", `{"domains": ["c.example.test"], "state": "processing", "issueAfterPolls": 1, "shape": "pre2025", "keyType": "rsa"}`, &o); code != http.StatusCreated {
		t.Fatalf("add order: HTTP %d", code)
	}
	if o.State != "processing" || o.Shape != "Pre2025" || o.KeyType != "RSA" || !strings.Contains(o.CertificatePEM, "BEGIN CERTIFICATE") || !strings.Contains(o.KeyPEM, "PRIVATE KEY") {
		t.Errorf("added order = %+v", o)
	}
	goOrder, ok := srv.Order(o.OrderNumber)
	if !ok || goOrder.Domains[0] != "c.example.test" || goOrder.IssueAfterPolls != 1 {
		t.Fatalf("the Go API does not see the order: %+v", goOrder)
	}
	var renewal ctlOrder
	ctl(t, srv, testToken, "POST", "/orders", `{"renews": "`+o.OrderNumber+`", "shape": "Pre2025", "keyType": "RSA"}`, &renewal)
	if renewal.Renews != o.OrderNumber || renewal.BaseOrderNumber != o.BaseOrderNumber || renewal.KeyPEM == o.KeyPEM {
		t.Errorf("renewal = %+v, want the same base order and a new key", renewal)
	}
	var list struct{ Orders []ctlOrder }
	ctl(t, srv, testToken, "GET", "/orders", "", &list)
	if len(list.Orders) != 2 || list.Orders[1].OrderNumber != renewal.OrderNumber {
		t.Errorf("orders = %+v", list.Orders)
	}

	c := srv.Client()
	req := &collectssl.Request{OrderNumber: o.OrderNumber}
	if res, err := c.Collect(context.Background(), req); err != nil || res.Status != collectssl.StatusProcessing {
		t.Fatalf("first poll: %v, %v", res, err)
	}
	if res, err := c.Collect(context.Background(), req); err != nil || res.Status != collectssl.StatusAvailable {
		t.Fatalf("second poll: %v, %v", res, err)
	}
	var changed ctlOrder
	ctl(t, srv, testToken, "POST", "/orders/"+o.OrderNumber+"/state", `{"state": "rejected"}`, &changed)
	if _, err := c.Collect(context.Background(), req); changed.State != "rejected" || changed.Polls != 2 || err == nil {
		t.Errorf("after state rejected: order %+v, Collect error %v", changed, err)
	}
	if code := ctl(t, srv, testToken, "POST", "/orders/nope/state", `{"state": "issued"}`, nil); code != http.StatusNotFound {
		t.Errorf("state of an unknown order: HTTP %d, want 404", code)
	}
	ctl(t, srv, testToken, "POST", "/orders/"+o.OrderNumber+"/state", `{"state": "issued"}`, nil)

	// Faults: a 503 and a 429, then a hold released through the API.
	var q struct{ Queued int }
	ctl(t, srv, testToken, "POST", "/faults", `{"kind": "httpError", "status": 503, "contentType": "text/html", "body": "<html>busy</html>"}`, &q)
	ctl(t, srv, testToken, "POST", "/faults", `{"kind": "tooManyRequests", "retryAfterSeconds": 0}`, &q)
	if q.Queued != 2 {
		t.Errorf("queued = %d, want 2", q.Queued)
	}
	form := validForm(srv, o.OrderNumber).Encode()
	for _, want := range []int{503, 429, 200} {
		if code, _, _ := post(t, srv.HTTPServer().Client(), srv.URL(), http.MethodPost, formType, form); code != want {
			t.Errorf("raw POST: HTTP %d, want %d", code, want)
		}
	}
	ctl(t, srv, testToken, "POST", "/faults", `{"kind": "hold"}`, nil)
	done := make(chan error, 1)
	go func() { _, err := c.Collect(context.Background(), req); done <- err }()
	waitInFlight(srv, 1)
	ctl(t, srv, testToken, "POST", "/release", "", nil)
	if err := <-done; err != nil {
		t.Errorf("Collect after release: %v", err)
	}

	var calls struct {
		CallCount int
		Calls     []struct {
			Fault      string
			HTTPStatus int
			Status     int
			Form       map[string][]string
		}
	}
	ctl(t, srv, testToken, "GET", "/calls?last=4", "", &calls)
	if calls.CallCount != 7 || len(calls.Calls) != 4 {
		t.Fatalf("calls: count %d, %d listed; want 7 and the last 4", calls.CallCount, len(calls.Calls))
	}
	var got []string
	for _, cl := range calls.Calls {
		got = append(got, cl.Fault+"/"+strconv.Itoa(cl.HTTPStatus))
		if pw := cl.Form["loginPassword"]; len(pw) != 1 || pw[0] != "[REDACTED]" {
			t.Errorf("call form password %v, want redacted", pw)
		}
	}
	if strings.Join(got, " ") != "HTTPErrorPage(503)/503 TooManyRequests(0s)/429 /200 Hold/200" {
		t.Errorf("last calls = %v", got)
	}
	var cnt ctlCounters
	ctl(t, srv, testToken, "GET", "/counters", "", &cnt)
	if cnt != (ctlCounters{CallCount: 7, MaxInFlight: 1, ConnCount: 2}) {
		t.Errorf("counters = %+v", cnt)
	}
	ctl(t, srv, testToken, "POST", "/reset", "", &cnt)
	if cnt != (ctlCounters{}) || srv.CallCount() != 0 || len(srv.Calls()) != 0 {
		t.Errorf("after reset: counters %+v, CallCount %d", cnt, srv.CallCount())
	}
	ctl(t, srv, testToken, "POST", "/faults", `{"kind": "closeConnection", "count": 3}`, nil)
	ctl(t, srv, testToken, "DELETE", "/faults", "", &q)
	if q.Queued != 0 || srv.QueuedFaults() != 0 {
		t.Errorf("after DELETE /faults: %d queued", q.Queued)
	}
}

// TestControlReplay: an order added through the control API with a capture
// file answers with the captured answer, byte for byte.
func TestControlReplay(t *testing.T) {
	srv := collectssltest.NewServerWith(collectssltest.Options{ControlToken: testToken})
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing})
	var cp *collectssl.Capture
	c := srv.Client()
	c.Capture = func(x *collectssl.Capture) { cp = x }
	req := &collectssl.Request{OrderNumber: o.OrderNumber, ShowExtStatus: true, ShowStatusDetails: true}
	live, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	file, err := cp.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]string{"orderNumber": "REPLAY-1", "replay": string(file)})
	if err != nil {
		t.Fatal(err)
	}
	if code := ctl(t, srv, testToken, "POST", "/orders", string(body), nil); code != http.StatusCreated {
		t.Fatalf("POST /orders with a replay: HTTP %d", code)
	}
	req.OrderNumber = "REPLAY-1"
	got, err := srv.Client().Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != live.Status || got.CertificateStatus != live.CertificateStatus || *got.StatusDetails != *live.StatusDetails {
		t.Errorf("replayed %+v, live %+v", got, live)
	}
	if code := ctl(t, srv, testToken, "POST", "/orders", `{"replay":"not a capture"}`, nil); code != http.StatusBadRequest {
		t.Errorf("a replay that is no capture: HTTP %d, want 400", code)
	}
}
