// This file holds the charset handling of text responses: a body that is not
// UTF-8 is decoded from the charset its Content-Type names, else from
// Windows-1252, so that accented error messages and statuses come out as
// proper UTF-8.

package collectssl

import (
	"bytes"
	"encoding/binary"
	"mime"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// utf8BOM is the UTF-8 byte order mark, which text bodies and files may start
// with; every reader drops it.
var utf8BOM = []byte("\ufeff")

// defaultCharset is used for text that is not valid UTF-8 when the
// Content-Type names no charset (or one we do not know): Windows-1252 is a
// superset of ISO-8859-1 in its printable range, what Western European
// servers of this age send, and it decodes every byte, so nothing is lost.
var defaultCharset encoding.Encoding = charmap.Windows1252

// charsetOf returns the encoding the Content-Type's charset parameter names,
// or defaultCharset when it names none, or none we know.
func charsetOf(contentType string) encoding.Encoding {
	if c := lastCharset.Load(); c != nil && c.contentType == contentType {
		return c.enc // a server sends one Content-Type for every answer
	}
	enc := parseCharset(contentType)
	lastCharset.Store(&contentCharset{contentType, enc})
	return enc
}

// contentCharset is a Content-Type and the charset it names.
type contentCharset struct {
	contentType string
	enc         encoding.Encoding
}

// lastCharset holds the last Content-Type charsetOf read.
var lastCharset atomic.Pointer[contentCharset]

// parseCharset is charsetOf without its cache.
func parseCharset(contentType string) encoding.Encoding {
	if contentType == "" {
		return defaultCharset
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["charset"] == "" {
		return defaultCharset
	}
	enc, err := htmlindex.Get(params["charset"])
	if err != nil {
		return defaultCharset
	}
	return enc
}

// toUTF8 returns b unchanged when it is valid UTF-8 (the fast path: UTF-8 is
// self-validating, and a legacy text with accented characters is almost never
// valid UTF-8), and b decoded from enc otherwise. Base64 and PEM are ASCII,
// which every supported legacy charset maps to itself, so decoding a whole
// body is safe. A decoder that fails (it should not: the legacy decoders map
// every byte) leaves b as it was. UTF-16 is not for toUTF8: see fromUTF16.
func toUTF8(b []byte, enc encoding.Encoding) []byte {
	if enc == nil {
		enc = defaultCharset
	}
	if isASCII(b) || utf8.Valid(b) {
		return b
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return out
}

// fromUTF16 decodes a body its Content-Type declares UTF-16, whatever the
// format: its ASCII is ASCII with NUL bytes, which is valid UTF-8, so the
// body is always decoded, and a byte order mark the decoding leaves is
// dropped. A body that does not decode is left as it was.
func fromUTF16(b []byte, enc encoding.Encoding) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return bytes.TrimPrefix(out, utf8BOM)
}

// isUTF16Charset reports whether enc is one of the UTF-16 encodings.
func isUTF16Charset(enc encoding.Encoding) bool {
	name, err := htmlindex.Name(enc)
	return err == nil && strings.HasPrefix(name, "utf-16")
}

// isASCII reports whether b is ASCII, 32 bytes a turn: a body is mostly
// base64, and utf8.Valid reads it 8 bytes a turn.
func isASCII(b []byte) bool {
	var acc uint64
	for ; len(b) >= 32; b = b[32:] {
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc&0x8080808080808080 == 0
}
