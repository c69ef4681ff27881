// This file holds the responseFormat=0 parser: ParseLines walks the
// newline-delimited, positional body, driven by the request's show flags, in
// the order the specification sends the lines; it finds where the
// certificate data ends (the last END line of PEM text, or the end of a
// base64 container, by the width of its lines and the container's own
// length) and hands it to the container decoder.

package collectssl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// ExtraLineKey is the key of Result.Extra under which ParseLines keeps, in
// body order, every line it did not expect.
const ExtraLineKey = "line"

// Why a responseFormat=0 body does not parse.
var (
	errNoStatusLine   = errors.New("empty body, no status line")
	errNotCertificate = errors.New("certificate data is neither PEM nor base64")
	errContainerTrail = errors.New("base64 certificate data goes on after its container ends")
)

// ParseLines reads a responseFormat=0 body: the answer to req, whose show
// flags say which lines follow the status line. A nil req reads as the zero
// Request. Text that is not UTF-8 is decoded from Windows-1252 (ParseResponse
// uses the Content-Type's charset instead).
//
// It accepts LF and CRLF line endings, trailing spaces and tabs, a missing
// final newline, a UTF-8 byte order mark, blank lines around the certificate
// data (one real client shows one before the extended status lines) and the
// validity period's two dates on one line or on two. Certificate data is
// either PEM text, read as DecodeCertificates reads it (certificates; a
// PKCS#7 under PKCS7, CMS or "PKCS #7 SIGNED DATA"; a Netscape sequence under
// CERTIFICATE as OpenSSL writes it; a ZIP under ZIP; blocks glued on one line
// or indented; other blocks, such as keys, skipped) or a base64
// container (ZIP, Netscape sequence, PKCS#7) without armour, wrapped at any
// width or on one line. Where the base64 ends is found by the width of its
// lines and the container's own length, so a following status line that
// happens to be valid base64 is not swallowed.
//
// A real server leaves out the optional lines it does not have (the MDC
// details of a single-domain order, status details, an empty CAA status,
// sometimes an empty FQDN), so every optional line is recognised by its
// content, in the order of the specification: a validity period is two
// dates; an FQDN a host name (or a blank line); the extended status two
// lines of words; MDC domain details "name STATUS, name STATUS" (only the
// second list may hold AWAITINGBRAND: when just one list is there and it
// has none, it is read as the first); status details seven integers from -1
// to 2, or lines that name their detail; the CAA status one of the values
// of the specification or "Error 'n'". A line that fits none of the lines
// still to come is kept, in body order, in Result.Extra[ExtraLineKey], never
// in a typed field. A non-negative status code the specification does not
// list (3, 7, ...) gives a Result with that Status and every following line
// in Extra: its layout is unknown, so nothing is guessed.
//
// The error is a *StatusError if the status code is negative (the Result is
// then nil), a *ParseError if body cannot be a CollectSSL answer (no status
// line, a status line that is not an integer, certificate data that does not
// decode, a body over the size limit, which also matches ErrTooLarge), and
// nil otherwise.
func ParseLines(req *Request, body []byte) (*Result, error) {
	if err := checkSize(body); err != nil {
		return nil, err
	}
	if req == nil {
		req = &Request{}
	}
	return parseLines(req, body, defaultCharset)
}

// lineSpan is one line of the body: body[start:end], without its line ending and
// trailing spaces and tabs. Offsets fit in 32 bits: parseLinesSpan refuses
// a longer body (its callers accept at most maxResponseBytes, which UTF-16
// and legacy charsets grow by 1.5 and 3 times at most).
type lineSpan struct{ start, end int32 }

// lineParser walks the lines of one body, splitting it as it goes: the PEM
// text of the certificate data is stepped over marker to marker (see
// pemExtent), not split line by line. Its methods never read past the last
// line: every loop advances next or stops.
type lineParser struct {
	body  []byte     // without trailing blank lines
	lines []lineSpan // the lines split so far
	pos   int        // where the first line not yet split starts in body
	next  int        // index in lines of the next unread line
	extra []string
}

// has reports whether line i exists, splitting the body up to it.
func (p *lineParser) has(i int) bool {
	for len(p.lines) <= i {
		if p.pos >= len(p.body) {
			return false
		}
		end, next := p.cut(p.pos)
		if len(p.lines) == cap(p.lines) && len(p.lines) >= linesBeforeCount {
			// A long body (base64 wrapped line by line): room for all of
			// its lines at once, not a slice grown a quarter at a time
			// past them. PEM text that skipTo steps over is counted too:
			// 8 bytes per line at most, and maxResponseLines of them.
			p.lines = slices.Grow(p.lines, bytes.Count(p.body[p.pos:], []byte{'\n'})+1)
		}
		p.lines = append(p.lines, lineSpan{int32(p.pos), int32(end)})
		p.pos = next
	}
	return true
}

// linesBeforeCount is how many lines lineParser splits before it counts
// the rest of the body's lines to make room for them: an answer without a
// long base64 run has fewer.
const linesBeforeCount = 64

// cut returns where the line that starts at byte start of the body ends,
// without its '\n' (or "\r\n") and trailing spaces and tabs, and where the
// next line starts.
func (p *lineParser) cut(start int) (end, next int) {
	end, next = len(p.body), len(p.body)
	if k := bytes.IndexByte(p.body[start:], '\n'); k >= 0 {
		end, next = start+k, start+k+1
	}
	for end > start && (p.body[end-1] == '\r' || p.body[end-1] == ' ' || p.body[end-1] == '\t') {
		end--
	}
	return end, next
}

func (p *lineParser) more() bool { return p.has(p.next) }

// peek returns the next line, or nil at the end.
func (p *lineParser) peek() []byte {
	if !p.more() {
		return nil
	}
	return p.line(p.next)
}

// line returns line i, which has been split (has(i) is true).
func (p *lineParser) line(i int) []byte { return p.body[p.lines[i].start:p.lines[i].end] }

// start and end are where line i starts and ends in body.
func (p *lineParser) start(i int) int { return int(p.lines[i].start) }
func (p *lineParser) end(i int) int   { return int(p.lines[i].end) }

// lineNo returns the line number (from 1) of the line that starts at byte
// off of body, for errors: line indexes do not count the lines of PEM text.
func (p *lineParser) lineNo(off int) int { return 1 + bytes.Count(p.body[:off], []byte{'\n'}) }

// skipTo drops the lines split at or after line i and goes on splitting at
// byte off, with line i next: the lines in between are consumed unsplit.
func (p *lineParser) skipTo(i, off int) {
	p.lines, p.pos, p.next = p.lines[:i], off, i
}

// text consumes the next line as a string, "" at the end.
func (p *lineParser) text() string {
	s := string(p.peek())
	if p.more() {
		p.next++
	}
	return s
}

func (p *lineParser) skipBlank() {
	for p.more() && len(p.peek()) == 0 {
		p.next++
	}
}

// keep consumes the next line into Extra.
func (p *lineParser) keep() { p.extra = append(p.extra, p.text()) }

func parseLines(req *Request, body []byte, enc encoding.Encoding) (*Result, error) {
	return parseLinesSpan(req, body, enc, nil)
}

// parseLinesSpan is parseLines that also sets *cert, when cert is not nil,
// to where the certificate data stands in body once its byte order mark is
// dropped and it is decoded to UTF-8: body[cert[0]:cert[1]], its line
// endings included ({0, 0} when there is none).
func parseLinesSpan(req *Request, body []byte, enc encoding.Encoding, cert *[2]int) (*Result, error) {
	body = toUTF8(bytes.TrimPrefix(body, utf8BOM), enc)
	if len(body) > math.MaxInt32 { // the callers bound it far below
		return nil, &ParseError{Field: "body", Err: fmt.Errorf("%w: %d bytes", ErrTooLarge, len(body))}
	}
	if cert == nil {
		cert = new([2]int)
	}
	if len(body) > maxResponseLines { // else it cannot hold that many lines
		if n := bytes.Count(body, []byte{'\n'}); n > maxResponseLines {
			return nil, &ParseError{Field: "body", Err: fmt.Errorf("%w: %d lines, more than %d", ErrTooLarge, n, maxResponseLines)}
		}
	}
	// Blank lines at the end are no lines: trailing blanks are dropped from
	// every line anyway.
	p := &lineParser{body: bytes.TrimRight(body, " \t\r\n"), lines: make([]lineSpan, 0, 16)}
	if !p.more() {
		return nil, &ParseError{Line: 1, Field: "status", Err: errNoStatusLine}
	}
	first := bytes.TrimSpace(p.peek())
	code, err := strconv.Atoi(string(first))
	if err != nil {
		return nil, &ParseError{Line: 1, Field: "status", Err: fmt.Errorf("%w: %.40q", errStatusNotInteger, first)}
	}
	p.next++
	if code < 0 {
		return nil, statusErr(StatusCode(code), p.message(), "")
	}
	r := &Result{Status: StatusCode(code)}
	if code > int(StatusAttached) {
		for p.more() {
			p.keep()
		}
		r.setExtra(p.extra)
		return r, nil
	}
	if code > 0 && req.ShowValidityPeriod && p.more() {
		p.validity(r)
	}
	if code > 0 && req.ShowFQDN && p.more() {
		p.fqdn(r)
	}
	if code == int(StatusAttached) {
		p.skipBlank()
		if p.more() {
			cert[0] = p.start(p.next)
			if err := p.certificates(r); err != nil {
				return nil, err
			}
			cert[1] = len(body)
			if p.more() {
				cert[1] = p.start(p.next)
			}
		}
	}
	p.optionalLines(req, r)
	r.setExtra(p.extra)
	return r, nil
}

// A section is one kind of optional line (or run of lines) that may follow
// the certificate data, in the order of the specification.
type section uint8

const (
	sectionExtStatus section = iota
	sectionMDCDomains
	sectionStatusDetails
	sectionMDCDomains2
	sectionCAAStatus
)

// take reads section s at the parser's position, when what stands there
// fits it, and reports whether it did.
func (p *lineParser) take(s section, r *Result) bool {
	switch s {
	case sectionExtStatus:
		return p.extStatus(r)
	case sectionMDCDomains:
		return p.domains(&r.MDCDomainDetails, false)
	case sectionStatusDetails:
		return p.statusDetails(r)
	case sectionMDCDomains2:
		return p.domains(&r.MDCDomainDetails2, true)
	default:
		return p.caaStatus(r)
	}
}

// optionalLines reads what follows the certificate data. The specification
// sends these lines in a fixed order, each only when asked for and, in real
// traffic, only when the server has it: the MDC details of a single-domain
// order, status details the server does not have and an empty CAA status
// are left out. So each line is recognised by its content, in the order of
// the specification: a section takes the lines that fit it and is then
// done; a line that fits no section still to come goes to Extra, in body
// order, and never into a typed field. Blank lines between sections are
// layout; blank lines among the lines kept in Extra are kept too.
func (p *lineParser) optionalLines(req *Request, r *Result) {
	var buf [5]section
	sections := buf[:0]
	if req.ShowExtStatus {
		sections = append(sections, sectionExtStatus)
	}
	if r.Status == StatusProcessing && req.ShowMDCDomainDetails {
		sections = append(sections, sectionMDCDomains)
	}
	if req.ShowStatusDetails {
		sections = append(sections, sectionStatusDetails)
	}
	if r.Status == StatusProcessing && req.ShowMDCDomainDetails2 {
		sections = append(sections, sectionMDCDomains2)
	}
	sections = append(sections, sectionCAAStatus)

	next, blanks := 0, 0 // the first section still to come; blank lines pending
	for p.more() {
		if len(p.peek()) == 0 {
			blanks++
			p.next++
			continue
		}
		took := false
		for i := next; i < len(sections) && !took; i++ {
			if p.take(sections[i], r) {
				next, took = i+1, true
			}
		}
		if took {
			blanks = 0
			continue
		}
		for ; blanks > 0; blanks-- {
			p.extra = append(p.extra, "")
		}
		p.keep()
	}
}

func (r *Result) setExtra(lines []string) {
	if len(lines) == 0 {
		return
	}
	if r.Extra == nil {
		r.Extra = url.Values{}
	}
	if r.Extra[ExtraLineKey] == nil {
		r.Extra[ExtraLineKey] = lines // ours: the parser is done with it
		return
	}
	r.Extra[ExtraLineKey] = append(r.Extra[ExtraLineKey], lines...)
}

// message returns the rest of the body as the error message: its lines joined
// by "\n", blank lines at either end dropped (the specification sends one
// line; more are kept rather than lost).
func (p *lineParser) message() string {
	p.skipBlank()
	if !p.more() {
		return ""
	}
	start := p.start(p.next)
	p.skipTo(p.next, len(p.body))
	return strings.ReplaceAll(string(p.body[start:]), "\r\n", "\n")
}

// Sectigo certificates start at 00:00:00 GMT and end at 23:59:59 GMT on the
// days the validity line names.
const (
	endOfDayOffset = 24*time.Hour - time.Second
)

// twoFields returns the first two fields of line, as bytes.Fields splits
// it (at isASCIISpace, when line is ASCII), and how many fields it has,
// counting no further than 3. It allocates nothing when line is ASCII.
func twoFields(line []byte) (first, second []byte, n int) {
	if !isASCII(line) {
		f := append(bytes.Fields(line), nil, nil)
		return f[0], f[1], min(len(f)-2, 3)
	}
	var f [2][]byte
	for i := 0; i < len(line) && n < 3; {
		for i < len(line) && isASCIISpace(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && !isASCIISpace(line[j]) {
			j++
		}
		if n < 2 {
			f[n] = line[i:j]
		}
		i, n = j, n+1
	}
	return f[0], f[1], n
}

// parseDate reads a date of the validity line, DD/MM/YYYY (time layout
// "2/1/2006": one-digit days and months accepted), as midnight UTC.
func parseDate(b []byte) (time.Time, bool) {
	day, b, ok1 := dateField(b, 2, '/')
	month, b, ok2 := dateField(b, 2, '/')
	year, b, ok3 := dateField(b, 4, 0)
	if !ok1 || !ok2 || !ok3 || len(b) != 0 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31/04 is no date
	}
	return t, true
}

// dateField reads the number at the start of b, of 1 to width digits (all
// of them when sep is 0), and the separator after it.
func dateField(b []byte, width int, sep byte) (n int, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && i < width && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	switch {
	case i == 0, sep == 0 && i != width:
		return 0, nil, false
	case sep == 0:
		return n, b[i:], true
	case i < len(b) && b[i] == sep:
		return n, b[i+1:], true
	}
	return 0, nil, false
}

// validity reads "DD/MM/YYYY DD/MM/YYYY", or the two dates on two lines as
// one real client allows. A line that does not parse goes to Extra, unless
// it may be one of the lines that follow (a server that leaves the validity
// period out): then it is left for them.
func (p *lineParser) validity(r *Result) {
	var nb, na []byte
	lines := 1
	first, second, n := twoFields(p.peek())
	switch {
	case n == 2:
		nb, na = first, second
	case n == 1 && p.has(p.next+1):
		if next, _, m := twoFields(p.line(p.next + 1)); m == 1 {
			nb, na, lines = first, next, 2
		}
	}
	from, ok1 := parseDate(nb)
	to, ok2 := parseDate(na)
	if !ok1 || !ok2 {
		if line := p.peek(); len(line) > 0 && !mayFollowValidity(line) {
			p.keep()
		}
		return
	}
	r.NotBefore, r.NotAfter = from, to.Add(endOfDayOffset)
	p.next += lines
}

// mayFollowValidity reports whether line may be one of the lines that can
// follow the validity period: an FQDN, certificate data, an extended status,
// a domain list, a status detail or a CAA status.
func mayFollowValidity(line []byte) bool {
	if _, ok := domainList(line, true); ok {
		return true
	}
	_, _, detail := parseStatusDetail(string(line))
	return detail || isHostname(line) || isStatusText(line) || isCAAStatus(line) || startsCertificateData(line)
}

// fqdn reads the FQDN line: a host name, or a blank line (some issued orders
// have an empty FQDN). Anything else is not an FQDN (a server that leaves
// the line out): it is left for what follows.
func (p *lineParser) fqdn(r *Result) {
	switch line := p.peek(); {
	case len(line) == 0:
		p.next++
	case isHostname(line) && !(r.Status == StatusAttached && startsCertificateData(line)):
		r.FQDN = p.text()
	}
}

// isHostname reports whether line is one DNS name, perhaps a wildcard: no
// blank, at least one dot, only letters, digits, '-', '_', '.' and '*'.
func isHostname(line []byte) bool {
	if bytes.IndexByte(line, '.') < 0 {
		return false
	}
	for _, c := range line {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '*':
		default:
			return false
		}
	}
	return true
}

// extStatus reads the two lines of showExtStatus=Y, the certificate status
// ("Issued", "Awaiting Validation", "NO STATUS", ...) and the validation
// status ("Complete", "Awaiting Brand Validation", ...), when the next two
// lines both read as such a status: words, not a number, a domain list, a
// named status detail or certificate data; and the first is no CAA status
// (none of the specification's extended statuses is one).
func (p *lineParser) extStatus(r *Result) bool {
	if !p.has(p.next+1) || !isStatusText(p.line(p.next)) || !isStatusText(p.line(p.next+1)) ||
		isCAAStatus(p.line(p.next)) {
		return false
	}
	r.CertificateStatus, r.ValidationStatus = p.text(), p.text()
	return true
}

// isStatusText reports whether line reads as an extended status: it starts
// with a letter (or any character beyond ASCII: a translated status) and
// holds letters, digits, blanks and the punctuation of prose, and it is no
// domain list and no status detail that names itself ("csrStatus: 1").
func isStatusText(line []byte) bool {
	if len(line) == 0 || !(line[0] >= 'a' && line[0] <= 'z' || line[0] >= 'A' && line[0] <= 'Z' || line[0] >= 0x80) {
		return false
	}
	for _, c := range line {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		case bytes.IndexByte([]byte(" \t'-().,:/&"), c) >= 0:
		default:
			return false
		}
	}
	if _, ok := domainList(line, true); ok {
		return false
	}
	// A status detail ends in a digit once its blanks are trimmed: a line
	// whose last character is another ASCII character, no blank, is none.
	if c := line[len(line)-1]; c < utf8.RuneSelf && !isASCIISpace(c) && (c < '0' || c > '9') {
		return true
	}
	name, _, ok := parseStatusDetail(string(line))
	return !ok || !slices.Contains(statusDetailNames[:], strings.ToLower(name))
}

// isASCIISpace reports whether c is one of the ASCII blanks that
// bytes.TrimSpace trims.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// domains reads an MDC domain details line into *dst when the next line is
// a domain list (see domainList); awaitingBrand allows the AWAITINGBRAND
// status, which only the second list has, so that a second list is not taken
// for the first when the first was left out.
func (p *lineParser) domains(dst *[]DomainStatus, awaitingBrand bool) bool {
	list, ok := domainList(p.peek(), awaitingBrand)
	if ok {
		*dst = list
		p.next++
	}
	return ok
}

// domainList reads "domain1.com VALIDATED, domain2.com NOTVALIDATED": comma
// separated items, each a host name and, but for a server that sends none,
// a status in capitals. ok is false for anything else, or for a list with
// the status AWAITINGBRAND when awaitingBrand is false.
func domainList(line []byte, awaitingBrand bool) (list []DomainStatus, ok bool) {
	if bytes.IndexByte(line, '.') < 0 {
		return nil, false // no host name
	}
	list = parseDomains(string(line))
	if len(list) == 0 {
		return nil, false
	}
	for _, d := range list {
		if !isHostname([]byte(d.Domain)) || !isStatusWord(d.Status) || d.Status == "AWAITINGBRAND" && !awaitingBrand {
			return nil, false
		}
	}
	return list, true
}

// isStatusWord reports whether s is "" or a word of capitals and '_'.
func isStatusWord(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// caaStatuses are the CAA check statuses of the specification, lower-cased;
// "Error 'n'" (n a number) is the other form.
var caaStatuses = []string{"authorized", "not authorized", "unrecognized critical tag", "empty",
	"malformed response", "timeout", "error", "awaiting completion"}

// caaStatus reads the CAA check status when the next line is one.
func (p *lineParser) caaStatus(r *Result) bool {
	if !isCAAStatus(p.peek()) {
		return false
	}
	r.CAAStatus = p.text()
	return true
}

// isCAAStatus reports whether line is a CAA check status of the
// specification, in any case, or "Error 'n'".
func isCAAStatus(line []byte) bool {
	line = bytes.TrimSpace(line)
	for _, s := range caaStatuses {
		if equalFoldASCII(line, s) {
			return true
		}
	}
	const prefix = "error '"
	if len(line) < len(prefix)+2 || !equalFoldASCII(line[:len(prefix)], prefix) || line[len(line)-1] != '\'' {
		return false
	}
	n := line[len(prefix) : len(line)-1]
	n = bytes.TrimPrefix(n, []byte{'-'})
	return len(n) > 0 && allDigits(n)
}

// equalFoldASCII reports whether b is s, which is lower-case ASCII, in any
// case of its letters.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lowerASCII(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// lowerASCII is c in lower case if it is an ASCII capital, else c.
func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// allDigits reports whether b holds only ASCII digits.
func allDigits[T string | []byte](b T) bool {
	for i := range len(b) {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

// startsCertificateData reports whether line is the start of certificate data
// rather than an FQDN (which a server may leave out rather than send empty):
// a PEM BEGIN line, or a base64 line that decodes to the start of a
// container. A domain name holds a '.', which base64 does not.
func startsCertificateData(line []byte) bool {
	if isPEMBegin(line) {
		return true
	}
	if len(line) < 8 || !isBase64Line(line) {
		return false
	}
	prefix := line[:min(len(line), 64)/4*4]
	der := make([]byte, base64.StdEncoding.DecodedLen(len(prefix)))
	n, _ := base64.StdEncoding.Decode(der, prefix)
	_, _, err := containerLen(der[:n])
	return err == nil
}

// isPEMBegin reports a PEM BEGIN line, indented or not.
func isPEMBegin(line []byte) bool {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return bytes.HasPrefix(line[i:], pemBegin)
}

// certificates reads the certificate data at the next (non-blank) line.
func (p *lineParser) certificates(r *Result) error {
	if isPEMBegin(p.peek()) {
		return p.pemText(r)
	}
	return p.base64Container(r)
}

// pemText reads the PEM text at the next line (its extent: pemExtent). The
// bodies of the blocks pemExtent found are decoded where they lie
// (decodeCertBodies); any other text, and any that does not decode, goes to
// the container decoder, which reads what real files hold (blocks glued on
// one line, indentation, blank lines between blocks, a container under any
// label) and gives the errors. An error names the line where the decoder
// stopped.
func (p *lineParser) pemText(r *Result) error {
	first, start := p.next, p.start(p.next)
	var room [maxCertBodies][2]int
	textEnd, resume, bodies, err := p.pemExtent(start, room[:0])
	if err != nil {
		return err
	}
	text := p.body[start:textEnd]
	certs, container, ok := decodeCertBodies(p.body, bodies)
	if !ok {
		certs, container, err = decodePEMText(text)
	}
	if err != nil {
		line := p.lineNo(start)
		var ce *ContainerError
		if errors.As(err, &ce) && ce.Offset > 0 && ce.Offset <= len(text) {
			line += bytes.Count(text[:ce.Offset], []byte{'\n'})
		}
		return &ParseError{Line: line, Field: "certificate data", Err: err}
	}
	if err := r.setCertificates(certs); err != nil {
		return &ParseError{Line: p.lineNo(start), Field: "certificate data", Err: err}
	}
	r.Container = container
	p.skipTo(first, resume)
	return nil
}

// maxCertBodies is how many blocks pemExtent locates: a chain is 2 to 5
// certificates. Longer texts are left to the container decoder.
const maxCertBodies = 8

// pemExtent finds where the PEM text that starts at byte start of the body
// ends: textEnd is where its last END line ends, resume where the line after
// it starts. The text runs to the last END line before the first line that
// is neither inside a block, nor blank, nor holds a BEGIN marker. Inside a
// block only a line with a marker can change that, so the lines of base64
// between are stepped over, not split.
//
// While every marker line of the text is one encoders write (a CERTIFICATE
// block's, whole on its line: pemBeginCert, pemEndCert), each block's body
// lies between its two marker lines, and bodies is room with their spans
// appended, for decodeCertBodies. Past the capacity of room, or when the
// text holds any other marker line, bodies is nil.
func (p *lineParser) pemExtent(start int, room [][2]int) (textEnd, resume int, bodies [][2]int, err error) {
	bodies = room
	open, opened := false, start
	simple := true
	for pos := start; pos < len(p.body); {
		if open {
			k := bytes.Index(p.body[pos:], pemDash)
			if k < 0 {
				break
			}
			pos += bytes.LastIndexByte(p.body[pos:pos+k], '\n') + 1 // the marker's line
		}
		end, next := p.cut(pos)
		line := p.body[pos:end]
		// The lines encoders write, decided without searching them.
		switch {
		case string(line) == pemBeginCert:
			simple = simple && !open // else the block before holds this one
			open, opened, pos = true, pos, next
			continue
		case string(line) == pemEndCert && open:
			if simple = simple && len(bodies) < cap(bodies); simple {
				bodies = append(bodies, [2]int{opened + len(pemBeginCert), pos})
			}
			open, textEnd, resume, pos = false, end, next, next
			continue
		}
		if bytes.IndexByte(line, '-') < 0 { // no marker: what follows, or a blank line
			if !open && len(bytes.TrimSpace(line)) != 0 {
				break
			}
			pos = next
			continue
		}
		begin := bytes.Contains(line, pemBegin)
		if !open && !begin {
			break // what follows the text, though it holds a '-'
		}
		simple = false
		if e := lastIndex(line, pemEnd); e >= 0 && !bytes.Contains(line[e:], pemBegin) {
			open, textEnd, resume = false, pos+len(line), next
		} else if begin {
			open, opened = true, pos
		}
		pos = next
	}
	if open {
		return 0, 0, nil, &ParseError{Line: p.lineNo(opened), Field: "certificate data", Err: errTruncatedCertificates}
	}
	if !simple {
		bodies = nil
	}
	return textEnd, resume, bodies, nil
}

// lastIndex is bytes.LastIndex, quicker when sep is rare: most lines
// have no END marker.
func lastIndex(s, sep []byte) int {
	if !bytes.Contains(s, sep) {
		return -1
	}
	return bytes.LastIndex(s, sep)
}

// base64Chars marks the bytes of the standard base64 alphabet and '='.
var base64Chars = func() (t [256]bool) {
	for _, c := range []byte(base64Alphabet + "=") {
		t[c] = true
	}
	return t
}()

func isBase64Line(l []byte) bool {
	for _, c := range l {
		if !base64Chars[c] {
			return false
		}
	}
	return true
}

// base64Container reads a container sent as base64 without armour.
//
// The width of the first line is the wrap width W: every line of the blob but
// the last is W characters long, the last is at most W, and only the last may
// carry '=' padding. The longest run of lines that fits that shape is
// decoded; it may include following lines that happen to be valid base64
// ("Issued", "Complete", a 64-character CAA status). containerLen then says
// how many bytes the container itself takes, which says on which line the
// blob ends; the lines after it are left for the rest of the parse. A run
// whose decoded bytes hold no complete container is truncated data.
func (p *lineParser) base64Container(r *Result) error {
	first := p.next
	if !isBase64Line(p.peek()) {
		return &ParseError{Line: p.lineNo(p.start(first)), Field: "certificate data", Err: fmt.Errorf("%w: %.40q", errNotCertificate, p.peek())}
	}
	container, after, ok := p.wrappedBlob(first)
	if !ok {
		var err error
		if container, after, err = p.anyBlob(first); err != nil {
			return err
		}
	}
	certs, err := decodeResponseContainer(container)
	if err != nil {
		return &ParseError{Line: p.lineNo(p.start(first)), Field: "certificate data", Err: err}
	}
	r.Container = container
	if err := r.setCertificates(certs); err != nil {
		return &ParseError{Line: p.lineNo(p.start(first)), Field: "certificate data", Err: err}
	}
	p.skipTo(first, after)
	return nil
}

// anyBlob is the general path of base64Container: it returns the container
// whose base64 starts at line first, and where the line after it starts.
// First, the run by width alone, validated by the decoder, which stops at
// the first byte outside the alphabet; that is enough when the container is
// complete before it (the usual case). Otherwise the run is cut by checking
// every line's alphabet, and decoded again.
func (p *lineParser) anyBlob(first int) (container []byte, after int, err error) {
	j, total := p.base64Run(first, false)
	decoded, n, complete, err := p.decodeRun(first, j, total)
	if err != nil || !complete {
		j, total = p.base64Run(first, true)
		decoded, n, complete, err = p.decodeRun(first, j, total)
	}
	if err != nil {
		return nil, 0, &ParseError{Line: p.lineNo(p.start(first)), Field: "certificate data", Err: err}
	}
	if !complete || n <= 0 || n > len(decoded) {
		return nil, 0, &ParseError{Line: p.lineNo(p.start(j - 1)), Field: "certificate data", Err: errTruncatedCertificates}
	}
	need := base64.RawStdEncoding.EncodedLen(n)
	after = len(p.body)
	for k, cum := first, 0; k < j; k++ {
		l := p.line(k)
		if cum+len(l) < need {
			cum += len(l)
			continue
		}
		if len(bytes.TrimRight(l[need-cum:], "=")) > 0 {
			return nil, 0, &ParseError{Line: p.lineNo(p.start(k)), Field: "certificate data", Err: errContainerTrail}
		}
		if p.has(k + 1) {
			after = p.start(k + 1)
		}
		break
	}
	return decoded[:n:n], after, nil
}

// wrappedBlob is the fast path of base64Container, for a blob as encoders
// write it: a DER container (definite length, read from the first line)
// whose base64, padded or not, fills lines as wide as the first, each ended
// by the first line's line ending but the last, which ends the body or its
// line. Where each line ends follows from the width, so the lines are not
// split, and the blob is decoded line by line (decodeWrapped). It returns
// the container and where the line after the blob starts; ok is false for
// anything else, which the general path reads, and which it would read the
// same way.
func (p *lineParser) wrappedBlob(first int) (container []byte, after int, ok bool) {
	b, start, w := p.body, p.start(first), p.end(first)-p.start(first)
	if w < 8 {
		return nil, 0, false
	}
	// The SEQUENCE's header: its tag, and a length in up to three octets
	// (16 MiB, more than any body).
	var head [6]byte
	if _, err := base64.StdEncoding.Decode(head[:], b[start:start+8]); err != nil || head[0] != 0x30 {
		return nil, 0, false
	}
	size := 2 + int(head[1])
	if n := int(head[1] & 0x7f); head[1] >= 0x80 {
		if n == 0 || n > 3 {
			return nil, 0, false // indefinite, or four octets: the general path
		}
		length := 0
		for _, c := range head[2 : 2+n] {
			length = length<<8 | int(c)
		}
		size = 2 + n + length
	}
	if size > len(b) {
		return nil, 0, false
	}
	chars := base64.RawStdEncoding.EncodedLen(size)
	eol := b[p.end(first):min(p.end(first)+2, len(b))]
	switch {
	case len(eol) == 2 && eol[0] == '\r' && eol[1] == '\n':
	case len(eol) > 0 && eol[0] == '\n':
		eol = eol[:1]
	case chars <= w:
		eol = nil // the blob is one line
	default:
		return nil, 0, false
	}
	// Lines k < full are w characters and a line ending.
	full := (chars - 1) / w
	last := start + full*(w+len(eol))
	if last+chars-full*w > len(b) {
		return nil, 0, false
	}
	end := last + chars - full*w
	for end < len(b) && b[end] == '=' && end-last < w {
		end++
	}
	switch {
	case end == len(b):
		after = end
	case bytes.HasPrefix(b[end:], eol) && len(eol) > 0:
		after = end + len(eol)
	case b[end] == '\n':
		after = end + 1
	default:
		return nil, 0, false
	}
	container = make([]byte, size)
	if !decodeWrapped(container, b[start:end], w, eol, full) {
		return nil, 0, false
	}
	if n, complete, err := containerLen(container); err != nil || !complete || n != size {
		return nil, 0, false
	}
	return container, after, true
}

// decodeWrapped reports whether blob, full lines of w characters each
// followed by the line ending eol and then the last line, holds those line
// endings and decodes to exactly fill container. Lines of whole quanta (w a
// multiple of 4) are decoded one call each (see decodeLines); other widths
// in one call over the blob. A full line that decodes short (padding, a CR
// or LF inside it) is refused.
func decodeWrapped(container, blob []byte, w int, eol []byte, full int) bool {
	per := w / 4 * 3
	src, dst := blob, container
	for range full {
		if src[w] != eol[0] || len(eol) == 2 && src[w+1] != eol[1] {
			return false
		}
		if w%4 == 0 {
			if m, err := base64.StdEncoding.Decode(dst, src[:w]); err != nil || m != per {
				return false
			}
			dst = dst[per:]
		}
		src = src[w+len(eol):]
	}
	if w%4 != 0 {
		n, err := base64.RawStdEncoding.Decode(container, bytes.TrimRight(blob, "="))
		return err == nil && n == len(container)
	}
	n, err := base64.RawStdEncoding.Decode(dst, bytes.TrimRight(src, "="))
	return err == nil && n == len(dst)
}

// base64Run returns the end j of the run of lines at first that have the
// shape of a wrapped base64 blob (every line as wide as the first, the last
// at most as wide, only the last with '=' padding) and their total length;
// checkAlphabet also ends the run at a line with a byte outside the base64
// alphabet.
func (p *lineParser) base64Run(first int, checkAlphabet bool) (j, total int) {
	w := len(p.peek())
	for j = first; p.has(j); {
		l := p.line(j)
		if len(l) == 0 || len(l) > w || checkAlphabet && !isBase64Line(l) {
			break
		}
		j++
		total += len(l)
		if len(l) < w || bytes.IndexByte(l, '=') >= 0 {
			break
		}
	}
	return j, total
}

// statusDetails reads the lines of showStatusDetails=Y, each `value`,
// `name=value`, `name value` or `name: value`. Lines that name their detail
// (any integer value) are placed by name, and may come in any order; like
// format 1, the details of a run of named lines that holds only some of the
// seven read as ProgressNotRequired. Lines without a name are placed by
// position, so all seven must be there, each -1, 0, 1 or 2. Anything else
// is no run of status details: the lines stay for what follows.
func (p *lineParser) statusDetails(r *Result) bool {
	d := StatusDetails{ProgressNotRequired, ProgressNotRequired, ProgressNotRequired,
		ProgressNotRequired, ProgressNotRequired, ProgressNotRequired, ProgressNotRequired}
	var seen [7]bool
	named := 0
	for i := p.next; named < 7 && p.has(i); i++ {
		name, v, ok := parseStatusDetail(string(p.line(i)))
		at := slices.Index(statusDetailNames[:], strings.ToLower(name))
		if !ok || at < 0 || seen[at] {
			break
		}
		seen[at] = true
		d.set(at, Progress(v))
		named++
	}
	if named > 0 {
		p.next += named
		r.StatusDetails = &d
		return true
	}
	if !p.has(p.next + 6) {
		return false
	}
	for i := range 7 {
		name, v, ok := parseStatusDetail(string(p.line(p.next + i)))
		if !ok || name != "" || v < -1 || v > 2 {
			return false
		}
		d.set(i, Progress(v))
	}
	p.next += 7
	r.StatusDetails = &d
	return true
}

// parseStatusDetail splits "name=value", "name: value", "name value" or
// "value".
func parseStatusDetail(s string) (name string, v int, ok bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "=:"); i >= 0 {
		name, s = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	} else if i := strings.LastIndexAny(s, " \t"); i >= 0 {
		name, s = strings.TrimSpace(s[:i]), s[i+1:]
	}
	// Most lines this sees are no status detail: refuse them before Atoi,
	// whose error is an allocation.
	if digits := strings.TrimLeft(s, "+-"); len(s)-len(digits) > 1 || digits == "" || !allDigits(digits) {
		return name, 0, false
	}
	v, err := strconv.Atoi(s)
	return name, v, err == nil
}

// decodeRun decodes the base64 lines [first, j) (total characters) and
// measures the container at their start with containerLen.
//
// The fast path decodes the span of the body the lines cover, line endings
// and all, into a new buffer in one call: the decoder skips the line
// endings, and stops at the first partial quantum (a following "Issued" line,
// or an unpadded end), having written every byte before it, which is all
// containerLen needs. When that holds no complete container, or the lines
// carry trailing spaces, the slow path decodes a copy of the trimmed lines
// without requiring padding.
func (p *lineParser) decodeRun(first, j, total int) (decoded []byte, n int, complete bool, err error) {
	clean := true
	for k := first; k+1 < j; k++ {
		for _, c := range p.body[p.end(k):p.start(k+1)] {
			if c != '\r' && c != '\n' {
				clean = false
			}
		}
	}
	if clean {
		src := p.body[p.start(first):p.end(j-1)]
		decoded = make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		nd, _ := base64.StdEncoding.Decode(decoded, src)
		decoded = decoded[:nd]
		n, complete, err = containerLen(decoded)
		if err != nil || complete {
			return decoded, n, complete, err
		}
	}
	// Padding ends a base64 blob: stop at the first '=' (a later line of the
	// run, such as "csrStatus=1", is not part of it).
	chars := make([]byte, 0, total)
	for i := first; i < j; i++ {
		line := p.line(i)
		if k := bytes.IndexByte(line, '='); k >= 0 {
			chars = append(chars, line[:k]...)
			break
		}
		chars = append(chars, line...)
	}
	if len(chars)%4 == 1 {
		chars = chars[:len(chars)-1] // a lone character holds no byte
	}
	decoded = make([]byte, base64.RawStdEncoding.DecodedLen(len(chars)))
	nd, err := base64.RawStdEncoding.Decode(decoded, chars)
	if err != nil {
		return nil, 0, false, fmt.Errorf("certificate data: %w", err)
	}
	decoded = decoded[:nd]
	n, complete, err = containerLen(decoded)
	return decoded, n, complete, err
}
