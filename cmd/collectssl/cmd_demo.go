// This file holds the demo command: the whole job against the in-process
// fake server, one order per chain shape and key type, each collected in
// another container, written to a directory and summarised.

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/certdir"
	"github.com/collectssl/collectssl/collectssltest"
)

const demoHelp = `
Start the fake CollectSSL server in this process, place a few orders (a
test-mode, a pre-2025 and a 2025-shaped chain, ECDSA and RSA), collect one
certificate in each container (ZIP, Netscape sequence, PKCS#7, individual
certificates; responseFormat lines and urlencoded; one binary), write each
bundle's files into a directory of its own under DIR, and print what was
collected. Then collect one order from a fake Trustico REST API the same way
(into DIR/trustico), and ask for the status of an order still being processed.

Nothing but Go is needed: no account, no network. The certificates are
generated for the demo and chain to nothing real. Files of an earlier demo in
DIR are replaced.
`

// demoCase is one order of the demo and how it is collected.
type demoCase struct {
	name  string // directory name
	desc  string // the chain, for people
	order collectssltest.Order
	typ   collectssl.ResponseType
	fmt   collectssl.ResponseFormat
	bin   bool
}

func demoCases() []demoCase {
	return []demoCase{
		{"testmode-ecdsa", "test-mode ECDSA chain", collectssltest.Order{Shape: collectssltest.ShapeTestMode, KeyType: collectssltest.KeyECDSA, Domains: []string{"www.example.test", "example.test"}},
			collectssl.ResponseIndividual, collectssl.FormatLines, false},
		{"pre2025-rsa", "pre-2025 RSA chain (its cross-certificate expired)", collectssltest.Order{Shape: collectssltest.ShapePre2025, KeyType: collectssltest.KeyRSA, Domains: []string{"shop.example.test"}, ExpiredCross: true},
			collectssl.ResponseZIP, collectssl.FormatLines, false},
		{"pre2025-ecdsa", "pre-2025 ECDSA chain", collectssltest.Order{Shape: collectssltest.ShapePre2025, KeyType: collectssltest.KeyECDSA, Domains: []string{"api.example.test"}},
			collectssl.ResponseNetscapeSequence, collectssl.FormatURLEncoded, false},
		{"2025-ecdsa", "2025 ECDSA chain", collectssltest.Order{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyECDSA, Domains: []string{"mail.example.test", "smtp.example.test"}},
			collectssl.ResponsePKCS7, collectssl.FormatLines, false},
		{"2025-rsa", "2025 RSA chain", collectssltest.Order{Shape: collectssltest.Shape2025, KeyType: collectssltest.KeyRSA, Domains: []string{"vpn.example.test"}},
			collectssl.ResponseZIP, collectssl.FormatLines, true},
		{"testmode-rsa", "test-mode RSA chain", collectssltest.Order{Shape: collectssltest.ShapeTestMode, KeyType: collectssltest.KeyRSA, Domains: []string{"intranet.example.test"}},
			collectssl.ResponseIndividual, collectssl.FormatURLEncoded, false},
	}
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("demo", "[-out DIR]", demoHelp)
	var out string
	fs.StringVar(&out, "out", "", "write the files under `DIR` (default: a new temporary directory)")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	if out == "" {
		dir, err := os.MkdirTemp("", "collectssl-demo-")
		if err != nil {
			return fmt.Errorf("collectssl: %w", err)
		}
		out = dir
	}

	srv := collectssltest.NewServer()
	defer srv.Close()
	client := srv.Client()
	fmt.Fprintf(e.stdout, "Fake CollectSSL server at %s\n", srv.URL())

	for _, c := range demoCases() {
		o := srv.AddOrder(c.order)
		req := &collectssl.Request{
			OrderNumber:    o.OrderNumber,
			QueryType:      collectssl.QueryCertificateAndChain,
			ResponseType:   c.typ,
			ResponseFormat: c.fmt,
		}
		how := fmt.Sprintf("%s, %s", c.typ, c.fmt)
		if c.bin {
			req.ResponseEncoding = collectssl.EncodingBinary
			how = fmt.Sprintf("%s, binary", c.typ)
		}
		fmt.Fprintf(e.stdout, "\n== Order %s: %s, collected as %s\n", o.OrderNumber, c.desc, how)
		res, err := client.Collect(ctx, req)
		if err != nil {
			return err
		}
		d := &certdir.Dir{Path: filepath.Join(out, c.name)}
		if err := install(ctx, e, e.stdout, d, res, &certdir.Options{Force: true}, &collectFlags{}, "order "+o.OrderNumber); err != nil {
			return err
		}
	}

	if err := demoTrustico(ctx, e, out); err != nil {
		return err
	}

	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing, Domains: []string{"new.example.test", "www.new.example.test"}, CAAStatus: "Authorized"})
	fmt.Fprintf(e.stdout, "\n== Order %s: status query (queryType 0, every show flag)\n", o.OrderNumber)
	req := &collectssl.Request{OrderNumber: o.OrderNumber, QueryType: collectssl.QueryStatus}
	allShowFlags(req)
	res, err := client.Collect(ctx, req)
	if err != nil {
		return err
	}
	printStatus(e.stdout, res)
	fmt.Fprintf(e.stdout, "\nThe files are in %s\n", out)
	return nil
}
