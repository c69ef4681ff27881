// This file tests what the decoder does out of sight: how it finds the
// certificates a ZIP archive repeats (isSeen).

package collectssl

import (
	"crypto/x509"
	"testing"
)

// isSeen compares certificates whose hashes collide byte by byte, and only
// with those returned since the first ZIP.
func TestIsSeenCollision(t *testing.T) {
	a, b, c := &x509.Certificate{Raw: []byte("certificate A")}, &x509.Certificate{Raw: []byte("certificate B")}, &x509.Certificate{Raw: []byte("certificate C")}
	const h = 42 // the hash of all three, as if they collided
	d := decoder{certs: []*x509.Certificate{c, a, b}, seen: map[uint64]int{h: 1}, seenFrom: 1}
	for _, tt := range []struct {
		raw  []byte
		want bool
	}{
		{a.Raw, true},                    // the one the map points to
		{b.Raw, true},                    // found by comparing
		{c.Raw, false},                   // returned before the ZIP
		{[]byte("certificate D"), false}, // never returned
		{[]byte("certificate A, longer"), false},
	} {
		if got := d.isSeen(h, tt.raw); got != tt.want {
			t.Errorf("isSeen(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
	if d.isSeen(h+1, a.Raw) {
		t.Error("isSeen of an unknown hash = true")
	}
}
