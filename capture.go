// This file holds Capture: one answer of the API as a Client received it,
// kept so that it can be parsed again, replayed by a fake server or used as
// a fuzz seed; its file format (MarshalText, ReadCapture), and Mask, which
// hides the identifiers of a capture that is to be shared.

package collectssl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Capture is one answer of the CollectSSL API: the request as sent and the
// HTTP answer, with what a parser needs to read it again exactly. It never
// holds the password: Client.Capture leaves loginPassword out of Form, and
// scrubs it from Body should the server echo it.
type Capture struct {
	Time     time.Time // when the answer arrived
	Endpoint string    // the URL called
	// Form is the request as sent, but for loginPassword, which is never
	// kept, and loginName, which is kept only when Client.CaptureLoginName
	// is set.
	Form        url.Values
	HTTPStatus  int
	ContentType string
	Body        []byte
}

// The capture file format, version 1:
//
//	collectssl-capture 1
//	time 2026-11-30T17:00:00Z
//	endpoint https://secure.trust-provider.com/products/download/CollectSSL
//	form orderNumber=1234567&queryType=1&responseEncoding=0&responseFormat=0&responseType=3
//	http-status 200
//	content-type text/plain
//	body text 2510
//
//	<the body: 2510 bytes as received>
//
// One header line per field, "name value", then a blank line, then the body.
// A body that is UTF-8 text without control characters (but tab, CR and LF)
// follows as it is, its length in bytes given on the body line, so that the
// file diffs well; any other body is "body base64 N", its base64 in lines of
// 76 characters.
const (
	captureMagic   = "collectssl-capture 1"
	captureWrap    = 76
	maxCaptureHead = 64 << 10 // bytes of header lines
)

// maxCaptureBytes bounds a capture file: the largest body a Client reads,
// in base64, and the header lines.
const maxCaptureBytes = DefaultMaxResponseBytes/3*4 + DefaultMaxResponseBytes/captureWrap + maxCaptureHead + 4

// errMalformedCapture is why a capture file does not read.
var errMalformedCapture = errors.New("malformed capture")

// MarshalText encodes c in the capture file format.
func (c *Capture) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(captureMagic + "\n")
	fmt.Fprintf(&b, "time %s\n", c.Time.UTC().Format(time.RFC3339Nano))
	for _, f := range [][2]string{{"endpoint", c.Endpoint}, {"content-type", c.ContentType}} {
		if strings.ContainsAny(f[1], "\r\n") {
			return nil, fmt.Errorf("%scapture: %s holds a line break", errPrefix, f[0])
		}
	}
	form := c.Form
	if form.Has("loginPassword") {
		form = cloneValues(form)
		form.Del("loginPassword")
	}
	fmt.Fprintf(&b, "endpoint %s\nform %s\nhttp-status %d\ncontent-type %s\n", c.Endpoint, form.Encode(), c.HTTPStatus, c.ContentType)
	if isPlainText(c.Body) {
		fmt.Fprintf(&b, "body text %d\n\n", len(c.Body))
		b.Write(c.Body)
		return b.Bytes(), nil
	}
	fmt.Fprintf(&b, "body base64 %d\n\n", len(c.Body))
	s := base64.StdEncoding.EncodeToString(c.Body)
	for len(s) > 0 {
		n := min(len(s), captureWrap)
		b.WriteString(s[:n])
		b.WriteByte('\n')
		s = s[n:]
	}
	return b.Bytes(), nil
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// isPlainText reports whether b can stand in a capture file as it is.
func isPlainText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return true
}

// ReadCapture decodes a capture file (see Capture.MarshalText). The file is
// bounded like every input: at most the largest body a Client reads, in
// base64, plus 64 KiB of header lines. The error matches
// ErrMalformedResponse, and ErrTooLarge when the file is over the bound.
func ReadCapture(data []byte) (*Capture, error) {
	fail := func(format string, args ...any) error {
		return &ParseError{Field: "capture", Err: fmt.Errorf("%w: "+format, append([]any{errMalformedCapture}, args...)...)}
	}
	if len(data) > maxCaptureBytes {
		return nil, &ParseError{Field: "capture", Err: fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(data), maxCaptureBytes)}
	}
	headEnd := bytes.Index(data, []byte("\n\n"))
	if headEnd < 0 || headEnd > maxCaptureHead {
		return nil, fail("no blank line after the header lines")
	}
	lines := strings.Split(string(data[:headEnd]), "\n")
	if lines[0] != captureMagic {
		return nil, fail("not a capture file of version 1")
	}
	c := &Capture{}
	var bodyKind string
	bodyLen := -1
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		name, value, _ := strings.Cut(line, " ")
		if seen[name] {
			return nil, fail("%q twice", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "time":
			c.Time, err = time.Parse(time.RFC3339Nano, value)
		case "endpoint":
			c.Endpoint = value
		case "form":
			c.Form, err = url.ParseQuery(value)
		case "http-status":
			c.HTTPStatus, err = strconv.Atoi(value)
		case "content-type":
			c.ContentType = value
		case "body":
			var n string
			bodyKind, n, _ = strings.Cut(value, " ")
			bodyLen, err = strconv.Atoi(n)
			if err == nil && (bodyLen < 0 || bodyLen > DefaultMaxResponseBytes) {
				err = fmt.Errorf("length %d out of range", bodyLen)
			}
		default:
			return nil, fail("unknown line %.40q", name)
		}
		if err != nil {
			return nil, fail("%s: %v", name, err)
		}
	}
	for _, name := range []string{"time", "endpoint", "form", "http-status", "content-type", "body"} {
		if !seen[name] {
			return nil, fail("no %s line", name)
		}
	}
	c.Time = c.Time.UTC()
	if c.Form.Has("loginPassword") {
		return nil, fail("it holds a loginPassword")
	}
	rest := data[headEnd+2:]
	switch bodyKind {
	case "text":
		if len(rest) != bodyLen {
			return nil, fail("a text body of %d bytes, %d declared", len(rest), bodyLen)
		}
		c.Body = bytes.Clone(rest)
	case "base64":
		body := make([]byte, base64.StdEncoding.DecodedLen(len(rest)))
		n, err := base64.StdEncoding.Decode(body, rest) // skips the line breaks
		if err != nil || n != bodyLen {
			return nil, fail("a base64 body of %d bytes (%v), %d declared", n, err, bodyLen)
		}
		c.Body = body[:n]
	default:
		return nil, fail("body encoding %.20q", bodyKind)
	}
	return c, nil
}

// Request returns the Request that c's Form describes.
func (c *Capture) Request() (*Request, error) {
	return requestFromForm(c.Form)
}

// Parse reads the captured answer as ParseResponse read it: with the request
// the form describes and the Content-Type it came with.
func (c *Capture) Parse() (*Result, error) {
	req, err := c.Request()
	if err != nil {
		return nil, err
	}
	return ParseResponse(req, c.ContentType, c.Body)
}

// requestFromForm is the inverse of Request.Form, but for the credentials:
// parameter names in any case, the enums as integers, the show flags "Y".
func requestFromForm(form url.Values) (*Request, error) {
	r := &Request{}
	for k, vs := range form {
		i := slices.IndexFunc(requestParams, func(p requestParam) bool { return strings.EqualFold(p.name, k) })
		if i < 0 || len(vs) == 0 || requestParams[i].set == nil {
			continue
		}
		if err := requestParams[i].set(r, vs[0]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Mask hides the identifiers of c before it is shared: the order number,
// certificate ID and base order number (in the form and wherever the body
// repeats them) become "masked", and the domain names of the answer's status
// lines (the FQDN, the MDC domain details) become masked-1.example,
// masked-2.example and so on, in the body as sent and as URL-encoded. The
// certificates are left as they are unless dropCertificates is set: they
// name the domains too, so a capture that holds them is only anonymous
// without them. Dropping them leaves the rest of the answer as it was, but
// for the status line of a responseFormat=0 answer, which says 1 instead of
// 2 (certificates available, none attached); a binary answer, which is
// nothing but its certificates, cannot be masked that way, nor a body that
// does not parse.
func (c *Capture) Mask(dropCertificates bool) error {
	type swap struct{ old, new string }
	var swaps []swap
	for _, k := range []string{"orderNumber", "certificateID", "baseOrderNumber"} {
		if v := c.Form.Get(k); v != "" {
			swaps = append(swaps, swap{v, "masked"})
			c.Form.Set(k, "masked")
		}
	}
	if r, err := c.Parse(); err == nil {
		names := []string{r.FQDN}
		for _, d := range slices.Concat(r.MDCDomainDetails, r.MDCDomainDetails2) {
			names = append(names, d.Domain)
		}
		n := 0
		for _, name := range names {
			if name == "" || slices.ContainsFunc(swaps, func(s swap) bool { return s.old == name }) {
				continue
			}
			n++
			swaps = append(swaps, swap{name, fmt.Sprintf("masked-%d.example", n)})
		}
	}
	for _, s := range swaps {
		if esc := url.QueryEscape(s.old); esc != s.old {
			swaps = append(swaps, swap{esc, url.QueryEscape(s.new)})
		}
	}
	// Longer first: strings.Replacer tries them in order at each position,
	// and a name inside another must not be half-masked.
	slices.SortStableFunc(swaps, func(a, b swap) int { return len(b.old) - len(a.old) })
	var args []string
	for _, s := range swaps {
		args = append(args, s.old, s.new)
	}
	c.Body = []byte(strings.NewReplacer(args...).Replace(string(c.Body)))
	if dropCertificates {
		return c.dropCertificates()
	}
	return nil
}

// dropCertificates removes the certificate data from c's body: the
// certificate fields of a responseFormat=1 body, the PEM text or base64
// container of a responseFormat=0 body.
func (c *Capture) dropCertificates() error {
	req, err := c.Request()
	if err != nil {
		return err
	}
	body := bytes.TrimPrefix(c.Body, utf8BOM)
	fail := func(why string) error {
		return fmt.Errorf("%scapture: cannot drop the certificates: %s", errPrefix, why)
	}
	switch {
	case isBinaryContainer(body):
		return fail("a binary answer is nothing but its certificates")
	case looksURLEncoded(body):
		var kept [][]byte
		for _, field := range bytes.Split(body, []byte{'&'}) {
			key, _, _ := bytes.Cut(field, []byte{'='})
			switch urlFields[strings.ToLower(formText(key, defaultCharset))] {
			case fContainer, fCACertificate, fCertificate:
				continue
			}
			kept = append(kept, field)
		}
		c.Body = bytes.Join(kept, []byte{'&'})
		return nil
	}
	if !utf8.Valid(body) {
		return fail("the body is not UTF-8")
	}
	var span [2]int
	if _, err := parseLinesSpan(req, body, defaultCharset, &span); err != nil {
		return fail(err.Error())
	}
	body = append(bytes.Clone(body[:span[0]]), body[span[1]:]...)
	// Status 2 says certificate data follows: with none, the answer says 1
	// (available, not attached), as a status query's does.
	if first, rest, _ := bytes.Cut(body, []byte{'\n'}); string(bytes.TrimSpace(first)) == "2" {
		body = append([]byte("1\n"), rest...)
	}
	c.Body = body
	return nil
}
