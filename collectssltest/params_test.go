// This file tests where the server reads the parameters of a call, as the
// real API does: the body whatever its Content-Type, the query string of a
// POST, both together (the body wins a conflict), and a GET (-17).

package collectssltest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/collectssl/collectssl/collectssltest"
	"github.com/google/go-cmp/cmp"
)

func TestParameterSources(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{Domains: []string{"params.example.test"}})
	form := validForm(srv, o.OrderNumber)
	form.Set("showFQDN", "Y")
	form.Set("queryType", "0") // status 1: a short body to compare
	want := "1\nparams.example.test\n"
	// split: the credentials in the query string, the rest in the body.
	query, body := url.Values{}, url.Values{}
	for k, v := range form {
		if strings.HasPrefix(k, "login") {
			query[k] = v
		} else {
			body[k] = v
		}
	}
	// lower-case names in the query string are the same parameters
	// (names are case-insensitive) and lose to the body.
	conflictQuery := url.Values{"loginname": {"someone-else"}, "ORDERNUMBER": {"424242"}}
	for k, v := range form {
		conflictQuery[k] = v
	}
	conflictQuery.Del("loginName")
	conflictQuery.Del("orderNumber")

	for _, tt := range []struct {
		name, query, contentType, body string
		want                           string
	}{
		{"form body", "", formType, form.Encode(), want},
		{"body without Content-Type (.NET WebClient.UploadString)", "", "", form.Encode(), want},
		{"text/plain body", "", "text/plain", form.Encode(), want},
		{"application/json label, form body", "", "application/json", form.Encode(), want},
		{"query string of a POST, empty body (a Python client)", form.Encode(), formType, "", want},
		{"query string, no Content-Type, no body", form.Encode(), "", "", want},
		{"split between query string and body", query.Encode(), formType, body.Encode(), want},
		// The body names loginName and orderNumber correctly; the query
		// string names them (in other cases) with wrong values: the body
		// wins, the call succeeds.
		{"conflict: the body wins", conflictQuery.Encode(), formType, form.Encode(), want},
		// The other way round the query string's wrong values are ignored
		// only when the body has them: here the body lacks loginName.
		{"conflict: only the query string has it", "loginName=someone-else", formType, withoutKey(form, "loginName").Encode(), "-16\nPermission denied!\n"},
		{"bad escapes in the query string", "loginName=%zz", formType, form.Encode(), "-14\nAn unknown error occurred!\n"},
		{"a name repeated within the query string", "queryType=0&queryType=0", formType, withoutKey(form, "queryType").Encode(), "-4\nThe value of the 'queryType' argument is invalid!\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL()
			if tt.query != "" {
				u += "?" + tt.query
			}
			status, _, got := post(t, srv.HTTPServer().Client(), u, http.MethodPost, tt.contentType, tt.body)
			if status != http.StatusOK || string(got) != tt.want {
				t.Errorf("got HTTP %d %q, want 200 %q", status, got, tt.want)
			}
			calls := srv.Calls()
			last := calls[len(calls)-1]
			if last.ContentType != tt.contentType {
				t.Errorf("Call.ContentType = %q, want %q", last.ContentType, tt.contentType)
			}
			if got := last.Form.Get("loginPassword"); got != "[REDACTED]" && got != "" {
				t.Errorf("Call.Form loginPassword = %q, want it redacted", got)
			}
		})
	}

	// The recorded form of the conflict: the body's values, and none of the
	// query string's names that the body has.
	u := srv.URL() + "?" + conflictQuery.Encode()
	post(t, srv.HTTPServer().Client(), u, http.MethodPost, formType, form.Encode())
	calls := srv.Calls()
	got := calls[len(calls)-1].Form
	wantForm := url.Values{}
	for k, v := range form {
		wantForm[k] = v
	}
	wantForm.Set("loginPassword", "[REDACTED]")
	if diff := cmp.Diff(wantForm, got); diff != "" {
		t.Errorf("recorded form of a conflict (-want +got):\n%s", diff)
	}
}

// TestGETIsRefused: a GET gets -17 wherever its parameters are, in the
// responseFormat its query string asks for.
func TestGETIsRefused(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	form := validForm(srv, o.OrderNumber)
	for _, tt := range []struct {
		format string
		want   string
	}{
		{"0", "-17\nRequest used GET rather than POST!\n"},
		{"1", "errorCode=-17&errorMessage=Request+used+GET+rather+than+POST%21"},
	} {
		form.Set("responseFormat", tt.format)
		status, _, got := post(t, srv.HTTPServer().Client(), srv.URL()+"?"+form.Encode(), http.MethodGet, "", "")
		if status != http.StatusOK || string(got) != tt.want {
			t.Errorf("GET, format %s: got HTTP %d %q, want 200 %q", tt.format, status, got, tt.want)
		}
	}
	calls := srv.Calls()
	if len(calls) != 2 || calls[0].Method != http.MethodGet || calls[0].Status != -17 || calls[0].Form.Get("loginPassword") != "[REDACTED]" {
		t.Errorf("calls = %+v; want two GETs with status -17 and the password redacted", calls)
	}
}

// withoutKey returns a copy of v without k.
func withoutKey(v url.Values, k string) url.Values {
	out := url.Values{}
	for kk, vv := range v {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}
