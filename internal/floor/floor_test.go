package floor

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The floors must read what the code they stand beside reads: checked here
// against the standard library.

func TestPEM(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "floor"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	in := append(append([]byte("2\n"), bytes.Repeat(block, 3)...), "Issued\n"...)
	n, end, err := PEM(in)
	if err != nil || n != 3 || string(in[end:]) != "\nIssued\n" {
		t.Errorf("PEM = %d, %q, %v; want 3 certificates ending before the last line", n, in[end:], err)
	}
	bad := bytes.Replace(block, []byte("MII"), []byte("M!I"), 1)
	if _, _, err := PEM(bad); err == nil {
		t.Error("PEM read a block that is not base64")
	}
	if _, _, err := PEM(block[:len(block)-10]); err == nil {
		t.Error("PEM read a block without its END line")
	}
}

func TestValidity(t *testing.T) {
	nb, na := Validity([]byte("14/03/2025 02/11/2026"))
	wantNB := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	wantNA := time.Date(2026, 11, 2, 23, 59, 59, 0, time.UTC)
	if !nb.Equal(wantNB) || !na.Equal(wantNA) {
		t.Errorf("Validity = %v, %v; want %v, %v", nb, na, wantNB, wantNA)
	}
}

func TestUnescape(t *testing.T) {
	for _, s := range []string{"", "abc", "%2A.example.com", "MII%2B%2f%3D%3d", "a%41b"} {
		want, err := url.PathUnescape(s)
		got, err2 := Unescape([]byte("keep:"), []byte(s))
		if err != nil || err2 != nil || string(got) != "keep:"+want {
			t.Errorf("Unescape(%q) = %q, %v; want %q", s, got, err2, "keep:"+want)
		}
	}
	for _, s := range []string{"%", "%4", "%zz", "a%4g"} {
		if _, err := Unescape(nil, []byte(s)); err == nil {
			t.Errorf("Unescape(%q) accepted a broken escape", s)
		}
	}
}

func TestBody(t *testing.T) {
	for _, cl := range []int64{-1, 5} {
		resp := &http.Response{ContentLength: cl, Body: io.NopCloser(strings.NewReader("hello"))}
		if got, err := Body(resp); err != nil || string(got) != "hello" {
			t.Errorf("Body with Content-Length %d = %q, %v", cl, got, err)
		}
	}
	resp := &http.Response{ContentLength: 9, Body: io.NopCloser(strings.NewReader("hello"))}
	if _, err := Body(resp); err == nil {
		t.Error("Body of a short body: no error")
	}
}

func TestPaired(t *testing.T) {
	var ours, floor int
	res := testing.Benchmark(func(b *testing.B) {
		Paired(b, func() error { ours++; return nil }, func() error { floor++; return nil })
	})
	if ours != floor || ours == 0 {
		t.Errorf("ours ran %d times, floor %d", ours, floor)
	}
	if _, ok := res.Extra["ours/floor"]; !ok {
		t.Errorf("no ours/floor metric in %v", res.Extra)
	}
}
