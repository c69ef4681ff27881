// This file holds the flags that several commands share and their mapping to
// a collectssl.Request and a collectssl.Client: the order identifiers, the
// account (credentials, endpoint, CA file), the response layout and the show
// flags.

package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/collectssl/collectssl"
)

// maxCACertFileBytes bounds the -cacert file: a PEM bundle of every public
// root is about 250 KiB; 4 MiB leaves room without reading a wrong file
// without bound.
const maxCACertFileBytes = 4 << 20

// orderFlags name the order.
type orderFlags struct {
	order, certificateID, baseOrder string
}

func (o *orderFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.order, "order", "", "the order `number`")
	fs.StringVar(&o.certificateID, "certificate-id", "", "the certificate `ID` (decimal, at most 16 digits)")
	fs.StringVar(&o.baseOrder, "base-order", "", "the base order `number` (decimal)")
}

// apply sets the identifiers of req; none given is a usage error.
func (o *orderFlags) apply(cmd string, req *collectssl.Request) error {
	if o.order == "" && o.certificateID == "" && o.baseOrder == "" {
		return usagef("collectssl: %s: name the order with -order, -certificate-id or -base-order", cmd)
	}
	req.OrderNumber = o.order
	req.CertificateID = o.certificateID
	req.BaseOrderNumber = o.baseOrder
	return nil
}

// describe names the order in messages.
func (o *orderFlags) describe() string {
	var parts []string
	if o.order != "" {
		parts = append(parts, "order "+o.order)
	}
	if o.certificateID != "" {
		parts = append(parts, "certificate ID "+o.certificateID)
	}
	if o.baseOrder != "" {
		parts = append(parts, "base order "+o.baseOrder)
	}
	return strings.Join(parts, ", ")
}

// accountFlags say where to call and as whom.
type accountFlags struct {
	credentials string
	endpoint    string
	cacert      string
}

func (a *accountFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.credentials, "credentials", "", "read the login from `FILE` (login= and password= lines) instead of COLLECTSSL_LOGIN and COLLECTSSL_PASSWORD")
	fs.StringVar(&a.endpoint, "endpoint", "", "the CollectSSL `URL` (default "+collectssl.DefaultEndpoint+")")
	fs.StringVar(&a.cacert, "cacert", "", "trust the CA certificates in `FILE` (PEM) instead of the system's")
}

// client builds the Client: credentials, endpoint and, with -cacert, the
// library's HTTP client trusting only the given CAs.
func (a *accountFlags) client(e *env) (*collectssl.Client, error) {
	creds, err := loadCredentials(a.credentials, e)
	if err != nil {
		return nil, err
	}
	hc, err := cacertClient(a.cacert)
	if err != nil {
		return nil, err
	}
	return &collectssl.Client{Credentials: creds, Endpoint: a.endpoint, UserAgent: "collectssl-cmd", HTTPClient: hc}, nil
}

// cacertClient returns an HTTP client that trusts the PEM certificates of
// the -cacert file, or nil (the default client) when there is none.
func cacertClient(cacert string) (*http.Client, error) {
	if cacert == "" {
		return nil, nil
	}
	pemBytes, err := readFileLimited(cacert, maxCACertFileBytes)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, usagef("collectssl: -cacert %s: no PEM certificate in it", cacert)
	}
	return collectssl.NewHTTPClient(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), nil
}

// layoutFlags choose the container, the encoding and the format.
type layoutFlags struct {
	typ    collectssl.ResponseType
	format collectssl.ResponseFormat
	binary bool
}

func (l *layoutFlags) register(fs *flag.FlagSet, typ collectssl.ResponseType) {
	l.typ = typ
	fs.Var(&enumValue[collectssl.ResponseType]{&l.typ, responseTypes}, "type", "the `container`: "+enumNames(responseTypes))
	fs.Var(&enumValue[collectssl.ResponseFormat]{&l.format, responseFormats}, "format", "the response `format`: "+enumNames(responseFormats))
	fs.BoolVar(&l.binary, "binary", false, "ask for the bare binary container (zip or pkcs7 only)")
}

func (l *layoutFlags) apply(req *collectssl.Request) {
	req.ResponseType = l.typ
	req.ResponseFormat = l.format
	if l.binary {
		req.ResponseEncoding = collectssl.EncodingBinary
	}
}

// showFlags are the six show* flags of a request.
type showFlags struct {
	validity, fqdn, extStatus, mdc, mdc2, statusDetails bool
}

func (s *showFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.validity, "show-validity", false, "the request had showValidityPeriod=Y")
	fs.BoolVar(&s.fqdn, "show-fqdn", false, "the request had showFQDN=Y")
	fs.BoolVar(&s.extStatus, "show-ext-status", false, "the request had showExtStatus=Y")
	fs.BoolVar(&s.mdc, "show-mdc", false, "the request had showMDCDomainDetails=Y")
	fs.BoolVar(&s.mdc2, "show-mdc2", false, "the request had showMDCDomainDetails2=Y")
	fs.BoolVar(&s.statusDetails, "show-status-details", false, "the request had showStatusDetails=Y")
}

// given reports whether any -show- flag was given on the command line.
func (s *showFlags) given(fs *flag.FlagSet) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || strings.HasPrefix(f.Name, "show-") })
	return given
}

func (s *showFlags) apply(req *collectssl.Request) {
	req.ShowValidityPeriod = s.validity
	req.ShowFQDN = s.fqdn
	req.ShowExtStatus = s.extStatus
	req.ShowMDCDomainDetails = s.mdc
	req.ShowMDCDomainDetails2 = s.mdc2
	req.ShowStatusDetails = s.statusDetails
}

// allShowFlags sets every show flag: what status asks for.
func allShowFlags(req *collectssl.Request) {
	req.ShowValidityPeriod = true
	req.ShowFQDN = true
	req.ShowExtStatus = true
	req.ShowMDCDomainDetails = true
	req.ShowMDCDomainDetails2 = true
	req.ShowStatusDetails = true
}

var (
	queryTypes = []collectssl.QueryType{
		collectssl.QueryStatus, collectssl.QueryCertificateAndChain, collectssl.QueryCertificate, collectssl.QueryChain,
	}
	responseTypes = []collectssl.ResponseType{
		collectssl.ResponseZIP, collectssl.ResponseNetscapeSequence, collectssl.ResponsePKCS7, collectssl.ResponseIndividual,
	}
	responseFormats = []collectssl.ResponseFormat{collectssl.FormatLines, collectssl.FormatURLEncoded}
)

// enumValue is a flag.Value for one of the library's enums: it accepts the
// value's name (its String) or its number in the specification.
type enumValue[T interface {
	~int
	String() string
}] struct {
	p      *T
	values []T
}

func (v *enumValue[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return (*v.p).String()
}

func (v *enumValue[T]) Set(s string) error {
	for _, x := range v.values {
		if s == x.String() || s == strconv.Itoa(int(x)) {
			*v.p = x
			return nil
		}
	}
	return fmt.Errorf("want one of %s", enumNames(v.values))
}

// enumNames lists the names of values: "zip (0), netscape (1), ...".
func enumNames[T interface {
	~int
	String() string
}](values []T) string {
	parts := make([]string, len(values))
	for i, x := range values {
		parts[i] = fmt.Sprintf("%s (%d)", x, int(x))
	}
	return strings.Join(parts, ", ")
}

// captureFlag is -capture DIR: every answer the command reads is written to
// DIR as a capture file (collectssl.Capture), which `collectssl parse` reads
// back and collectssltest can replay. A capture never holds the password.
type captureFlag struct {
	dir        string
	mask, drop bool
}

func (c *captureFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "capture", "", "write each answer to `DIR` as a capture file (no password in it; see collectssl parse)")
	fs.BoolVar(&c.mask, "capture-mask", false, "with -capture, mask the order identifiers and the domain names of the status lines, for sharing")
	fs.BoolVar(&c.drop, "capture-drop-certificates", false, "with -capture-mask, leave the certificates out of the captures too")
}

// install makes client write its answers to the directory, if one was
// given. A capture that cannot be written is noted on stderr; the call goes
// on.
func (c *captureFlag) install(e *env, client *collectssl.Client) error {
	if c.dir == "" {
		if c.mask || c.drop {
			return usagef("collectssl: -capture-mask and -capture-drop-certificates need -capture")
		}
		return nil
	}
	if c.drop && !c.mask {
		return usagef("collectssl: -capture-drop-certificates needs -capture-mask")
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("collectssl: -capture: %w", err)
	}
	n := 0
	client.Capture = func(cp *collectssl.Capture) {
		n++
		id := cp.Form.Get("orderNumber") + cp.Form.Get("certificateID") + cp.Form.Get("baseOrderNumber")
		id = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' {
				return r
			}
			return '_'
		}, id)
		var err error
		if c.mask {
			err = cp.Mask(c.drop)
			id = "masked"
		}
		name := filepath.Join(c.dir, fmt.Sprintf("%s-%s-%d.capture", cp.Time.UTC().Format("20060102T150405.000Z"), id, n))
		var b []byte
		if err == nil {
			b, err = cp.MarshalText()
		}
		if err == nil {
			err = os.WriteFile(name, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "collectssl: note: capture not written: %s\n", oneLine(err.Error()))
		}
	}
	return nil
}
