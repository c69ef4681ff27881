// This file holds the text side of DecodeCertificates: UTF-16 and byte order
// marks, the PEM scanner (lenient about layout, strict about armour) and bare
// base64, including the '+' that form decoding turned into a space.

package collectssl

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemDash  = []byte("-----")
)

// The marker lines of a certificate, as encoders write them, and its
// label.
const (
	certType     = "CERTIFICATE"
	pemBeginCert = "-----BEGIN " + certType + "-----"
	pemEndCert   = "-----END " + certType + "-----"
)

var certLabel = []byte(certType)

// isCertLabel reports the PEM types whose contents are decoded, as
// whatever the contents really are (OpenSSL writes a Netscape sequence
// under CERTIFICATE); only a block labelled ZIP may hold a ZIP archive, and
// not inside another archive. Blocks of every other type are skipped.
func isCertLabel(label []byte) bool {
	switch string(label) {
	case "CERTIFICATE",
		"X509 CERTIFICATE",
		"TRUSTED CERTIFICATE", // OpenSSL: a certificate followed by trust settings
		"NETSCAPE CERTIFICATE SEQUENCE",
		"PKCS7",
		"PKCS #7 SIGNED DATA",
		"CMS",
		"ZIP": // a ZIP archive, which one layout of format 0 arms
		return true
	}
	return false
}

// isUTF16 reports whether data looks like UTF-16 text: a byte order mark, or
// (Windows tools write it without one) printable ASCII with a zero byte
// beside every character over the first characters.
func isUTF16(data []byte) bool {
	if len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff) {
		return true
	}
	_, ok := utf16Order(data)
	return ok
}

// utf16Order guesses the byte order of UTF-16 text without a byte order mark
// from its first (up to 16) characters, which must all be ASCII.
func utf16Order(data []byte) (bigEndian, ok bool) {
	n := min(len(data)/2, 16)
	if n < 2 {
		return false, false
	}
	le, be := true, true
	for i := 0; i < n && (le || be); i++ {
		lo, hi := data[2*i], data[2*i+1]
		le = le && hi == 0 && asciiText(lo)
		be = be && lo == 0 && asciiText(hi)
	}
	return be, le || be
}

// asciiText reports whether c is printable ASCII or a line break or tab.
func asciiText(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' }

// decodeUTF16 converts UTF-16 text to UTF-8 and decodes that.
func (d *decoder) decodeUTF16(data []byte, allowZIP bool) error {
	bigEndian, _ := utf16Order(data)
	switch {
	case data[0] == 0xff && data[1] == 0xfe:
		data, bigEndian = data[2:], false
	case data[0] == 0xfe && data[1] == 0xff:
		data, bigEndian = data[2:], true
	}
	if len(data)%2 != 0 {
		return &ContainerError{Format: "UTF-16", Offset: len(data), Err: fmt.Errorf("%w: odd number of bytes", ErrMalformedContainer)}
	}
	if len(data)/2 > d.lim.decoded {
		return &ContainerError{Format: "UTF-16", Offset: -1, Err: fmt.Errorf("%w: decoded text over %d bytes", ErrTooLarge, d.lim.decoded)}
	}
	text := make([]byte, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		u := uint16(data[i]) | uint16(data[i+1])<<8
		if bigEndian {
			u = uint16(data[i])<<8 | uint16(data[i+1])
		}
		switch {
		case u < utf8.RuneSelf:
			text = append(text, byte(u))
		case utf16.IsSurrogate(rune(u)) && i+3 < len(data):
			v := uint16(data[i+2]) | uint16(data[i+3])<<8
			if bigEndian {
				v = uint16(data[i+2])<<8 | uint16(data[i+3])
			}
			text = utf8.AppendRune(text, utf16.DecodeRune(rune(u), rune(v)))
			i += 2
		default:
			text = utf8.AppendRune(text, rune(u))
		}
		if len(text) > d.lim.decoded {
			return &ContainerError{Format: "UTF-16", Offset: -1, Err: fmt.Errorf("%w: decoded text over %d bytes", ErrTooLarge, d.lim.decoded)}
		}
	}
	return d.decodeText(text, allowZIP)
}

// decodeText decodes UTF-8 (or ASCII) text: PEM if it holds a BEGIN line,
// otherwise bare base64 of a binary container.
func (d *decoder) decodeText(text []byte, allowZIP bool) error {
	text = bytes.TrimPrefix(text, utf8BOM)
	if bytes.Contains(text, pemBegin) {
		return d.decodePEM(text, allowZIP)
	}
	der, ok, err := decodeBase64(text, d.lim.decoded)
	if err != nil {
		return err
	}
	if !ok {
		return &ContainerError{Offset: -1, Err: ErrUnknownFormat}
	}
	if len(der) == 0 {
		return &ContainerError{Offset: -1, Err: ErrNoCertificates}
	}
	if err := d.binaryDecode(der, allowZIP); err != nil {
		return &ContainerError{Format: "base64", Offset: -1, Err: err}
	}
	return nil
}

// decodePEM decodes every certificate-like block of text and skips the
// others. Text outside blocks is ignored; a BEGIN line may be glued to the
// previous END line or indented. The loop terminates because every turn
// moves rest past a BEGIN marker.
func (d *decoder) decodePEM(text []byte, allowZIP bool) error {
	fail := func(off int, what string) error {
		return &ContainerError{Format: "PEM", Offset: off, Err: fmt.Errorf("%w: %s", ErrMalformedContainer, what)}
	}
	var scratch []byte
	off := 0 // offset of rest in text
	rest := text
	for {
		i := bytes.Index(rest, pemBegin)
		if i < 0 {
			return nil
		}
		blockStart := off + i
		rest, off = rest[i+len(pemBegin):], off+i+len(pemBegin)
		// The type runs to the closing dashes on the same line.
		j := bytes.Index(rest, pemDash)
		if j < 0 || bytes.IndexByte(rest[:j], '\n') >= 0 {
			return fail(blockStart, "BEGIN line without closing dashes")
		}
		label := rest[:j]
		body := rest[j+len(pemDash):]
		bodyOff := off + j + len(pemDash)
		k := bytes.Index(body, pemEnd)
		if k < 0 {
			return fail(blockStart, "block without END line")
		}
		after := body[k+len(pemEnd):]
		if !bytes.HasPrefix(after, label) || !bytes.HasPrefix(after[len(label):], pemDash) {
			return fail(bodyOff+k, "END line does not match BEGIN line")
		}
		rest = after[len(label)+len(pemDash):]
		off = bodyOff + k + len(pemEnd) + len(label) + len(pemDash)
		if !isCertLabel(label) {
			continue // a key or a request: never decoded, never quoted
		}
		var ok bool
		var err error
		scratch, ok, err = d.decodeBlock(scratch, label, body[:k], allowZIP)
		switch {
		case err != nil:
			return &ContainerError{Format: "PEM", Offset: blockStart, Err: err}
		case !ok:
			// Point at the block's first line of base64.
			at := bodyOff + len(body[:k]) - len(bytes.TrimLeft(body[:k], " \t\r\n"))
			return fail(at, "invalid base64 in "+string(label)+" block")
		}
	}
}

// decodeBlock decodes the body of one PEM block whose label isCertLabel
// accepts, reusing scratch. ok is false when the body is not base64; err is
// why what it holds does not decode. A ZIP archive is read only under the
// label ZIP, and only where allowZIP says archives may be.
func (d *decoder) decodeBlock(scratch, label, body []byte, allowZIP bool) (newScratch []byte, ok bool, err error) {
	var der []byte
	if scratch, der, ok, err = decodePEMBody(scratch[:0], body, d.lim.decoded); err != nil || !ok {
		return scratch, ok, err
	}
	if string(label) == "TRUSTED CERTIFICATE" {
		// A certificate followed by OpenSSL's trust settings.
		return scratch, true, d.decodeTrusted(der)
	}
	return scratch, true, d.binaryDecode(der, allowZIP && string(label) == "ZIP")
}

// decodePEMText decodes PEM text the way DecodeCertificates does, and also
// returns the first ZIP archive, PKCS#7 or Netscape container one of its
// blocks held, or nil. The responseFormat=0 parser hands it the PEM text of a body.
func decodePEMText(text []byte) (certs []*x509.Certificate, container []byte, err error) {
	d := decoder{lim: responseLimits}
	if err := d.decodePEM(text, true); err != nil {
		return nil, nil, err
	}
	if len(d.certs) == 0 {
		return nil, nil, &ContainerError{Format: "PEM", Offset: -1, Err: ErrNoCertificates}
	}
	return d.certs, d.container, nil
}

// decodeCertBodies decodes the bodies of CERTIFICATE blocks, text[s[0]:s[1]]
// for each span s, as decodePEM decodes them; the responseFormat=0 parser
// has found them while finding where its PEM text ends (pemExtent). ok is
// false when there are none, when one does not decode, or when none holds a
// certificate: decodePEMText then reads the text, for its certificates or
// its error.
func decodeCertBodies(text []byte, spans [][2]int) (certs []*x509.Certificate, container []byte, ok bool) {
	if len(spans) == 0 {
		return nil, nil, false
	}
	d := decoder{lim: responseLimits}
	var scratch []byte
	for _, s := range spans {
		var err error
		if scratch, ok, err = d.decodeBlock(scratch, certLabel, text[s[0]:s[1]], true); err != nil || !ok {
			return nil, nil, false
		}
	}
	return d.certs, d.container, len(d.certs) > 0
}

// decodeTrusted decodes the certificate at the start of an OpenSSL trusted
// certificate and ignores the trust settings after it.
func (d *decoder) decodeTrusted(der []byte) error {
	w := walker{maxDepth: d.lim.depth}
	var e elem
	if err := w.readElem(der, 0, 1, &e); err != nil {
		return err
	}
	return d.addCert(der, &e, "DER")
}

// decodePEMBody decodes the contents of one PEM block. RFC 1421 headers
// (lines with a colon up to a blank line) are skipped. scratch is reused
// for the base64 text; the returned DER is a fresh buffer, since the
// certificates parsed from it keep it.
func decodePEMBody(scratch, body []byte, maxDecoded int) (newScratch, der []byte, ok bool, err error) {
	// Plain base64 first: a body with headers fails it on their ':'.
	if der, ok := decodeDirect(body, maxDecoded); ok {
		return scratch, der, true, nil
	}
	if c := bytes.IndexByte(body, ':'); c >= 0 {
		// Headers end at the first blank line.
		if h := bytes.Index(body, []byte("\n\n")); h >= 0 && h > c {
			body = body[h+2:]
		} else if h := bytes.Index(body, []byte("\r\n\r\n")); h >= 0 && h > c {
			body = body[h+4:]
		} else {
			return scratch, nil, false, nil
		}
	}
	if der, ok := decodeDirect(body, maxDecoded); ok {
		return scratch, der, true, nil
	}
	scratch, ok = cleanBase64(scratch, body)
	if !ok {
		return scratch, nil, false, nil
	}
	der, ok, err = decodeClean(scratch, maxDecoded)
	return scratch, der, ok, err
}

// decodeDirect is the fast path for well-formed base64: padded standard
// alphabet, broken into lines by LF or CRLF (which encoding/base64 skips).
// ok is false for anything else, which the slow path then cleans up.
func decodeDirect(text []byte, maxDecoded int) ([]byte, bool) {
	n := base64.StdEncoding.DecodedLen(len(text))
	if n > maxDecoded {
		return nil, false
	}
	der := make([]byte, n)
	if n, ok := decodeLines(der, text); ok {
		return der[:n], true
	}
	n, err := base64.StdEncoding.Decode(der, text)
	if err != nil {
		return nil, false
	}
	return der[:n], true
}

// decodeLines decodes base64 text broken into lines by LF or CRLF into dst,
// which must have room for base64.StdEncoding.DecodedLen(len(text)) bytes,
// one line at a time: encoding/base64 leaves its fast path at every line
// break, so one call over the text costs about a quarter more. ok is false
// unless every line is whole quanta and only the last decodes short (is
// padded; a CR inside a line also makes it decode short, so no line may
// follow it either); the caller then decodes the text in one call, which
// reads what this refuses (quanta across line breaks) or fails. Where ok is
// true, the bytes are those of that one call.
func decodeLines(dst, text []byte) (n int, ok bool) {
	padded := false
	// Lines are mostly as long as the one before, so the LF is looked for
	// there first: searching for it costs more than decoding a short line.
	// A guess that spans an LF makes its line decode short (the decoder
	// skips line breaks), which is refused unless it is the last line,
	// whose bytes are then those of one call all the same.
	stride := 0 // the length of the line before, with its LF
	for len(text) > 0 {
		var line []byte
		if stride > 0 && stride <= len(text) && text[stride-1] == '\n' {
			line, text = text[:stride-1], text[stride:]
		} else if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text, stride = text[:i], text[i+1:], i+1
		} else {
			line, text = text, nil
		}
		m, nowPadded, ok := decodeLine(dst[n:], line, padded)
		if !ok {
			return n, false
		}
		n, padded = n+m, nowPadded
	}
	return n, true
}

// decodeLine decodes one line of base64 text without its LF (a CR before
// it is dropped) into dst, which must have room for len(line)/4*3 bytes,
// by decodeLines' rule: a blank line holds nothing; any other must be
// whole quanta and may not follow a line that decoded short (padded, the
// state after the line before). ok is false where the rule refuses it.
func decodeLine(dst, line []byte, padded bool) (n int, nowPadded, ok bool) {
	if k := len(line) - 1; k >= 0 && line[k] == '\r' {
		line = line[:k]
	}
	if len(line) == 0 {
		return 0, padded, true
	}
	if padded || len(line)%4 != 0 {
		return 0, padded, false
	}
	n, err := base64.StdEncoding.Decode(dst, line)
	if err != nil {
		return 0, padded, false
	}
	return n, n != len(line)/4*3, true
}

// pemLineBuffer is the buffer streamPEM reads lines in: a line of a
// certificate file is 64 or 76 characters; an entry with a longer one is
// read whole.
const pemLineBuffer = 4 << 10

// streamPEM decodes the PEM text r reads (a ZIP entry as it inflates,
// declaring declared bytes, of which it may read budget), which starts
// with a BEGIN CERTIFICATE line, one line at a time, as decodePEM would
// decode the whole text: each block's base64 into one buffer reused for
// every block (d.der), each new certificate copied out of it (d.copyCerts).
// It reads the common layout only: CERTIFICATE blocks of lines decodeLine
// takes, between them lines that start no block. On anything else (a line
// longer than the buffer, another label, RFC 1421 headers, base64
// decodeLines refuses, a block that does not decode, a read error, the
// budget passed) ok is false and the decoder is as it was before: the
// caller reads the text whole. When ok, err is decode's for the text.
func (d *decoder) streamPEM(r *bufio.Reader, declared uint64, budget int) (ok bool, err error) {
	before, container := len(d.certs), d.container
	defer func() {
		if !ok {
			d.dropSince(before)
			d.container = container
		}
	}()
	// d.der is one buffer for the whole archive. The declared size is the
	// sender's word: it is made for what readAtMost would believe at first
	// (zipEntryPrealloc of text), and when a block fills it, grown at least
	// twofold, or to what is left of the entry as declared.
	declared = min(declared, uint64(budget))
	if d.der == nil {
		d.der = make([]byte, 0, int(min(declared, zipEntryPrealloc))/4*3)
	}
	read := 0 // bytes of text read
	inBlock := false
	padded := false // the block's last line decoded short
	bodyLen := 0    // the block's text, as decodePEM's body (from the BEGIN line's end)
	blockAt := 0    // read when the block began
	for {
		line, err := r.ReadSlice('\n')
		read += len(line)
		if err != nil && err != io.EOF || read > budget {
			return false, nil
		}
		text := bytes.TrimSuffix(line, []byte("\n"))
		switch {
		case !inBlock && string(bytes.TrimSuffix(text, []byte("\r"))) == pemBeginCert:
			inBlock, padded, d.der = true, false, d.der[:0]
			bodyLen, blockAt = len(line)-len(pemBeginCert), read
		case !inBlock:
			if bytes.Contains(line, pemBegin) {
				return false, nil // another label, or a BEGIN line decodePEM reads otherwise
			}
		case string(bytes.TrimSuffix(text, []byte("\r"))) == pemEndCert:
			inBlock = false
			if base64.StdEncoding.DecodedLen(bodyLen) > d.lim.decoded {
				return false, nil
			}
			d.copyCerts = true
			err := d.binaryDecode(d.der, false)
			d.copyCerts = false
			if err != nil || (d.container == nil) != (container == nil) {
				// d.container would hold d.der, which the next block
				// overwrites: read whole instead, as for any error.
				return false, nil
			}
			// The rest of the END line is after the block: nothing.
		default:
			bodyLen += len(line)
			n, need := len(d.der), len(text)/4*3
			if n+need > cap(d.der) {
				left := int(declared) - blockAt
				d.der = slices.Grow(d.der, max(need, cap(d.der), left/4*3-n))
			}
			m, nowPadded, ok := decodeLine(d.der[n:n+need], text, padded)
			if !ok {
				return false, nil
			}
			d.der, padded = d.der[:n+m], nowPadded
		}
		if err == io.EOF {
			break
		}
	}
	if inBlock {
		return false, nil // a block without an END line
	}
	d.inflated += read
	d.streamed++
	if len(d.certs) == before {
		return true, &ContainerError{Offset: -1, Err: ErrNoCertificates}
	}
	return true, nil
}

// decodeBase64 decodes bare base64 text; ok is false when text is not
// base64.
func decodeBase64(text []byte, maxDecoded int) (der []byte, ok bool, err error) {
	if der, ok := decodeDirect(text, maxDecoded); ok {
		return der, true, nil
	}
	clean, ok := cleanBase64(make([]byte, 0, len(text)), text)
	if !ok {
		return nil, false, nil
	}
	return decodeClean(clean, maxDecoded)
}

// decodeClean decodes base64 text that cleanBase64 produced, with or
// without padding, in the standard or the URL alphabet.
func decodeClean(clean []byte, maxDecoded int) ([]byte, bool, error) {
	clean = bytes.TrimRight(clean, "=")
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(clean, "-_") {
		enc = base64.RawURLEncoding
	}
	n := enc.DecodedLen(len(clean))
	if n > maxDecoded {
		return nil, false, &ContainerError{Format: "base64", Offset: -1, Err: fmt.Errorf("%w: decodes to %d bytes, limit %d", ErrTooLarge, n, maxDecoded)}
	}
	der := make([]byte, n)
	n, err := enc.Decode(der, clean)
	if err != nil {
		return nil, false, nil
	}
	return der[:n], true, nil
}

// cleanBase64 appends the base64 characters of s to dst and reports whether
// s holds nothing else. Line breaks, tabs and the blanks at the start and end
// of each line are layout and dropped. A run of spaces between two base64
// characters of one line is the '+' signs that form decoding turned into
// spaces (a documented habit of CollectSSL's URL-encoded answers), so each
// becomes a '+' again. A '+' lost at the very start or end of a line cannot
// be told from layout and stays lost; that only happens to wrapped text,
// which is never form-encoded.
func cleanBase64(dst, s []byte) ([]byte, bool) {
	spaces := 0     // spaces seen since the last base64 character of this line
	inLine := false // a base64 character has been seen on this line
	for i := 0; i < len(s); {
		switch b64Class[s[i]] {
		case b64Char:
			for ; spaces > 0; spaces-- {
				dst = append(dst, '+')
			}
			// Copy the whole run of base64 characters at once.
			j := i + 1
			for j < len(s) && b64Class[s[j]] == b64Char {
				j++
			}
			dst = append(dst, s[i:j]...)
			i, inLine = j, true
			continue
		case b64Space:
			if inLine {
				spaces++
			}
		case b64Break:
			spaces, inLine = 0, false
		case b64Layout:
		default:
			return dst, false
		}
		i++
	}
	return dst, true
}

// Classes of bytes in base64 text, for cleanBase64.
const (
	b64Invalid = iota
	b64Char    // A-Z a-z 0-9 + / = and the URL alphabet's - _
	b64Space   // ' ': layout, or a '+' lost to form decoding
	b64Break   // line breaks
	b64Layout  // tabs and other blanks
)

// base64Alphabet is the standard base64 alphabet (RFC 4648 section 4);
// the URL alphabet replaces its last two characters with '-' and '_'.
const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var b64Class = func() (t [256]byte) {
	for _, c := range []byte(base64Alphabet + "=-_") {
		t[c] = b64Char
	}
	t[' '] = b64Space
	t['\n'], t['\r'] = b64Break, b64Break
	t['\t'], t['\f'], t['\v'] = b64Layout, b64Layout, b64Layout
	return t
}()
