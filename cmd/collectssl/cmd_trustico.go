// This file holds the trustico command: its subcommands (collect, status) and
// the demo's Trustico step, where the
// Trustico API credentials come from (TRUSTICO_CLIENT_ID and
// TRUSTICO_CLIENT_SECRET, or a file; never a flag) and how an order's status
// and details are printed.

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/collectssl/collectssl/certdir"
	"github.com/collectssl/collectssl/trustico"
	"github.com/collectssl/collectssl/trusticotest"
)

// The environment variables that hold the Trustico API credentials.
const (
	envTrusticoID     = "TRUSTICO_CLIENT_ID"
	envTrusticoSecret = "TRUSTICO_CLIENT_SECRET"
)

const trusticoHelp = `
Talk to Trustico's REST reseller API, which resells Sectigo certificates.

Subcommands:

	collect  collect an order's certificate (GetOrderDetails) into the live directory
	status   show an order's status, certificate status and dates

Credentials come from TRUSTICO_CLIENT_ID and TRUSTICO_CLIENT_SECRET, or from
-credentials FILE (client_id= and client_secret= lines), never from flags.
Only part of the API is documented: see the README's Trustico section for what
is confirmed and what is assumed.
`

func runTrustico(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		w := e.stderr
		if len(args) > 0 {
			w = e.stdout
		}
		fmt.Fprintf(w, "usage: collectssl trustico <subcommand> [flags]\n\n%s", strings.TrimLeft(trusticoHelp, "\n"))
		if len(args) == 0 {
			return usagef("collectssl: trustico: name a subcommand")
		}
		return errHelp
	}
	switch args[0] {
	case "collect":
		return runTrusticoCollect(ctx, e, args[1:])
	case "status":
		return runTrusticoStatus(ctx, e, args[1:])
	}
	return usagef("collectssl: trustico: unknown subcommand %q; run 'collectssl trustico -h'", args[0])
}

// trusticoFlags say where to call and as whom.
type trusticoFlags struct {
	credentials, endpoint, tokenURL, cacert string
}

func (a *trusticoFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.credentials, "credentials", "", "read the credentials from `FILE` (client_id= and client_secret= lines) instead of "+envTrusticoID+" and "+envTrusticoSecret)
	fs.StringVar(&a.endpoint, "endpoint", "", "the API's base `URL` (default "+trustico.DefaultEndpoint+")")
	fs.StringVar(&a.tokenURL, "token-url", "", "the OAuth2 token `URL` (default "+trustico.DefaultTokenURL+")")
	fs.StringVar(&a.cacert, "cacert", "", "trust the CA certificates in `FILE` (PEM) instead of the system's")
}

func (a *trusticoFlags) client(e *env) (*trustico.Client, error) {
	id, secret, err := loadTrusticoCredentials(a.credentials, e)
	if err != nil {
		return nil, err
	}
	hc, err := cacertClient(a.cacert)
	if err != nil {
		return nil, err
	}
	return &trustico.Client{ClientID: id, ClientSecret: secret, Endpoint: a.endpoint, TokenURL: a.tokenURL, UserAgent: "collectssl-cmd", HTTPClient: hc}, nil
}

// loadTrusticoCredentials reads the client ID and secret from file when it
// is not "", else from the environment. Messages never quote the secret.
func loadTrusticoCredentials(file string, e *env) (id, secret string, err error) {
	if file == "" {
		id, secret = e.getenv(envTrusticoID), e.getenv(envTrusticoSecret)
		switch {
		case id == "" && secret == "":
			return "", "", usagef("collectssl: no Trustico credentials: set %s and %s, or use -credentials FILE", envTrusticoID, envTrusticoSecret)
		case id == "":
			return "", "", usagef("collectssl: %s is not set", envTrusticoID)
		case secret == "":
			return "", "", usagef("collectssl: %s is not set", envTrusticoSecret)
		}
		return id, secret, nil
	}
	data, err := readFileLimited(file, maxCredentialsFileBytes)
	if err != nil {
		return "", "", usagef("%v", err)
	}
	if fi, err := os.Stat(file); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.stderr, "collectssl: warning: credentials file %s is readable by others (mode %04o); chmod 600 it\n", file, fi.Mode().Perm())
	}
	var haveID, haveSecret bool
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' {
			continue
		}
		key, value, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return "", "", usagef("collectssl: credentials file %s: line %d is not key=value", file, i+1)
		}
		switch strings.ToLower(string(bytes.TrimSpace(key))) {
		case "client_id":
			if haveID {
				return "", "", usagef("collectssl: credentials file %s: line %d: second client_id", file, i+1)
			}
			id, haveID = string(bytes.TrimSpace(value)), true
		case "client_secret":
			if haveSecret {
				return "", "", usagef("collectssl: credentials file %s: line %d: second client_secret", file, i+1)
			}
			secret, haveSecret = string(value), true
		default:
			return "", "", usagef("collectssl: credentials file %s: line %d: unknown key (want client_id= or client_secret=)", file, i+1)
		}
	}
	switch {
	case id == "":
		return "", "", usagef("collectssl: credentials file %s: no client_id= line", file)
	case secret == "":
		return "", "", usagef("collectssl: credentials file %s: no client_secret= line", file)
	}
	return id, secret, nil
}

const trusticoStatusHelp = `
Show a Trustico order's status (GetOrderStatus) and its certificate's status
and dates (GetOrderDetails). Print them for humans, or as JSON with -json.

The status's JSON key is not documented: the command reads OrderStatus or
Status (an assumption). In TEST mode every order is Unpaid.

Exit status: 0 the order exists, 1 the API said no (the code and messages are
printed, as JSON with -json), 2 usage error, 3 failure.
`

// trusticoStatusView is the JSON of trustico status. Field names are
// stable; absent values are left out.
type trusticoStatusView struct {
	Order                 int        `json:"order"`
	Status                string     `json:"status,omitempty"`
	StatusKnown           bool       `json:"statusKnown"`
	CertificateStatus     string     `json:"certificateStatus,omitempty"`
	NotBefore             *time.Time `json:"notBefore,omitempty"`
	NotAfter              *time.Time `json:"notAfter,omitempty"`
	CertificateStartDate  string     `json:"certificateStartDate,omitempty"`
	CertificateExpiryDate string     `json:"certificateExpiryDate,omitempty"`
	Issued                bool       `json:"issued"`
	TestMode              bool       `json:"testMode"`
	Error                 *struct {
		Method   string   `json:"method"`
		Code     int      `json:"code"`
		Messages []string `json:"messages"`
	} `json:"error,omitempty"`
}

// orderRef reads the -order flag of command cmd: a Trustico order
// reference, a positive integer.
func orderRef(cmd, order string) (int, error) {
	ref, err := strconv.Atoi(order)
	if err != nil || ref <= 0 {
		return 0, usagef("collectssl: %s: -order takes the order reference, a positive integer", cmd)
	}
	return ref, nil
}

func runTrusticoStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("trustico status", "-order REF [flags]", trusticoStatusHelp)
	var (
		af      trusticoFlags
		order   string
		jsonOut bool
	)
	fs.StringVar(&order, "order", "", "the order `reference` (an integer)")
	af.register(fs)
	fs.BoolVar(&jsonOut, "json", false, "print JSON")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	ref, err := orderRef("trustico status", order)
	if err != nil {
		return err
	}
	client, err := af.client(e)
	if err != nil {
		return err
	}
	v := trusticoStatusView{Order: ref}
	st, err := client.GetOrderStatus(ctx, trustico.OrderStatusRequest{OrderReference: ref})
	var d *trustico.OrderDetails
	if err == nil {
		s, known := st.Status()
		v.Status, v.StatusKnown, v.TestMode = string(s), known, st.TestMode
		d, err = client.GetOrderDetails(ctx, ref)
	}
	var te *trustico.Error
	if errors.As(err, &te) {
		v.TestMode = v.TestMode || te.TestMode
		if jsonOut {
			v.Error = &struct {
				Method   string   `json:"method"`
				Code     int      `json:"code"`
				Messages []string `json:"messages"`
			}{te.Method, te.Code, te.Messages}
			if werr := writeJSON(e.stdout, v); werr != nil {
				return werr
			}
		}
	}
	if err != nil {
		return err
	}
	v.CertificateStatus = d.CertificateStatus
	v.CertificateStartDate, v.CertificateExpiryDate = d.CertificateStartDate, d.CertificateExpiryDate
	if !d.NotBefore.IsZero() {
		v.NotBefore = &d.NotBefore
	}
	if !d.NotAfter.IsZero() {
		v.NotAfter = &d.NotAfter
	}
	v.Issued = strings.TrimSpace(d.Certificate) != ""
	v.TestMode = v.TestMode || d.TestMode
	if jsonOut {
		return writeJSON(e.stdout, v)
	}
	printTrusticoStatus(e.stdout, v)
	return nil
}

func printTrusticoStatus(w io.Writer, v trusticoStatusView) {
	status := orDash(v.Status)
	if v.Status != "" && !v.StatusKnown {
		status += " (not a documented status)"
	}
	fmt.Fprintf(w, "order:              %d\n", v.Order)
	fmt.Fprintf(w, "status:             %s\n", printable(status))
	fmt.Fprintf(w, "certificate status: %s\n", printable(orDash(v.CertificateStatus)))
	dates := func(t *time.Time, raw string) string {
		switch {
		case t != nil:
			return fmtTime(*t)
		case raw != "":
			return printable(raw) + " (as sent; not a date this tool reads)"
		}
		return "-"
	}
	fmt.Fprintf(w, "valid from:         %s\n", dates(v.NotBefore, v.CertificateStartDate))
	fmt.Fprintf(w, "valid until:        %s\n", dates(v.NotAfter, v.CertificateExpiryDate))
	issued := "no"
	if v.Issued {
		issued = "yes"
	}
	fmt.Fprintf(w, "certificate issued: %s\n", issued)
	if v.TestMode {
		fmt.Fprintf(w, "mode:               TEST (%q)\n", trustico.TestModeMarker)
	}
}

const trusticoCollectHelp = `
Collect a Trustico order's certificate and its intermediates (GetOrderDetails:
Certificate and IntermediateCAs, in PEM, bare base64 or PKCS#7) and install
them in the live directory DIR (-out) exactly as "collectssl collect" does:
a new version directory, one rename of DIR/current, the stable names
cert.pem, chain.pem, fullchain.pem, root.pem (when delivered), chain.p7b and,
with -key, privkey.pem, combined.pem and cert.p12 (with -p12). The renewal
rule, the lock, -force, -keep, -deploy-hook, -key and -p12 work as there.

An order whose certificate is not issued yet (empty certificate fields, or
error 1008 or 1010) writes nothing and exits with status 4.

Credentials come from TRUSTICO_CLIENT_ID and TRUSTICO_CLIENT_SECRET, or from
-credentials FILE. Exit status: 0 the live set changed, 1 the API said no, 2
usage error, 3 failure, 4 not issued yet, 5 unchanged, 6 the deploy hook
failed.
`

func runTrusticoCollect(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("trustico collect", "-order REF [flags]", trusticoCollectHelp)
	var (
		af    trusticoFlags
		cf    collectFlags
		order string
	)
	fs.StringVar(&order, "order", "", "the order `reference` (an integer)")
	af.register(fs)
	cf.register(fs, "secret and tokens redacted")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	ref, err := orderRef("trustico collect", order)
	if err != nil {
		return err
	}
	if err := cf.check("trustico collect"); err != nil {
		return err
	}
	opts, err := cf.installOptions(e)
	if err != nil {
		return err
	}
	client, err := af.client(e)
	if err != nil {
		return err
	}
	if cf.verbose {
		client.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	what := fmt.Sprintf("Trustico order %d", ref)
	d, err := client.GetOrderDetails(ctx, ref)
	if errors.Is(err, trustico.ErrCertificateNotGenerated) || errors.Is(err, trustico.ErrOrderNotProcessed) {
		return &notReadyError{msg: fmt.Sprintf("collectssl: %s is not issued yet (%v); nothing written", what, err)}
	}
	if err != nil {
		return err
	}
	progress := e.stderr
	if cf.quiet {
		progress = io.Discard
	}
	return installTrustico(ctx, e, e.stderr, cf.dir(progress), d, opts, &cf, what)
}

// installTrustico builds the bundle of an order's details and installs it
// as install does a CollectSSL result: the same files, outcome, hook and
// exit codes.
func installTrustico(ctx context.Context, e *env, notes io.Writer, dir *certdir.Dir, d *trustico.OrderDetails, opts *certdir.Options, cf *collectFlags, what string) error {
	if strings.TrimSpace(d.Certificate) == "" { // intermediates alone: not issued yet, as trustico status says
		return &notReadyError{msg: fmt.Sprintf("collectssl: %s has no certificate yet (certificate status %q); nothing written", what, d.CertificateStatus)}
	}
	b, err := d.Bundle()
	if err != nil {
		return err
	}
	defer printFindings(notes, b)
	if d.TestMode {
		fmt.Fprintf(notes, "collectssl: note: the API is in TEST mode (%q)\n", trustico.TestModeMarker)
	}
	return installBundle(ctx, e, dir, b, opts, cf)
}

// demoTrustico is the demo's Trustico step: a fake Trustico server in this
// process, one completed order whose certificate fields are PKCS#7, collected
// with GetOrderDetails into DIR/trustico.
func demoTrustico(ctx context.Context, e *env, out string) error {
	srv := trusticotest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(trusticotest.Order{Encoding: trusticotest.PKCS7, Domains: []string{"reseller.example.test", "www.reseller.example.test"}})
	fmt.Fprintf(e.stdout, "\n== Trustico order %d: fake Trustico REST API at %s, GetOrderDetails (certificate fields in PKCS#7)\n", o.Reference, srv.URL())
	d, err := srv.Client().GetOrderDetails(ctx, o.Reference)
	if err != nil {
		return err
	}
	dir := &certdir.Dir{Path: filepath.Join(out, "trustico")}
	return installTrustico(ctx, e, e.stdout, dir, d, &certdir.Options{Force: true}, &collectFlags{}, fmt.Sprintf("Trustico order %d", o.Reference))
}
