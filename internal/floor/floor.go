// Package floor holds the tight floors of the benchmarks: the unavoidable
// work of reading a CollectSSL answer, each done the cheapest way Go allows
// and knowing the answer's layout in advance. A benchmark runs one beside
// the code it measures and reports the ratio of the two (Paired). Only
// tests import it, hence its use of package testing.
package floor

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Lines base64-decodes text wrapped at width columns with LF line breaks
// (the layout it is told, as an encoder writes it: the text may start with
// a line break, every line but the last is width characters; CRLF text
// fails) into dst, which must hold base64.StdEncoding.DecodedLen(len(text))
// bytes, one decoder call per line: encoding/base64 leaves its fast path at
// every line break, so one call over the whole text costs about a quarter
// more.
func Lines(dst, text []byte, width int) (int, error) {
	n := 0
	if len(text) > 0 && text[0] == '\n' {
		text = text[1:]
	}
	for len(text) > 0 {
		line := text[:min(width, len(text))]
		m, err := base64.StdEncoding.Decode(dst[n:], line)
		if err != nil {
			return n, err
		}
		n += m
		text = text[min(width+1, len(text)):]
	}
	return n, nil
}

// PEM reads PEM certificates wrapped at 64 columns with LF line breaks, as
// encoding/pem writes them (any other wrapping fails): it finds each block's
// armour, base64-decodes its body line by line straight into a new buffer
// (Lines) and parses the certificate. It returns how many it parsed and
// where the last END marker ends. (encoding/pem costs about half more: it
// copies each body without its blanks before decoding it in one call.)
func PEM(in []byte) (n, end int, err error) {
	begin, endMarker := []byte("-----BEGIN CERTIFICATE-----"), []byte("-----END CERTIFICATE-----")
	for rest := in; ; n++ {
		i := bytes.Index(rest, begin)
		if i < 0 {
			return n, end, nil
		}
		rest = rest[i+len(begin):]
		j := bytes.Index(rest, endMarker)
		if j < 0 {
			return n, end, errors.New("no END line")
		}
		der := make([]byte, base64.StdEncoding.DecodedLen(j))
		m, err := Lines(der, rest[:j], 64)
		if err != nil {
			return n, end, err
		}
		if _, err := x509.ParseCertificate(der[:m]); err != nil {
			return n, end, err
		}
		rest = rest[j+len(endMarker):]
		end = len(in) - len(rest)
	}
}

// CutLine returns the first line of b and what follows it.
func CutLine(b []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(b, []byte{'\n'})
	return line, rest
}

// Date reads a DD/MM/YYYY date at its fixed positions, as midnight UTC.
func Date(b []byte) time.Time {
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			n = n*10 + int(c-'0')
		}
		return n
	}
	return time.Date(num(b[6:10]), time.Month(num(b[3:5])), num(b[0:2]), 0, 0, 0, 0, time.UTC)
}

// Validity reads a validity line, "DD/MM/YYYY DD/MM/YYYY", into the first
// second of the first day and the last second of the last.
func Validity(line []byte) (notBefore, notAfter time.Time) {
	return Date(line[:10]), Date(line[11:21]).Add(24*time.Hour - time.Second)
}

// Fields are the fields besides the certificates that a floor reads, as a
// Result holds them.
type Fields struct {
	Status                       int
	NotBefore, NotAfter          time.Time
	FQDN, CertStatus, Validation string
}

// Sink keeps what a floor read alive, as a Result would be.
var Sink Fields

// Head reads the first lines of a format 0 answer into f: the status, and
// the validity period and the FQDN when the request showed them. It returns
// what follows them.
func Head(body []byte, validity, fqdn bool, f *Fields) (rest []byte, err error) {
	line, rest := CutLine(body)
	if f.Status, err = strconv.Atoi(string(line)); err != nil {
		return nil, err
	}
	if validity {
		line, rest = CutLine(rest)
		f.NotBefore, f.NotAfter = Validity(line)
	}
	if fqdn {
		line, rest = CutLine(rest)
		f.FQDN = string(line)
	}
	return rest, nil
}

// Tail reads the two extended status lines at the start of rest into f.
func Tail(rest []byte, f *Fields) {
	line, rest := CutLine(rest)
	f.CertStatus = string(line)
	line, _ = CutLine(rest)
	f.Validation = string(line)
}

var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789ABCDEF" {
		t[c] = byte(i)
	}
	for i, c := range "abcdef" {
		t[c] = byte(10 + i)
	}
	return t
}()

// Unescape appends raw to dst with its %XX escapes undone: runs without
// '%' are copied whole, each escape costs a table look-up.
func Unescape(dst, raw []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(raw, '%')
		if i < 0 {
			return append(dst, raw...), nil
		}
		if i+2 >= len(raw) || unhex[raw[i+1]]|unhex[raw[i+2]] == 0xff {
			return nil, errors.New("bad escape")
		}
		dst = append(append(dst, raw[:i]...), unhex[raw[i+1]]<<4|unhex[raw[i+2]])
		raw = raw[i+3:]
	}
}

// Body reads a response body into one buffer of its declared length, or
// with io.ReadAll when it declared none.
func Body(resp *http.Response) ([]byte, error) {
	if resp.ContentLength <= 0 {
		return io.ReadAll(resp.Body)
	}
	b := make([]byte, resp.ContentLength)
	_, err := io.ReadFull(resp.Body, b)
	return b, err
}

// Paired runs ours and floor in every iteration of b, ours first in even
// iterations and floor first in odd ones (whichever runs first pays for a
// cold cache and for the other's garbage alike), and reports the ratio of
// their summed times as the metric ours/floor: load from other processes
// falls on both alike.
func Paired(b *testing.B, ours, floor func() error) { Ratio(b, "ours/floor", ours, floor) }

// Ratio is Paired for any two pieces of work, its metric named unit: the
// summed times of num over those of den (BenchmarkFlatBERGrowth's growth,
// 1 MiB decoded against 64 KiB).
func Ratio(b *testing.B, unit string, num, den func() error) {
	ratio, err := pair(b.Loop, time.Now, num, den)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ratio, unit)
}

// pair is Paired's loop: it runs while loop says so, timing with now.
func pair(loop func() bool, now func() time.Time, ours, floor func() error) (float64, error) {
	var tOurs, tFloor time.Duration
	for i := 0; loop(); i++ {
		first, second := ours, floor
		if i%2 == 1 {
			first, second = floor, ours
		}
		t0 := now()
		err1 := first()
		t1 := now()
		err2 := second()
		t2 := now()
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("ours or floor failed: %v, %v", err1, err2)
		}
		if i%2 == 0 {
			tOurs, tFloor = tOurs+t1.Sub(t0), tFloor+t2.Sub(t1)
		} else {
			tFloor, tOurs = tFloor+t1.Sub(t0), tOurs+t2.Sub(t1)
		}
	}
	return float64(tOurs) / float64(tFloor), nil
}
