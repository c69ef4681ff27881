// This file holds OrderDetails, GetOrderDetails' answer, and the collection
// it leads to: its certificate fields decoded with
// collectssl.DecodeCertificates and ordered with collectssl.NewBundle, and
// its two dates read leniently.

package trustico

import (
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
)

// OrderDetails is GetOrderDetails' answer (CONFIRMED fields). The page's
// text promises product, CSR, SAN and contact details too, but its schema
// lists only these: whatever else the API sends is in Envelope.Fields.
type OrderDetails struct {
	Envelope
	// Certificate is "the actual SSL certificate", as sent. What it holds
	// is not documented: PEM, bare base64 and PKCS#7 are all read.
	Certificate string `json:"Certificate"`
	// IntermediateCAs are the intermediate CA certificates, as sent, in
	// any of Certificate's forms.
	IntermediateCAs string `json:"IntermediateCAs"`
	// CertificateStartDate and CertificateExpiryDate are the dates as
	// sent; their format is not documented. NotBefore and NotAfter are
	// them parsed (see ParseDate), zero when they are absent or do not
	// parse.
	CertificateStartDate  string `json:"CertificateStartDate"`
	CertificateExpiryDate string `json:"CertificateExpiryDate"`
	// CertificateStatus is the certificate's status as sent; its values
	// are not documented.
	CertificateStatus string `json:"CertificateStatus"`

	NotBefore time.Time `json:"-"`
	NotAfter  time.Time `json:"-"`
}

func (d *OrderDetails) parseDates() {
	d.NotBefore, _ = ParseDate(d.CertificateStartDate)
	d.NotAfter, _ = ParseDate(d.CertificateExpiryDate)
}

// Certificates decodes Certificate and then IntermediateCAs, each with
// collectssl.DecodeCertificates (PEM, bare base64, DER, PKCS#7 and the other
// containers it reads, whatever the field holds), and returns every
// certificate in that order. An empty field is skipped; both empty is an
// error matching collectssl.ErrNoCertificates (the certificate is not issued
// yet). A field that cannot be decoded gives its *collectssl.ContainerError,
// wrapped with the field's name.
//
// One leniency (ASSUMPTION): a field whose line breaks arrive as the two
// characters `\n` (a JSON string escaped twice) is read with real ones.
func (d *OrderDetails) Certificates() ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, f := range []struct{ name, value string }{
		{"Certificate", d.Certificate},
		{"IntermediateCAs", d.IntermediateCAs},
	} {
		v := strings.TrimSpace(f.value)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "\n") && strings.Contains(v, `\n`) {
			v = strings.NewReplacer(`\r\n`, "\n", `\n`, "\n").Replace(v)
		}
		cs, err := collectssl.DecodeCertificates([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("trustico: order details, %s: %w", f.name, err)
		}
		certs = append(certs, cs...)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("trustico: order details: %w", errNoCertificate)
	}
	return certs, nil
}

// errNoCertificate is the reason of an answer with both certificate fields
// empty.
var errNoCertificate = fmt.Errorf("no Certificate or IntermediateCAs (not issued yet?): %w", collectssl.ErrNoCertificates)

// Bundle orders Certificates into the same collectssl.Bundle a CollectSSL
// collection gives (collectssl.NewBundle, judged at the current time).
func (d *OrderDetails) Bundle() (*collectssl.Bundle, error) {
	return d.BundleAt(time.Now())
}

// BundleAt is Bundle judging validity at now (collectssl.NewBundleAt).
func (d *OrderDetails) BundleAt(now time.Time) (*collectssl.Bundle, error) {
	certs, err := d.Certificates()
	if err != nil {
		return nil, err
	}
	return collectssl.NewBundleAt(certs, now)
}

// dateLayouts are the layouts ParseDate tries, in order. The format of the
// API's dates is not documented.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"02-Jan-2006",
	"2 Jan 2006",
	"Jan 2, 2006",
	"Jan 2 2006",
	"January 2, 2006",
	"2 January 2006",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
}

// ParseDate reads a date of the API leniently (their format is not
// documented), as UTC when it carries no zone: RFC 3339 and ISO-like
// "YYYY-MM-DD[ hh:mm[:ss]]", "YYYY/MM/DD", day or month names ("2 Jan 2006",
// "Jan 2, 2006", ...), RFC 1123, a Unix time in seconds, and numeric
// "DD/MM/YYYY" or "MM/DD/YYYY" (with optional time) when the numbers tell
// which it is: a date that reads both ways (03/04/2025) is refused rather
// than guessed. It returns false when s is empty or none of these.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 9 && len(s) <= 11 {
		return time.Unix(n, 0).UTC(), true
	}
	return slashDate(s)
}

// slashDate reads "A/B/YYYY" with an optional " hh:mm[:ss]", as day/month
// or month/day when only one of them is possible.
func slashDate(s string) (time.Time, bool) {
	date, clock, _ := strings.Cut(s, " ")
	parts := strings.Split(date, "/")
	if len(parts) != 3 {
		parts = strings.Split(date, ".")
	}
	if len(parts) != 3 || len(parts[2]) != 4 {
		return time.Time{}, false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	var layout string
	switch {
	case a == b || (a > 12) != (b > 12):
		if b > 12 {
			layout = "1/2/2006"
		} else {
			layout = "2/1/2006"
		}
	default:
		return time.Time{}, false // ambiguous, or neither a valid month
	}
	if strings.Contains(date, ".") {
		layout = strings.ReplaceAll(layout, "/", ".")
	}
	value := date
	switch strings.Count(clock, ":") {
	case 0:
		if clock != "" {
			return time.Time{}, false
		}
	case 1:
		layout, value = layout+" 15:04", s
	case 2:
		layout, value = layout+" 15:04:05", s
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(layout, value)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
