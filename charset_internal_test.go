// This file tests charsetOf's cache of the last Content-Type, which no
// Result shows, and the ASCII check before utf8.Valid (isASCII).

package collectssl

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// charsetOf keeps the last Content-Type it read: a different one must still
// be read, and each must keep its own charset, in any order.
func TestCharsetOfCache(t *testing.T) {
	tests := []struct {
		contentType string
		want        any
	}{
		{"text/plain; charset=iso-8859-2", charmap.ISO8859_2},
		{"text/plain; charset=utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
		{"text/plain", defaultCharset},
		{"text/plain; charset=iso-8859-2", charmap.ISO8859_2},
		{"", defaultCharset},
	}
	for range 2 {
		for _, tt := range tests {
			if got := charsetOf(tt.contentType); got != tt.want {
				t.Errorf("charsetOf(%q) = %v, want %v", tt.contentType, got, tt.want)
			}
		}
	}
}

// isASCII finds a byte over 0x7f at any place, in the 32-byte turns and
// after them.
func TestIsASCII(t *testing.T) {
	for n := range 100 {
		b := bytes.Repeat([]byte{'A'}, n)
		if !isASCII(b) {
			t.Fatalf("isASCII(%d ASCII bytes) = false", n)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				b[i] = c
				if isASCII(b) {
					t.Fatalf("isASCII = true with %#x at %d of %d", c, i, n)
				}
			}
			b[i] = 'A'
		}
	}
	if s := "é"; isASCII([]byte(s)) || !utf8.ValidString(s) {
		t.Error("isASCII(é) = true")
	}
}

// twoFields splits as bytes.Fields does, Unicode white space included.
func TestTwoFields(t *testing.T) {
	for _, line := range []string{
		"", " ", "a", " a ", "a b", "\ta\v b\f", "a b c", "a b c d",
		"14/03/2025 15/03/2026", "14/03/2025\u00a015/03/2026", "a\u2003b\u2003c", "é b",
	} {
		want := bytes.Fields([]byte(line))
		first, second, n := twoFields([]byte(line))
		if n != min(len(want), 3) {
			t.Errorf("twoFields(%q) counts %d, want %d", line, n, min(len(want), 3))
		}
		want = append(want, nil, nil)
		if !bytes.Equal(first, want[0]) || !bytes.Equal(second, want[1]) {
			t.Errorf("twoFields(%q) = %q, %q; want %q, %q", line, first, second, want[0], want[1])
		}
	}
}
