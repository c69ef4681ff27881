// This file holds the serve command: the fake CollectSSL server, with a set
// of ready-made orders, for the test suites of other languages, until
// interrupted.

package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/collectssl/collectssl/collectssltest"
)

const serveHelp = `
Run the fake CollectSSL server (package collectssltest) until interrupted
(SIGINT or SIGTERM), with a fixed set of orders: issued ones of every chain
shape and key type, one with an expired cross-certificate, one being
processed, one issued after two polls, and rejected, revoked and awaiting
payment ones. Print the endpoint, the test credentials, the orders and the
file holding the server's TLS certificate (PEM), which a client must trust.
With -manifest FILE, write the same as JSON for a test harness to read.

The server listens on loopback only: on a port it picks, or on -addr.
`

// readHeaderTimeout bounds how long a connection may take to send its
// request headers to the -addr listener.
const readHeaderTimeout = 10 * time.Second

// serveOrder is one ready-made order of serve.
type serveOrder struct {
	OrderNumber     string   `json:"orderNumber"`
	CertificateID   string   `json:"certificateID"`
	BaseOrderNumber string   `json:"baseOrderNumber"`
	State           string   `json:"state"`
	Description     string   `json:"description"`
	Domains         []string `json:"domains"`
}

// serveManifest is what -manifest writes.
type serveManifest struct {
	Endpoint string       `json:"endpoint"`
	Login    string       `json:"login"`
	Password string       `json:"password"` // the fake server's test password, not a secret
	CAFile   string       `json:"caFile"`
	Orders   []serveOrder `json:"orders"`
}

func serveOrders() []struct {
	desc  string
	order collectssltest.Order
} {
	type o = collectssltest.Order
	return []struct {
		desc  string
		order collectssltest.Order
	}{
		{"issued, test-mode chain, ECDSA", o{Shape: collectssltest.ShapeTestMode, KeyType: collectssltest.KeyECDSA}},
		{"issued, test-mode chain, RSA", o{Shape: collectssltest.ShapeTestMode, KeyType: collectssltest.KeyRSA}},
		{"issued, pre-2025 chain, RSA", o{Shape: collectssltest.ShapePre2025, KeyType: collectssltest.KeyRSA}},
		{"issued, pre-2025 chain, RSA, expired cross-certificate", o{Shape: collectssltest.ShapePre2025, KeyType: collectssltest.KeyRSA, ExpiredCross: true}},
		{"issued, 2025 chain, ECDSA", o{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyECDSA}},
		{"issued, 2025 chain, RSA", o{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyRSA}},
		{"being processed", o{State: collectssltest.StateProcessing, Domains: []string{"www.example.test", "example.test"}, CAAStatus: "Authorized"}},
		{"being processed, issued after 2 polls", o{State: collectssltest.StateProcessing, IssueAfterPolls: 2}},
		{"rejected (-20)", o{State: collectssltest.StateRejected}},
		{"revoked (-21)", o{State: collectssltest.StateRevoked}},
		{"awaiting payment (-22)", o{State: collectssltest.StateAwaitingPayment}},
	}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("serve", "[-addr 127.0.0.1:PORT] [-ca-file FILE] [-manifest FILE]", serveHelp)
	var addr, caFile, manifest string
	fs.StringVar(&addr, "addr", "", "listen on this loopback `address` (default: a port the server picks)")
	fs.StringVar(&caFile, "ca-file", "", "write the TLS certificate to trust to `FILE` (default: a temporary file, removed on exit)")
	fs.StringVar(&manifest, "manifest", "", "write the endpoint, credentials, CA file and orders as JSON to `FILE`")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	if addr != "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return usagef("collectssl: serve: -addr %q: %v", addr, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return usagef("collectssl: serve: -addr %q: only a loopback address (127.0.0.1, ::1, localhost)", addr)
		}
	}

	srv := collectssltest.NewServer()
	defer srv.Close()
	endpoint := srv.URL()
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("collectssl: serve: %w", err)
		}
		hs := &http.Server{Handler: srv, TLSConfig: srv.HTTPServer().TLS.Clone(), ReadHeaderTimeout: readHeaderTimeout}
		go func() { _ = hs.Serve(tls.NewListener(ln, hs.TLSConfig)) }()
		defer hs.Close()
		endpoint = "https://" + ln.Addr().String() + collectssltest.Path
	}

	if caFile == "" {
		dir, err := os.MkdirTemp("", "collectssl-serve-")
		if err != nil {
			return fmt.Errorf("collectssl: %w", err)
		}
		defer os.RemoveAll(dir)
		caFile = filepath.Join(dir, "ca.pem")
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.HTTPServer().Certificate().Raw})
	if err := writeFileAtomic(filepath.Dir(caFile), filepath.Base(caFile), caPEM, fileMode); err != nil {
		return err
	}

	creds := srv.Credentials()
	m := serveManifest{Endpoint: endpoint, Login: creds.LoginName, Password: creds.LoginPassword, CAFile: caFile}
	for _, so := range serveOrders() {
		o := srv.AddOrder(so.order)
		m.Orders = append(m.Orders, serveOrder{
			OrderNumber: o.OrderNumber, CertificateID: o.CertificateID, BaseOrderNumber: o.BaseOrderNumber,
			State: o.State.String(), Description: so.desc, Domains: o.Domains,
		})
	}
	if manifest != "" {
		var b strings.Builder
		if err := writeJSON(&b, m); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Dir(manifest), filepath.Base(manifest), []byte(b.String()), fileMode); err != nil {
			return err
		}
	}

	w := e.stdout
	fmt.Fprintf(w, "Fake CollectSSL server\n")
	fmt.Fprintf(w, "  endpoint:  %s\n", m.Endpoint)
	fmt.Fprintf(w, "  login:     %s\n", m.Login)
	fmt.Fprintf(w, "  password:  %s   (the fake server's test password)\n", m.Password)
	fmt.Fprintf(w, "  trust:     %s\n", m.CAFile)
	if manifest != "" {
		fmt.Fprintf(w, "  manifest:  %s\n", manifest)
	}
	fmt.Fprintf(w, "Orders (orderNumber, certificateID, baseOrderNumber):\n")
	for _, o := range m.Orders {
		fmt.Fprintf(w, "  %-8s %-8s %-8s %s\n", o.OrderNumber, o.CertificateID, o.BaseOrderNumber, o.Description)
	}
	fmt.Fprintf(w, "Serving until interrupted.\n")

	<-ctx.Done()
	fmt.Fprintln(e.stderr, "collectssl: serve: stopping")
	return nil
}
