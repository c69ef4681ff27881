// This file tests what parsing a large answer costs in memory: the
// certificates of largeChain carry so many bytes that their parsed fields
// weigh little beside them, so a Result's memory is its bytes, and what
// parsing allocated (a bound on its peak heap) is measured against the body.

package collectssl_test

import (
	"runtime"
	"testing"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/certgen"
	"github.com/collectssl/collectssl/internal/wire"
)

// largeChain returns the DER of a pre-2025 chain of four certificates (a
// root, two CAs, a leaf for www.example.test) whose every certificate
// carries pad random bytes (certgen's Padding).
func largeChain(t testing.TB, pad int) (leaf []byte, cas [][]byte) {
	t.Helper()
	c, err := certgen.New(certgen.Options{Shape: certgen.Pre2025, KeyType: certgen.ECDSA, Padding: pad})
	if err != nil {
		t.Fatal(err)
	}
	return certsDER(c)
}

// heapCost runs parse n times and returns, per run, the bytes it allocated
// and the bytes that what it returned keeps alive.
func heapCost(n int, parse func() any) (allocated, retained float64) {
	kept := make([]any, 0, n)
	runtime.GC()
	var m0, m1, m2, m3 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range n {
		kept = append(kept, parse())
	}
	runtime.ReadMemStats(&m1)
	runtime.GC()
	runtime.ReadMemStats(&m2)
	// What is freed when the results go: whatever else was live at the
	// start (and is no longer) does not count.
	runtime.KeepAlive(kept)
	kept = nil
	runtime.GC()
	runtime.ReadMemStats(&m3)
	return float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n), (float64(m2.HeapAlloc) - float64(m3.HeapAlloc)) / float64(n)
}

// largeAnswers are the answers of the memory tests: every way the chain
// can come.
var largeAnswers = []struct {
	name string
	req  collectssl.Request
}{
	{"binary ZIP", collectssl.Request{ResponseType: collectssl.ResponseZIP, ResponseEncoding: collectssl.EncodingBinary}},
	{"format 0 ZIP", collectssl.Request{ResponseType: collectssl.ResponseZIP}},
	{"binary PKCS#7", collectssl.Request{ResponseType: collectssl.ResponsePKCS7, ResponseEncoding: collectssl.EncodingBinary}},
	{"format 0 PKCS#7", collectssl.Request{ResponseType: collectssl.ResponsePKCS7}},
	{"format 0 individual", collectssl.Request{ResponseType: collectssl.ResponseIndividual}},
	{"format 0 Netscape sequence", collectssl.Request{ResponseType: collectssl.ResponseNetscapeSequence}},
	{"format 1 PKCS#7", collectssl.Request{ResponseType: collectssl.ResponsePKCS7, ResponseFormat: collectssl.FormatURLEncoded}},
	{"format 1 Netscape sequence", collectssl.Request{ResponseType: collectssl.ResponseNetscapeSequence, ResponseFormat: collectssl.FormatURLEncoded}},
	{"format 1 individual", collectssl.Request{ResponseType: collectssl.ResponseIndividual, ResponseFormat: collectssl.FormatURLEncoded}},
}

// TestLargeAnswerMemory: parsing an answer of a megabyte or more
// allocates at most twice the body, and the Result keeps at most 1.05
// times the body: one copy of the certificates' bytes. A ZIP archive's
// certificates are inflated out of it, so they cannot share it: there the
// Result keeps at most 1.05 times the archive (Container) and the
// certificates' bytes.
func TestLargeAnswerMemory(t *testing.T) {
	leaf, cas := largeChain(t, 256<<10)
	// A ZIP archive's .ca-bundle holds the three CAs, within the 1 MiB
	// limit on an entry.
	zipLeaf, zipCAs := largeChain(t, 200<<10)
	for _, tt := range largeAnswers {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			leaf, cas := leaf, cas
			if req.ResponseType == collectssl.ResponseZIP {
				leaf, cas = zipLeaf, zipCAs
			}
			req.QueryType = collectssl.QueryCertificateAndChain
			ct, body := render(t, &req, wire.State{Status: 2, Leaf: leaf, CAs: cas})
			first, err := collectssl.ParseResponse(&req, ct, body)
			if err != nil {
				t.Fatal(err)
			}
			if first.Certificate == nil || len(first.CACertificates) != 3 {
				t.Fatalf("parsed %v and %d CAs, want the leaf and 3", first.Certificate, len(first.CACertificates))
			}
			allocated, retained := heapCost(8, func() any {
				r, _ := collectssl.ParseResponse(&req, ct, body)
				return r
			})
			size, keep := float64(len(body)), float64(len(body))
			if req.ResponseType == collectssl.ResponseZIP {
				keep = float64(len(first.Container) + len(leaf))
				for _, der := range cas {
					keep += float64(len(der))
				}
			}
			t.Logf("a body of %d bytes: allocated %.3f times it, kept %.3f times it (%.3f times what it must keep)",
				len(body), allocated/size, retained/size, retained/keep)
			if allocated > 2*size || retained > 1.05*keep {
				t.Errorf("a body of %d bytes: parsing allocated %.2f times it and the Result keeps %.3f times what it must keep (%.0f bytes); want at most 2 and 1.05",
					len(body), allocated/size, retained/keep, keep)
			}
		})
	}
}
