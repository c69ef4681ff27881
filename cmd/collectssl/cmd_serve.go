// This file holds the serve command: the fake CollectSSL server, with a set
// of ready-made orders (their keys written beside the manifest), its control
// API, a ready line and an optional log of every call, for the test suites
// of other languages, until interrupted.

package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/collectssl/collectssl/collectssltest"
)

const serveHelp = `
Run the fake CollectSSL server (package collectssltest) until interrupted
(SIGINT or SIGTERM), with a fixed set of orders: issued ones of every chain
shape and key type, a renewal of the first (same domain names, a new key, a
later notBefore, the same baseOrderNumber), one with an expired
cross-certificate, one being processed, one issued after two polls, and
rejected, revoked and awaiting payment ones.

serve listens on loopback only (-addr, default 127.0.0.1 on a free port),
but accepts connections only once it is ready: orders issued, files written.
Then it prints the endpoint, the test credentials, the CA file to trust
(PEM; its server certificate is valid for 127.0.0.1, ::1 and localhost), the
orders, and last a ready line, for a harness to wait for:

  collectssl serve: ready endpoint=URL control=URL token=TOKEN

With -manifest FILE it first writes the same as JSON (mode 0600): endpoint,
login, password, caFile, control {url, token}, and per order orderNumber,
certificateID, baseOrderNumber, state, description, domains, renews (the
order number it renews, if any) and keyFile: the leaf's private key (PKCS#8
PEM, mode 0600), written beside the manifest (else in a temporary directory
removed on exit).

The control API (JSON over HTTP, same port, paths under /control/) adds
orders, changes their states, queues faults, and reads and resets the call
log and the counters; see the README or 'go doc collectssltest.ControlHandler'.
Every request needs the header "Authorization: Bearer TOKEN" with the token of
the ready line: the collection credentials are not enough.

The server reads the parameters of a POST from its body, whatever the
Content-Type, and from the query string; the body wins on a conflict. Names
are case-insensitive. The parameters:
`

// serveOrder is one ready-made order of serve, as the manifest lists it.
type serveOrder struct {
	OrderNumber     string   `json:"orderNumber"`
	CertificateID   string   `json:"certificateID"`
	BaseOrderNumber string   `json:"baseOrderNumber"`
	State           string   `json:"state"`
	Description     string   `json:"description"`
	Domains         []string `json:"domains"`
	Renews          string   `json:"renews,omitempty"`
	KeyFile         string   `json:"keyFile"`
}

// serveControl is where the control API is and the token it needs.
type serveControl struct {
	URL   string `json:"url"`
	Token string `json:"token"` // protects a loopback test server; printed in the ready line too
}

// serveManifest is what -manifest writes.
type serveManifest struct {
	Endpoint string       `json:"endpoint"`
	Login    string       `json:"login"`
	Password string       `json:"password"` // the fake server's test password, not a secret
	CAFile   string       `json:"caFile"`
	Control  serveControl `json:"control"`
	Orders   []serveOrder `json:"orders"`
}

// readyPrefix starts the line serve prints once it accepts connections.
const readyPrefix = "collectssl serve: ready "

// serveDef is one ready-made order: renews is the index of the order it
// renews, or -1.
type serveDef struct {
	desc   string
	order  collectssltest.Order
	renews int
}

func serveOrders() []serveDef {
	type o = collectssltest.Order
	const (
		test = collectssltest.ShapeTestMode
		pre  = collectssltest.ShapePre2025
		s25  = collectssltest.Shape2025
		ec   = collectssltest.KeyECDSA
		rsa  = collectssltest.KeyRSA
	)
	// The first order started a month ago, so that its renewal starts today.
	monthAgo := time.Now().UTC().AddDate(0, -1, 0).Truncate(24 * time.Hour)
	return []serveDef{
		{"issued, test-mode chain, ECDSA", o{Shape: test, KeyType: ec, Domains: []string{"www.example.test", "example.test"}, NotBefore: monthAgo}, -1},
		{"issued, test-mode chain, ECDSA, renewal (new key, later notBefore)", o{Shape: test, KeyType: ec}, 0},
		{"issued, test-mode chain, RSA", o{Shape: test, KeyType: rsa}, -1},
		{"issued, pre-2025 chain, RSA", o{Shape: pre, KeyType: rsa}, -1},
		{"issued, pre-2025 chain, RSA, expired cross-certificate", o{Shape: pre, KeyType: rsa, ExpiredCross: true}, -1},
		{"issued, 2025 chain, ECDSA", o{Shape: s25, KeyType: ec}, -1},
		{"issued, 2025 chain, RSA", o{Shape: s25, KeyType: rsa}, -1},
		{"being processed", o{State: collectssltest.StateProcessing, Domains: []string{"www.example.test", "example.test"}, CAAStatus: "Authorized"}, -1},
		{"being processed, issued after 2 polls", o{State: collectssltest.StateProcessing, IssueAfterPolls: 2}, -1},
		{"rejected (-20)", o{State: collectssltest.StateRejected}, -1},
		{"revoked (-21)", o{State: collectssltest.StateRevoked}, -1},
		{"awaiting payment (-22)", o{State: collectssltest.StateAwaitingPayment}, -1},
	}
}

// parameterTable writes the table of the parameters the server accepts.
func parameterTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tvalues\tmeaning")
	for _, p := range collectssltest.Parameters() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, p.Values, p.Meaning)
	}
	tw.Flush()
}

func runServe(ctx context.Context, e *env, args []string) error {
	var help strings.Builder
	help.WriteString(serveHelp)
	parameterTable(&help)
	fs := newFlagSet("serve", "[-addr 127.0.0.1:PORT] [-ca-file FILE] [-manifest FILE] [-cert-order root-first|leaf-first] [-v]", help.String())
	var addr, caFile, manifest, certOrder string
	var verbose bool
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "listen on this loopback `address` (127.0.0.1, ::1 or localhost; port 0: a free one)")
	fs.StringVar(&caFile, "ca-file", "", "write the CA certificate to trust to `FILE` (default: beside the manifest, else a temporary file removed on exit)")
	fs.StringVar(&manifest, "manifest", "", "write the endpoint, credentials, control API, CA file and orders as JSON to `FILE`")
	fs.StringVar(&certOrder, "cert-order", "root-first", "the certificate `order` inside ZIP, Netscape and PKCS#7 answers: root-first (as Sectigo) or leaf-first")
	fs.BoolVar(&verbose, "v", false, "log one line per call on stderr (the password redacted)")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("collectssl: serve: -addr %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("collectssl: serve: -addr %q: only a loopback address (127.0.0.1, ::1, localhost)", addr)
	}
	order := map[string]collectssltest.CertOrder{"root-first": collectssltest.CertOrderRootFirst, "leaf-first": collectssltest.CertOrderLeafFirst}[certOrder]
	if order == collectssltest.CertOrderDefault {
		return usagef("collectssl: serve: -cert-order %q: want root-first or leaf-first", certOrder)
	}

	var tokenBytes [16]byte
	if _, err := rand.Read(tokenBytes[:]); err != nil {
		return fmt.Errorf("collectssl: serve: %w", err)
	}
	token := hex.EncodeToString(tokenBytes[:])

	// Listen now (a busy port fails fast), serve once ready: connections
	// made meanwhile wait in the listen queue.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("collectssl: serve: %w", err)
	}
	if host != "localhost" {
		host = ln.Addr().(*net.TCPAddr).IP.String()
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "https://" + net.JoinHostPort(host, port)

	opts := collectssltest.Options{Listener: ln, ControlToken: token, CertOrder: order}
	if verbose {
		opts.OnCall = callLogger(e.stderr)
	}
	srv := collectssltest.NewUnstartedServer(opts)
	defer srv.Close()

	dir := ""
	if manifest != "" {
		dir = filepath.Dir(manifest)
	} else {
		tmp, err := os.MkdirTemp("", "collectssl-serve-")
		if err != nil {
			return fmt.Errorf("collectssl: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if caFile == "" {
		caFile = filepath.Join(dir, "ca.pem")
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CACertificate().Raw})
	if err := writeFileAtomic(filepath.Dir(caFile), filepath.Base(caFile), caPEM, fileMode); err != nil {
		return err
	}

	defs := serveOrders()
	fmt.Fprintf(e.stderr, "collectssl: serve: issuing %d orders (RSA keys may take a few seconds)\n", len(defs))
	creds := srv.Credentials()
	m := serveManifest{
		Endpoint: base + collectssltest.Path, Login: creds.LoginName, Password: creds.LoginPassword, CAFile: caFile,
		Control: serveControl{URL: base + collectssltest.ControlPath, Token: token},
	}
	for _, d := range defs {
		if d.renews >= 0 {
			d.order.Renews = m.Orders[d.renews].OrderNumber
		}
		o := srv.AddOrder(d.order)
		der, err := x509.MarshalPKCS8PrivateKey(o.LeafKey)
		if err != nil {
			return fmt.Errorf("collectssl: serve: order %s: %w", o.OrderNumber, err)
		}
		keyFile := filepath.Join(dir, "order-"+o.OrderNumber+".key.pem")
		if err := writeFileAtomic(dir, filepath.Base(keyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return err
		}
		m.Orders = append(m.Orders, serveOrder{
			OrderNumber: o.OrderNumber, CertificateID: o.CertificateID, BaseOrderNumber: o.BaseOrderNumber,
			State: o.State.String(), Description: d.desc, Domains: o.Domains, Renews: o.Renews, KeyFile: keyFile,
		})
	}
	if manifest != "" {
		var b strings.Builder
		if err := writeJSON(&b, m); err != nil {
			return err
		}
		if err := writeFileAtomic(dir, filepath.Base(manifest), []byte(b.String()), 0o600); err != nil {
			return err
		}
	}

	srv.Start()
	w := e.stdout
	fmt.Fprintf(w, "Fake CollectSSL server\n")
	fmt.Fprintf(w, "  endpoint:  %s\n", m.Endpoint)
	fmt.Fprintf(w, "  login:     %s\n", m.Login)
	fmt.Fprintf(w, "  password:  %s   (the fake server's test password)\n", m.Password)
	fmt.Fprintf(w, "  trust:     %s\n", m.CAFile)
	fmt.Fprintf(w, "  control:   %s   (Authorization: Bearer <token of the ready line>)\n", m.Control.URL)
	if manifest != "" {
		fmt.Fprintf(w, "  manifest:  %s\n", manifest)
	}
	fmt.Fprintf(w, "Orders (orderNumber, certificateID, baseOrderNumber):\n")
	for _, o := range m.Orders {
		fmt.Fprintf(w, "  %-8s %-8s %-8s %s\n", o.OrderNumber, o.CertificateID, o.BaseOrderNumber, o.Description)
	}
	fmt.Fprintf(w, "%sendpoint=%s control=%s token=%s\n", readyPrefix, m.Endpoint, m.Control.URL, token)

	<-ctx.Done()
	fmt.Fprintln(e.stderr, "collectssl: serve: stopping")
	return nil
}

// callLogger returns an Options.OnCall that writes one line per call to w:
// time, method, path, the form (the password already redacted by the
// server), the HTTP status, the CollectSSL status and the fault.
func callLogger(w io.Writer) func(collectssltest.Call) {
	var mu sync.Mutex
	return func(c collectssltest.Call) {
		keys := make([]string, 0, len(c.Form))
		for k := range c.Form {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var form []string
		for _, k := range keys {
			for _, v := range c.Form[k] {
				if v != "[REDACTED]" {
					v = url.QueryEscape(v)
				}
				form = append(form, url.QueryEscape(k)+"="+v)
			}
		}
		line := fmt.Sprintf("collectssl: serve: %s %s %s [%s] -> HTTP %d status %d",
			c.Time.UTC().Format("15:04:05.000"), c.Method, (&url.URL{Path: c.Path}).EscapedPath(), strings.Join(form, "&"), c.HTTPStatus, c.Status)
		if c.Fault != "" {
			line += " fault " + c.Fault
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, line)
	}
}
