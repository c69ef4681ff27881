// This file tests the server's request checks: every negative status code
// with its exact message and body, in both response formats, from raw HTTP
// requests (a correct Client never sends most of them).

package collectssltest_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// post sends body with the given method and Content-Type to srv's endpoint
// and returns the Content-Type and body of the answer.
func post(t *testing.T, hc *http.Client, endpoint, method, contentType, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

const formType = "application/x-www-form-urlencoded"

// validForm is a correct request for order.
func validForm(srv *collectssltest.Server, orderNumber string) url.Values {
	c := srv.Credentials()
	return url.Values{
		"loginName":        {c.LoginName},
		"loginPassword":    {c.LoginPassword},
		"orderNumber":      {orderNumber},
		"queryType":        {"1"},
		"responseType":     {"3"},
		"responseEncoding": {"0"},
	}
}

// wantBody is the exact body of a negative status in format.
func wantBody(code collectssl.StatusCode, msg string, format int) (contentType, body string) {
	if format == 1 {
		return "application/x-www-form-urlencoded", "errorCode=" + strconv.Itoa(int(code)) + "&errorMessage=" + url.QueryEscape(msg)
	}
	return "text/plain", strconv.Itoa(int(code)) + "\n" + msg + "\n"
}

func TestChecks(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	issued := srv.AddOrder(collectssltest.Order{})
	other := srv.AddOrder(collectssltest.Order{})
	rejected := srv.AddOrder(collectssltest.Order{State: collectssltest.StateRejected})
	revoked := srv.AddOrder(collectssltest.Order{State: collectssltest.StateRevoked})
	unpaid := srv.AddOrder(collectssltest.Order{State: collectssltest.StateAwaitingPayment})
	broken := srv.AddOrder(collectssltest.Order{State: collectssltest.StateUnknownError})

	set := func(kv ...string) func(url.Values) {
		return func(f url.Values) {
			for i := 0; i < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
		}
	}
	del := func(keys ...string) func(url.Values) {
		return func(f url.Values) {
			for _, k := range keys {
				f.Del(k)
			}
		}
	}
	long := func(n int) string { return strings.Repeat("7", n) }

	tests := []struct {
		name   string
		method string // "" means POST
		edit   func(url.Values)
		code   collectssl.StatusCode
		msg    string
		arg    string // the argument quoted in msg
		// format0Only: the request cannot carry responseFormat=1 (it is the
		// invalid value), so the error is always in format 0.
		format0Only bool
	}{
		{"GET", http.MethodGet, nil, collectssl.StatusGETNotPOST, "Request used GET rather than POST!", "", false},
		{"PUT", http.MethodPut, nil, collectssl.StatusGETNotPOST, "Request used GET rather than POST!", "", false},
		{"unknown argument", "", set("xyz", "1"), collectssl.StatusUnrecognisedArgument, "Unrecognised argument!", "", false},
		{"removed saspSessionID", "", set("saspSessionID", "1"), collectssl.StatusUnrecognisedArgument, "Unrecognised argument!", "", false},
		{"name with spaces", "", set("show Validity Period", "Y"), collectssl.StatusUnrecognisedArgument, "Unrecognised argument!", "", false},
		{"loginName missing", "", del("loginName"), collectssl.StatusArgumentMissing, "The 'loginName' argument is missing!", "loginName", false},
		{"loginName empty", "", set("loginName", ""), collectssl.StatusArgumentMissing, "The 'loginName' argument is missing!", "loginName", false},
		{"loginPassword missing", "", del("loginPassword"), collectssl.StatusArgumentMissing, "The 'loginPassword' argument is missing!", "loginPassword", false},
		{"loginName too long", "", set("loginName", long(65)), collectssl.StatusArgumentInvalid, "The value of the 'loginName' argument is invalid!", "loginName", false},
		{"loginPassword too long", "", set("loginPassword", long(129)), collectssl.StatusArgumentInvalid, "The value of the 'loginPassword' argument is invalid!", "loginPassword", false},
		{"wrong password", "", set("loginPassword", "wrong"), collectssl.StatusPermissionDenied, "Permission denied!", "", false},
		{"wrong login", "", set("loginName", "someone"), collectssl.StatusPermissionDenied, "Permission denied!", "", false},
		{"login is case-sensitive", "", set("loginName", strings.ToUpper(srv.Credentials().LoginName)), collectssl.StatusPermissionDenied, "Permission denied!", "", false},
		{"no identifier", "", del("orderNumber"), collectssl.StatusArgumentMissing, "The 'orderNumber' argument is missing!", "orderNumber", false},
		{"orderNumber too long", "", set("orderNumber", long(129)), collectssl.StatusArgumentInvalid, "The value of the 'orderNumber' argument is invalid!", "orderNumber", false},
		{"certificateID not digits", "", set("certificateID", "12a"), collectssl.StatusArgumentInvalid, "The value of the 'certificateID' argument is invalid!", "certificateID", false},
		{"certificateID 17 digits", "", set("certificateID", long(17)), collectssl.StatusArgumentInvalid, "The value of the 'certificateID' argument is invalid!", "certificateID", false},
		{"baseOrderNumber not digits", "", set("baseOrderNumber", "-5"), collectssl.StatusArgumentInvalid, "The value of the 'baseOrderNumber' argument is invalid!", "baseOrderNumber", false},
		{"queryType 4", "", set("queryType", "4"), collectssl.StatusArgumentInvalid, "The value of the 'queryType' argument is invalid!", "queryType", false},
		{"queryType 01", "", set("queryType", "01"), collectssl.StatusArgumentInvalid, "The value of the 'queryType' argument is invalid!", "queryType", false},
		{"queryType letter", "", set("queryType", "a"), collectssl.StatusArgumentInvalid, "The value of the 'queryType' argument is invalid!", "queryType", false},
		{"responseType 4", "", set("responseType", "4"), collectssl.StatusArgumentInvalid, "The value of the 'responseType' argument is invalid!", "responseType", false},
		{"responseEncoding 2", "", set("responseEncoding", "2"), collectssl.StatusArgumentInvalid, "The value of the 'responseEncoding' argument is invalid!", "responseEncoding", false},
		{"responseFormat 2", "", set("responseFormat", "2"), collectssl.StatusArgumentInvalid, "The value of the 'responseFormat' argument is invalid!", "responseFormat", true},
		{"flag y", "", set("showFQDN", "y"), collectssl.StatusArgumentInvalid, "The value of the 'showFQDN' argument is invalid!", "showFQDN", false},
		{"flag true", "", set("showStatusDetails", "true"), collectssl.StatusArgumentInvalid, "The value of the 'showStatusDetails' argument is invalid!", "showStatusDetails", false},
		{"flag 1", "", set("showMDCDomainDetails2", "1"), collectssl.StatusArgumentInvalid, "The value of the 'showMDCDomainDetails2' argument is invalid!", "showMDCDomainDetails2", false},
		{"ZIP with queryType 2", "", set("queryType", "2", "responseType", "0"), collectssl.StatusArgumentInvalid, "The value of the 'responseType' argument is invalid!", "responseType", false},
		{"Netscape with queryType 0", "", set("queryType", "0", "responseType", "1"), collectssl.StatusArgumentInvalid, "The value of the 'responseType' argument is invalid!", "responseType", false},
		{"PKCS#7 with queryType 3", "", set("queryType", "3", "responseType", "2"), collectssl.StatusArgumentInvalid, "The value of the 'responseType' argument is invalid!", "responseType", false},
		{"binary with queryType 2", "", set("queryType", "2", "responseEncoding", "1"), collectssl.StatusArgumentInvalid, "The value of the 'responseEncoding' argument is invalid!", "responseEncoding", false},
		{"binary individual", "", set("responseEncoding", "1"), collectssl.StatusArgumentInvalid, "The value of the 'responseEncoding' argument is invalid!", "responseEncoding", false},
		{"binary Netscape", "", set("responseType", "1", "responseEncoding", "1"), collectssl.StatusArgumentInvalid, "The value of the 'responseEncoding' argument is invalid!", "responseEncoding", false},
		{"repeated argument", "", func(f url.Values) { f.Add("orderNumber", issued.OrderNumber) }, collectssl.StatusArgumentInvalid, "The value of the 'orderNumber' argument is invalid!", "orderNumber", false},
		{"repeated under two spellings", "", set("ORDERNUMBER", issued.OrderNumber), collectssl.StatusArgumentInvalid, "The value of the 'orderNumber' argument is invalid!", "orderNumber", false},
		{"responseMimeType not a type", "", set("responseMimeType", "not a type"), collectssl.StatusArgumentInvalid, "The value of the 'responseMimeType' argument is invalid!", "responseMimeType", false},
		{"collectionCode too long", "", set("collectionCode", long(257)), collectssl.StatusArgumentInvalid, "The value of the 'collectionCode' argument is invalid!", "collectionCode", false},
		{"unknown order", "", set("orderNumber", "424242"), collectssl.StatusArgumentInvalid, "The value of the 'orderNumber' argument is invalid!", "orderNumber", false},
		{"unknown certificateID", "", func(f url.Values) { f.Del("orderNumber"); f.Set("certificateID", "1") }, collectssl.StatusArgumentInvalid, "The value of the 'certificateID' argument is invalid!", "certificateID", false},
		{"unknown baseOrderNumber", "", func(f url.Values) { f.Del("orderNumber"); f.Set("baseOrderNumber", "1") }, collectssl.StatusArgumentInvalid, "The value of the 'baseOrderNumber' argument is invalid!", "baseOrderNumber", false},
		{"identifiers of two orders", "", set("certificateID", other.CertificateID), collectssl.StatusArgumentInvalid, "The value of the 'certificateID' argument is invalid!", "certificateID", false},
		{"rejected", "", set("orderNumber", rejected.OrderNumber), collectssl.StatusRejected, "The certificate request has been rejected!", "", false},
		{"revoked", "", set("orderNumber", revoked.OrderNumber), collectssl.StatusRevoked, "The certificate has been revoked!", "", false},
		{"awaiting payment", "", set("orderNumber", unpaid.OrderNumber), collectssl.StatusAwaitingPayment, "Still awaiting payment!", "", false},
		{"unknown error", "", set("orderNumber", broken.OrderNumber), collectssl.StatusUnknownError, "An unknown error occurred!", "", false},
		{"rejected by certificateID", "", func(f url.Values) { f.Del("orderNumber"); f.Set("certificateID", rejected.CertificateID) }, collectssl.StatusRejected, "The certificate request has been rejected!", "", false},
		{"bad escape", "", nil, collectssl.StatusUnknownError, "An unknown error occurred!", "", false},
	}
	for _, tt := range tests {
		for _, format := range []int{0, 1} {
			if format == 1 && tt.format0Only {
				continue
			}
			t.Run(tt.name+"/format"+strconv.Itoa(format), func(t *testing.T) {
				f := validForm(srv, issued.OrderNumber)
				if format == 1 {
					f.Set("responseFormat", "1")
				}
				if tt.edit != nil {
					tt.edit(f)
				}
				body := f.Encode()
				if tt.name == "bad escape" {
					body += "&collectionCode=%zz"
				}
				method, endpoint := tt.method, srv.URL()
				if method == "" {
					method = http.MethodPost
				}
				if method != http.MethodPost { // the form in the query, as a browser sends it
					endpoint += "?" + body
					body = ""
				}
				status, ct, got := post(t, srv.HTTPServer().Client(), endpoint, method, formType, body)
				wantCT, want := wantBody(tt.code, tt.msg, format)
				if status != http.StatusOK || ct != wantCT || string(got) != want {
					t.Errorf("got HTTP %d, %q, %q; want HTTP 200, %q, %q", status, ct, got, wantCT, want)
				}
				// The root package reads it back as the right error.
				req := &collectssl.Request{ResponseFormat: collectssl.ResponseFormat(format)}
				_, err := collectssl.ParseResponse(req, ct, got)
				var se *collectssl.StatusError
				if !errors.As(err, &se) {
					t.Fatalf("ParseResponse: got %v, want a *StatusError", err)
				}
				if se.Code != tt.code || se.Message != tt.msg || se.Argument != tt.arg {
					t.Errorf("ParseResponse: got %d %q %q, want %d %q %q", se.Code, se.Message, se.Argument, tt.code, tt.msg, tt.arg)
				}
			})
		}
	}
}

// TestChecksAccept covers what must NOT be refused: parameter names in any
// case, omitted enums and flags (defaults), N flags, and every identifier.
func TestChecksAccept(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	renewal := srv.AddOrder(collectssltest.Order{BaseOrderNumber: o.BaseOrderNumber})
	c := srv.Credentials()

	tests := []struct {
		name string
		form url.Values
		want string // the first line
	}{
		{"names in other cases", url.Values{"LOGINNAME": {c.LoginName}, "loginpassword": {c.LoginPassword}, "OrderNumber": {o.OrderNumber}, "QUERYTYPE": {"1"}, "ShowFqdn": {"N"}}, "2"},
		{"defaults: queryType 0", url.Values{"loginName": {c.LoginName}, "loginPassword": {c.LoginPassword}, "orderNumber": {o.OrderNumber}}, "1"},
		{"by certificateID", url.Values{"loginName": {c.LoginName}, "loginPassword": {c.LoginPassword}, "certificateID": {o.CertificateID}}, "1"},
		{"every identifier of one order", url.Values{"loginName": {c.LoginName}, "loginPassword": {c.LoginPassword}, "orderNumber": {o.OrderNumber}, "certificateID": {o.CertificateID}, "queryType": {"0"}}, "1"},
		{"by baseOrderNumber: the latest order", url.Values{"loginName": {c.LoginName}, "loginPassword": {c.LoginPassword}, "baseOrderNumber": {o.BaseOrderNumber}, "certificateID": {renewal.CertificateID}}, "1"},
		{"pass-through strings", url.Values{"loginName": {c.LoginName}, "loginPassword": {c.LoginPassword}, "orderNumber": {o.OrderNumber}, "collectionCode": {"ABC"}, "responseMimeType": {"application/x-pem-file"}}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, got := post(t, srv.HTTPServer().Client(), srv.URL(), http.MethodPost, formType, tt.form.Encode())
			first, _, _ := strings.Cut(string(got), "\n")
			if status != http.StatusOK || first != tt.want {
				t.Errorf("got HTTP %d, first line %q; want HTTP 200, %q (body %q)", status, first, tt.want, got)
			}
		})
	}
}

func TestResponseMimeType(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	f := validForm(srv, o.OrderNumber)
	f.Set("responseMimeType", "application/x-pem-file")
	_, ct, _ := post(t, srv.HTTPServer().Client(), srv.URL(), http.MethodPost, formType, f.Encode())
	if ct != "application/x-pem-file" {
		t.Errorf("status 2: got Content-Type %q, want the responseMimeType", ct)
	}
	f.Set("orderNumber", "999")
	_, ct, _ = post(t, srv.HTTPServer().Client(), srv.URL(), http.MethodPost, formType, f.Encode())
	if ct != "text/plain" {
		t.Errorf("status -4: got Content-Type %q, want text/plain", ct)
	}
}

func TestLimitsAndPaths(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	hc := srv.HTTPServer().Client()
	if status, _, _ := post(t, hc, srv.URL(), http.MethodPost, formType, "collectionCode="+strings.Repeat("a", 64<<10)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("64 KiB body: got HTTP %d, want 413", status)
	}
	if status, _, _ := post(t, hc, srv.HTTPServer().URL+"/products/download/CollectCCC", http.MethodPost, formType, ""); status != http.StatusNotFound {
		t.Errorf("other path: got HTTP %d, want 404", status)
	}
}

func TestPlainHTTP(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{})
	plain := httptest.NewServer(srv)
	defer plain.Close()
	for format, want := range []string{
		"-1\nRequest was not made over https!\n",
		"errorCode=-1&errorMessage=Request+was+not+made+over+https%21",
	} {
		f := validForm(srv, o.OrderNumber)
		f.Set("responseFormat", strconv.Itoa(format))
		_, _, got := post(t, plain.Client(), plain.URL+collectssltest.Path, http.MethodPost, formType, f.Encode())
		if string(got) != want {
			t.Errorf("format %d: got %q, want %q", format, got, want)
		}
	}
}
