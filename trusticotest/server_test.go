// This file holds the fake server's own tests, over raw HTTP: the token
// endpoint, the Bearer rule, GET as error 1007, the error key per method, and
// a call log that never keeps the token request's body.

package trusticotest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/trusticotest"
)

func post(t *testing.T, s *trusticotest.Server, path, contentType, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return do(t, s, req)
}

func do(t *testing.T, s *trusticotest.Server, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: not JSON: %q", req.URL.Path, b)
	}
	return resp.StatusCode, m
}

func TestServerRules(t *testing.T) {
	s := trusticotest.NewServer()
	defer s.Close()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {trusticotest.DefaultClientID}, "client_secret": {"wrong"}}
	if code, m := post(t, s, "/oauth2/token", "application/x-www-form-urlencoded", "", form.Encode()); code != 401 || m["error"] != "invalid_client" {
		t.Errorf("bad secret: %d %v", code, m)
	}
	form.Set("client_secret", trusticotest.DefaultClientSecret)
	code, m := post(t, s, "/oauth2/token", "application/x-www-form-urlencoded", "", form.Encode())
	tok, _ := m["access_token"].(string)
	if code != 200 || tok == "" || m["token_type"] != "Bearer" || m["expires_in"] != 3600.0 {
		t.Fatalf("token: %d %v", code, m)
	}
	if code, _ := post(t, s, "/order/getbalance", "application/json", "", `{"Type":1}`); code != 401 {
		t.Errorf("no token: HTTP %d, want 401", code)
	}
	if code, _ := post(t, s, "/order/getbalance", "application/json", "Bearer nope", `{"Type":1}`); code != 401 {
		t.Errorf("unknown token: HTTP %d, want 401", code)
	}
	if code, m := post(t, s, "/order/getbalance", "application/json", "Bearer "+tok, `{"Type":1}`); code != 200 || m["SuccessCode"] != 1.0 || m["DueAmmount"] != "$0.00" {
		t.Errorf("GetBalance: %d %v", code, m)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/order/getorderdetails", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if code, m := do(t, s, req); code != 200 || m["SuccessCode"] != 0.0 || !strings.HasPrefix(m["Errormsg"].([]any)[0].(string), "1007") {
		t.Errorf("GET: %d %v, want error 1007 under Errormsg", code, m)
	}
	if _, m := post(t, s, "/order/resendemail", "application/json", "Bearer "+tok, `{"OrderReference":1,"EmailType":"Approver"}`); m["ErrorMSG"] == nil {
		t.Errorf("ResendEmail error under %v, want ErrorMSG", m)
	}
	if _, m := post(t, s, "/order/getbalance", "application/json", "Bearer "+tok, `[{"Type":1}]`); m["ErrorMsg"] == nil {
		t.Errorf("an array body: %v, want error 1001", m)
	}
	if code, _ := post(t, s, "/order/nosuchmethod", "application/json", "Bearer "+tok, `{}`); code != 404 {
		t.Errorf("unknown method: HTTP %d, want 404", code)
	}
	s.SetTestMode(true)
	if _, m := post(t, s, "/order/getbalance", "application/json", "Bearer "+tok, `{"Type":1}`); m["Message"] != "API working in test mode." {
		t.Errorf("TEST mode: %v, want the marker under Message", m)
	}
	for _, c := range s.Calls() {
		if c.Method == "token" && c.Body != nil {
			t.Errorf("the call log kept a token request's body: %s", c.Body)
		}
	}
	if got := s.HTTPMethods(); len(got) != 2 {
		t.Errorf("HTTP methods logged = %v, want GET and POST", got)
	}
}
