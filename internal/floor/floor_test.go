package floor

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
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

func TestLines(t *testing.T) {
	for size := range 200 {
		data := make([]byte, size)
		rand.Read(data)
		for _, width := range []int{4, 64, 76} {
			var text []byte
			for enc := []byte(base64.StdEncoding.EncodeToString(data)); len(enc) > 0; {
				k := min(width, len(enc))
				text = append(append(text, '\n'), enc[:k]...)
				enc = enc[k:]
			}
			text = append(text, '\n')
			dst := make([]byte, size+8)
			n, err := Lines(dst, text, width)
			if err != nil || !bytes.Equal(dst[:n], data) {
				t.Fatalf("Lines of %d bytes at width %d = %x, %v; want %x", size, width, dst[:n], err, data)
			}
		}
	}
	if _, err := Lines(make([]byte, 8), []byte("\nAB!D\n"), 4); err == nil {
		t.Error("Lines read a line that is not base64")
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

// pair attributes each side's time to it, whichever ran first: with a
// clock that advances 3 units while ours runs and 1 while the floor does,
// the ratio is 3 after any number of iterations, odd or even.
func TestPair(t *testing.T) {
	var clock time.Time
	now := func() time.Time { return clock }
	ours := func() error { clock = clock.Add(3); return nil }
	floor := func() error { clock = clock.Add(1); return nil }
	for _, n := range []int{1, 2, 7} {
		i := 0
		ratio, err := pair(func() bool { i++; return i <= n }, now, ours, floor)
		if err != nil || ratio != 3 {
			t.Errorf("%d iterations: ratio %v, %v; want 3", n, ratio, err)
		}
	}
	failing := func() error { return errors.New("broken") }
	if _, err := pair(func() bool { return true }, now, ours, failing); err == nil {
		t.Error("a failing side: no error")
	}
}

func TestHeadTail(t *testing.T) {
	body := []byte("2\n14/03/2025 02/11/2026\n*.example.com\nrest\nIssued\nComplete\n")
	var f Fields
	rest, err := Head(body, true, true, &f)
	if err != nil || string(rest) != "rest\nIssued\nComplete\n" {
		t.Fatalf("Head left %q, %v", rest, err)
	}
	_, rest = CutLine(rest)
	Tail(rest, &f)
	want := Fields{Status: 2, NotBefore: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 11, 2, 23, 59, 59, 0, time.UTC),
		FQDN: "*.example.com", CertStatus: "Issued", Validation: "Complete"}
	if f != want {
		t.Errorf("read %+v, want %+v", f, want)
	}
	var g Fields
	if rest, err := Head([]byte("1\nwww.example.com\n"), false, true, &g); err != nil || g.Status != 1 || g.FQDN != "www.example.com" || len(rest) != 0 {
		t.Errorf("without validity: %+v, %q, %v", g, rest, err)
	}
	if _, err := Head([]byte("x\n"), false, false, &g); err == nil {
		t.Error("a status that is no number: no error")
	}
}
