// This file tests the request side: Validate against every rule of the
// specification, the exact form Form sends (golden values), and the
// redaction of the password in every fmt verb, slog and JSON.

package collectssl_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/google/go-cmp/cmp"
)

const testPassword = "s3cr3t-P@ss"

var testCreds = collectssl.Credentials{LoginName: "reseller", LoginPassword: testPassword}

func TestValidate(t *testing.T) {
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	tests := []struct {
		name      string
		req       collectssl.Request
		wantField string // "" means valid
	}{
		{"order number only, zero options (status query)", collectssl.Request{OrderNumber: "1234567"}, ""},
		{"certificate id only", collectssl.Request{CertificateID: "1234567890123456", QueryType: collectssl.QueryCertificateAndChain}, ""},
		{"base order number only", collectssl.Request{BaseOrderNumber: "987", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7}, ""},
		{"all identifiers", collectssl.Request{OrderNumber: "1", CertificateID: "2", BaseOrderNumber: "3", QueryType: collectssl.QueryChain, ResponseType: collectssl.ResponseIndividual}, ""},
		{"no identifier", collectssl.Request{QueryType: collectssl.QueryCertificateAndChain}, "orderNumber"},
		{"order number 128 chars", collectssl.Request{OrderNumber: long(128, "9")}, ""},
		{"order number 129 chars", collectssl.Request{OrderNumber: long(129, "9")}, "orderNumber"},
		{"order number multibyte counts characters", collectssl.Request{OrderNumber: long(128, "é")}, ""},
		{"order number newline", collectssl.Request{OrderNumber: "12\n34"}, "orderNumber"},
		{"order number CR", collectssl.Request{OrderNumber: "12\r"}, "orderNumber"},
		{"order number NUL", collectssl.Request{OrderNumber: "12\x00"}, "orderNumber"},
		{"order number DEL", collectssl.Request{OrderNumber: "12\x7f"}, "orderNumber"},
		{"certificate id 17 digits", collectssl.Request{CertificateID: long(17, "1")}, "certificateID"},
		{"certificate id not digits", collectssl.Request{CertificateID: "12a"}, "certificateID"},
		{"certificate id negative", collectssl.Request{CertificateID: "-12"}, "certificateID"},
		{"certificate id with space", collectssl.Request{CertificateID: " 12"}, "certificateID"},
		{"base order number not digits", collectssl.Request{BaseOrderNumber: "12.5"}, "baseOrderNumber"},
		{"base order number 21 digits", collectssl.Request{BaseOrderNumber: long(21, "1")}, "baseOrderNumber"},
		{"queryType 4", collectssl.Request{OrderNumber: "1", QueryType: 4, ResponseType: collectssl.ResponseIndividual}, "queryType"},
		{"queryType -1", collectssl.Request{OrderNumber: "1", QueryType: -1}, "queryType"},
		{"responseType 4", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: 4}, "responseType"},
		{"responseEncoding 2", collectssl.Request{OrderNumber: "1", ResponseEncoding: 2}, "responseEncoding"},
		{"responseFormat 2", collectssl.Request{OrderNumber: "1", ResponseFormat: 2}, "responseFormat"},
		{"the zero responseType with queryType 2 is individual", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificate}, ""},
		{"the zero responseType with queryType 3 is individual", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryChain}, ""},
		{"netscape needs queryType 1 (3)", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryChain, ResponseType: collectssl.ResponseNetscapeSequence}, "responseType"},
		{"pkcs7 needs queryType 1 (2)", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificate, ResponseType: collectssl.ResponsePKCS7}, "responseType"},
		{"pkcs7 with queryType 1", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7}, ""},
		{"individual with queryType 2", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificate, ResponseType: collectssl.ResponseIndividual}, ""},
		{"pkcs7 with a status query", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryStatus, ResponseType: collectssl.ResponsePKCS7}, "responseType"},
		{"netscape with a status query", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryStatus, ResponseType: collectssl.ResponseNetscapeSequence}, "responseType"},
		{"individual with a status query", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryStatus, ResponseType: collectssl.ResponseIndividual}, ""},
		{"binary zip", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseZIP, ResponseEncoding: collectssl.EncodingBinary}, ""},
		{"binary pkcs7", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary}, ""},
		{"binary netscape", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseNetscapeSequence, ResponseEncoding: collectssl.EncodingBinary}, "responseEncoding"},
		{"binary individual", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponseIndividual, ResponseEncoding: collectssl.EncodingBinary}, "responseEncoding"},
		{"binary with status query", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryStatus, ResponseEncoding: collectssl.EncodingBinary}, "responseEncoding"},
		{"binary with queryType 2", collectssl.Request{OrderNumber: "1", QueryType: collectssl.QueryCertificate, ResponseType: collectssl.ResponseIndividual, ResponseEncoding: collectssl.EncodingBinary}, "responseEncoding"},
		{"show flags on a status query are allowed", collectssl.Request{OrderNumber: "1", ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true}, ""},
		{"collection code newline", collectssl.Request{OrderNumber: "1", CollectionCode: "a\nb"}, "collectionCode"},
		{"mime type too long", collectssl.Request{OrderNumber: "1", ResponseMIMEType: long(257, "a")}, "responseMimeType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var re *collectssl.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("Validate() = %v, want a *RequestError for %q", err, tt.wantField)
			}
			if re.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (%v)", re.Field, tt.wantField, err)
			}
			if !errors.Is(err, collectssl.ErrInvalidRequest) {
				t.Errorf("errors.Is(%v, ErrInvalidRequest) = false", err)
			}
			if !strings.HasPrefix(err.Error(), "collectssl: ") || !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error %q does not start with collectssl: and name %q", err, tt.wantField)
			}
		})
	}
	var nilReq *collectssl.Request
	if err := nilReq.Validate(); !errors.Is(err, collectssl.ErrInvalidRequest) {
		t.Errorf("nil Request: Validate() = %v, want ErrInvalidRequest", err)
	}
}

func TestFormGolden(t *testing.T) {
	tests := []struct {
		name string
		req  collectssl.Request
		want string // url.Values.Encode() sorts keys: deterministic
	}{
		{
			name: "status query, zero options",
			req:  collectssl.Request{OrderNumber: "1234567"},
			want: "loginName=reseller&loginPassword=s3cr3t-P%40ss&orderNumber=1234567&queryType=0&responseEncoding=0&responseFormat=0&responseType=3",
		},
		{
			name: "binary PKCS#7 by certificate ID with every flag",
			req: collectssl.Request{
				CertificateID: "42", QueryType: collectssl.QueryCertificateAndChain, ResponseType: collectssl.ResponsePKCS7,
				ResponseEncoding: collectssl.EncodingBinary, ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true,
				ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true,
			},
			want: "certificateID=42&loginName=reseller&loginPassword=s3cr3t-P%40ss&queryType=1&responseEncoding=1&responseFormat=0" +
				"&responseType=2&showExtStatus=Y&showFQDN=Y&showMDCDomainDetails=Y&showMDCDomainDetails2=Y&showStatusDetails=Y&showValidityPeriod=Y",
		},
		{
			name: "url-encoded chain with pass-through strings",
			req: collectssl.Request{
				OrderNumber: "A-1 2", BaseOrderNumber: "7", QueryType: collectssl.QueryChain, ResponseType: collectssl.ResponseIndividual,
				ResponseFormat: collectssl.FormatURLEncoded, ShowFQDN: true, CollectionCode: "c&d", ResponseMIMEType: "application/x-pem-file",
			},
			want: "baseOrderNumber=7&collectionCode=c%26d&loginName=reseller&loginPassword=s3cr3t-P%40ss&orderNumber=A-1+2&queryType=3" +
				"&responseEncoding=0&responseFormat=1&responseMimeType=application%2Fx-pem-file&responseType=3&showFQDN=Y",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.req.Form(testCreds)
			if err != nil {
				t.Fatalf("Form() error = %v", err)
			}
			if got := f.Encode(); got != tt.want {
				t.Errorf("Form().Encode()\n got %s\nwant %s", got, tt.want)
			}
			for k, v := range f {
				if len(v) != 1 {
					t.Errorf("key %q has %d values, want 1", k, len(v))
				}
				if strings.HasPrefix(k, "show") && v[0] != "Y" {
					t.Errorf("flag %s=%q, want only Y flags sent", k, v[0])
				}
			}
		})
	}
}

// TestFormParameterNames pins every parameter name to the spelling of the
// specification (the server is case-insensitive, but other servers and
// proxies may not be).
func TestFormParameterNames(t *testing.T) {
	req := collectssl.Request{
		OrderNumber: "1", CertificateID: "2", BaseOrderNumber: "3", QueryType: collectssl.QueryCertificateAndChain,
		ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true,
		ShowMDCDomainDetails2: true, ShowStatusDetails: true, CollectionCode: "x", ResponseMIMEType: "y",
	}
	f, err := req.Form(testCreds)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range f {
		got = append(got, k)
	}
	want := []string{
		"baseOrderNumber", "certificateID", "collectionCode", "loginName", "loginPassword", "orderNumber", "queryType",
		"responseEncoding", "responseFormat", "responseMimeType", "responseType", "showExtStatus", "showFQDN",
		"showMDCDomainDetails", "showMDCDomainDetails2", "showStatusDetails", "showValidityPeriod",
	}
	if diff := cmp.Diff(want, got, cmpSortStrings); diff != "" {
		t.Errorf("parameter names (-want +got):\n%s", diff)
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
})

func TestFormCredentials(t *testing.T) {
	req := collectssl.Request{OrderNumber: "1"}
	tests := []struct {
		name      string
		creds     collectssl.Credentials
		wantField string
	}{
		{"empty login", collectssl.Credentials{LoginPassword: testPassword}, "loginName"},
		{"empty password", collectssl.Credentials{LoginName: "a"}, "loginPassword"},
		{"login 65 chars", collectssl.Credentials{LoginName: strings.Repeat("a", 65), LoginPassword: testPassword}, "loginName"},
		{"password 129 chars", collectssl.Credentials{LoginName: "a", LoginPassword: strings.Repeat("p", 129)}, "loginPassword"},
		{"password with newline", collectssl.Credentials{LoginName: "a", LoginPassword: testPassword + "\n"}, "loginPassword"},
		{"login with tab", collectssl.Credentials{LoginName: "a\tb", LoginPassword: testPassword}, "loginName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := req.Form(tt.creds)
			var re *collectssl.RequestError
			if !errors.As(err, &re) || re.Field != tt.wantField {
				t.Fatalf("Form() = %v, %v; want a *RequestError for %q", f, err, tt.wantField)
			}
			if tt.creds.LoginPassword != "" && strings.Contains(err.Error(), tt.creds.LoginPassword) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
	ok := collectssl.Credentials{LoginName: strings.Repeat("a", 64), LoginPassword: strings.Repeat("p", 128)}
	if _, err := req.Form(ok); err != nil {
		t.Errorf("Form() with 64/128-character credentials = %v, want nil", err)
	}
	bad := collectssl.Request{CertificateID: "x"}
	if _, err := bad.Form(testCreds); !errors.Is(err, collectssl.ErrInvalidRequest) {
		t.Errorf("Form() of an invalid request = %v, want ErrInvalidRequest", err)
	}
}

// TestRedaction checks every fmt verb on every value that holds or is near
// the password.
func TestRedaction(t *testing.T) {
	type holder struct {
		Creds collectssl.Credentials
		Ptr   *collectssl.Credentials
	}
	creds := testCreds
	values := map[string]any{
		"Credentials":  creds,
		"*Credentials": &creds,
		"holder":       holder{Creds: creds, Ptr: &creds},
		"Request":      collectssl.Request{OrderNumber: "1"},
		"RequestError": mustErr(formErr(collectssl.Request{OrderNumber: "1"}, collectssl.Credentials{LoginName: "a", LoginPassword: testPassword + "\n"})),
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, testPassword) || strings.Contains(got, fmt.Sprintf("%x", testPassword)) {
				t.Errorf("%s with %s = %q: contains the password", name, verb, got)
			}
		}
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "credentials", creds, "holder", holder{Creds: creds, Ptr: &creds})
	js, err := json.Marshal(holder{Creds: creds, Ptr: &creds})
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"slog JSON": logged.String(), "json.Marshal": string(js)} {
		if strings.Contains(out, testPassword) || !strings.Contains(out, "[REDACTED]") || !strings.Contains(out, "reseller") {
			t.Errorf("%s = %s; want the login and [REDACTED], not the password", name, out)
		}
	}
	if got, want := fmt.Sprintf("%v", creds), `{LoginName:"reseller" LoginPassword:[REDACTED]}`; got != want {
		t.Errorf("%%v = %s, want %s", got, want)
	}
	if got, want := fmt.Sprintf("%#v", creds), `collectssl.Credentials{LoginName:"reseller", LoginPassword:"[REDACTED]"}`; got != want {
		t.Errorf("%%#v = %s, want %s", got, want)
	}
}

func formErr(r collectssl.Request, c collectssl.Credentials) error {
	_, err := r.Form(c)
	return err
}

func mustErr(err error) error {
	if err == nil {
		panic("expected an error")
	}
	return err
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{collectssl.QueryStatus.String(), "status"},
		{collectssl.QueryChain.String(), "chain"},
		{collectssl.QueryType(9).String(), "queryType(9)"},
		{collectssl.ResponseNetscapeSequence.String(), "netscape"},
		{collectssl.ResponseType(-1).String(), "responseType(-1)"},
		{collectssl.EncodingBinary.String(), "binary"},
		{collectssl.ResponseEncoding(5).String(), "responseEncoding(5)"},
		{collectssl.FormatURLEncoded.String(), "urlencoded"},
		{collectssl.ResponseFormat(3).String(), "responseFormat(3)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}

// TestEncodedFormIsFormEncoded: what Collect sends is Form's encoding, byte
// for byte, for requests with every field and with none.
func TestEncodedFormIsFormEncoded(t *testing.T) {
	for _, req := range []*collectssl.Request{
		{OrderNumber: "1"},
		{OrderNumber: "A-1 2&x=y", CertificateID: "42", BaseOrderNumber: "7", QueryType: 1, ResponseType: 2, ResponseEncoding: 1, ResponseFormat: 1,
			ShowValidityPeriod: true, ShowFQDN: true, ShowExtStatus: true, ShowMDCDomainDetails: true, ShowMDCDomainDetails2: true, ShowStatusDetails: true,
			CollectionCode: "c+d", ResponseMIMEType: "text/plain; charset=utf-8"},
	} {
		form, err := req.Form(testCreds)
		if err != nil {
			t.Fatal(err)
		}
		got, err := collectssl.EncodedForm(req, testCreds)
		if err != nil || got != form.Encode() {
			t.Errorf("encodedForm = %q, %v; want %q", got, err, form.Encode())
		}
	}
}
