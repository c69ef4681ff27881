// This file tests charsetOf's cache of the last Content-Type, which no
// Result shows.

package collectssl

import (
	"testing"

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
